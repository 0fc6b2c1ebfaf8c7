#include "runner/difference_match.h"

#include <algorithm>
#include <map>
#include <sstream>
#include <tuple>

#include "reference/flow/flow_program.h"
#include "reference/packet/packet_builder.h"
#include "reference/packet/packet_parser.h"
#include "reference/scenario/table_format.h"
#include "runner/observation_text.h"

namespace ctc {
namespace {

const char* protocol_name(uint8_t protocol) {
  switch (protocol) {
    case ip_proto::kTcp: return "tcp";
    case ip_proto::kUdp: return "udp";
    case ip_proto::kIcmp: return "icmp";
    case ip_proto::kIcmpv6: return "icmpv6";
  }
  return "proto";
}

bool is_icmp(uint8_t protocol) {
  return protocol == ip_proto::kIcmp || protocol == ip_proto::kIcmpv6;
}

// One port a NAT may have chosen: a TCP/UDP port or an ICMP echo identifier,
// with the address it belongs to (the NAT keeps ports unique per address).
struct PortField {
  IpAddress address;
  uint16_t value = 0;
};

struct PortFields {
  uint8_t protocol = 0;
  std::vector<PortField> fields;
};

bool is_echo(const Packet& p) {
  const IcmpHeader* i = p.icmp();
  if (i == nullptr || p.is_icmp_error()) return false;
  return i->type == icmp_type::kEchoRequest || i->type == icmp_type::kEchoReply ||
         i->type == icmpv6_type::kEchoRequest || i->type == icmpv6_type::kEchoReply;
}

bool is_echo_request(const IcmpHeader& i) {
  return i.type == icmp_type::kEchoRequest || i.type == icmpv6_type::kEchoRequest;
}

// The outer header's ports, source first. Nothing for other packets (ICMP
// errors included: the ports they quote are not renamed by this symptom).
std::optional<PortFields> port_fields(const Packet& p) {
  if (!p.ip) return std::nullopt;
  if (const TcpHeader* t = p.tcp()) {
    return PortFields{p.ip->protocol, {{p.ip->src, t->src_port}, {p.ip->dst, t->dst_port}}};
  }
  if (const UdpHeader* u = p.udp()) {
    return PortFields{p.ip->protocol, {{p.ip->src, u->src_port}, {p.ip->dst, u->dst_port}}};
  }
  if (is_echo(p)) {
    // The identifier is the requester's "port": on a request it goes with
    // the source address, on a reply with the destination.
    const IcmpHeader& i = *p.icmp();
    return PortFields{p.ip->protocol,
                      {{is_echo_request(i) ? p.ip->src : p.ip->dst, i.identifier()}}};
  }
  return std::nullopt;
}

void set_ports(Packet& p, const PortFields& ports) {
  if (TcpHeader* t = p.tcp()) {
    t->src_port = ports.fields[0].value;
    t->dst_port = ports.fields[1].value;
  } else if (UdpHeader* u = p.udp()) {
    u->src_port = ports.fields[0].value;
    u->dst_port = ports.fields[1].value;
  } else if (IcmpHeader* i = p.icmp()) {
    i->rest = (static_cast<uint32_t>(ports.fields[0].value) << 16) | (i->rest & 0xffffu);
  }
}

std::optional<uint16_t> l4_checksum(const Packet& p) {
  if (const TcpHeader* t = p.tcp()) return t->checksum;
  if (const UdpHeader* u = p.udp()) return u->checksum;
  if (const IcmpHeader* i = p.icmp()) return i->checksum;
  return std::nullopt;
}

// nullopt: computed afresh when the packet is built.
void set_l4_checksum(Packet& p, std::optional<uint16_t> checksum) {
  if (TcpHeader* t = p.tcp()) t->checksum = checksum;
  if (UdpHeader* u = p.udp()) u->checksum = checksum;
  if (IcmpHeader* i = p.icmp()) i->checksum = checksum;
}

// A UDP/IPv4 datagram sent without a checksum (0 on the wire) keeps none.
bool udp_without_checksum(const Packet& p) {
  return p.udp() != nullptr && p.udp()->checksum == 0 && p.ip->family == IpFamily::kV4;
}

// Reference ports -> system ports, per (protocol, address), one to one.
class Renaming {
 public:
  // False, with why, when `from` was already renamed otherwise or another
  // port already became `to`.
  bool add(uint8_t protocol, const IpAddress& address, uint16_t from, uint16_t to,
           std::string& why) {
    auto [fwd, fwd_new] = forward_.try_emplace({protocol, address, from}, to);
    if (!fwd_new && fwd->second != to) {
      why = std::string(protocol_name(protocol)) + " " + address.to_string() + " port " +
            std::to_string(from) + " is " + std::to_string(fwd->second) +
            " on one frame or row and " + std::to_string(to) + " on another: not one renaming";
      return false;
    }
    auto [back, back_new] = backward_.try_emplace({protocol, address, to}, from);
    if (!back_new && back->second != from) {
      why = std::string(protocol_name(protocol)) + " " + address.to_string() + " ports " +
            std::to_string(back->second) + " and " + std::to_string(from) + " both became " +
            std::to_string(to) + ": not one to one";
      return false;
    }
    return true;
  }

  struct Change {
    uint8_t protocol;
    IpAddress address;
    uint16_t from;
    uint16_t to;
  };
  std::vector<Change> changes() const {
    std::vector<Change> out;
    for (const auto& [key, to] : forward_) {
      const auto& [protocol, address, from] = key;
      if (from != to) out.push_back({protocol, address, from, to});
    }
    return out;
  }

  bool any_change() const {
    return std::any_of(forward_.begin(), forward_.end(),
                       [](const auto& kv) { return std::get<2>(kv.first) != kv.second; });
  }

  std::string describe() const {
    std::ostringstream os;
    for (const auto& [key, to] : forward_) {
      const auto& [protocol, address, from] = key;
      if (from == to) continue;
      if (os.tellp() > 0) os << ", ";
      os << protocol_name(protocol) << " " << address << " port " << from << " -> " << to;
    }
    return os.str();
  }

 private:
  using Key = std::tuple<uint8_t, IpAddress, uint16_t>;
  std::map<Key, uint16_t> forward_;
  std::map<Key, uint16_t> backward_;
};

// The NAT ranges of the program that configure ports; nullopt when the
// program does not parse (then no port can be called a choice).
std::optional<std::vector<NatRange>> configured_port_ranges(const std::string& flows) {
  auto program = parse_flow_program(flows);
  if (!program.ok()) return std::nullopt;
  std::vector<NatRange> out;
  for (const FlowRule& rule : program->rules) {
    for (const FlowAction& action : rule.actions) {
      const auto* ct = std::get_if<CtAction>(&action);
      if (ct != nullptr && ct->nat_range &&
          (ct->nat_range->min_port != 0 || ct->nat_range->max_port != 0)) {
        out.push_back(*ct->nat_range);
      }
    }
  }
  return out;
}

// A port on an address a NAT range with ports covers is configured, not
// chosen (nat(src=192.0.2.1:5000)). A DNAT to 192.0.2.7:1024 does not
// configure the client's source port, which a reply-tuple clash may move.
bool port_is_configured(const std::optional<std::vector<NatRange>>& ranges,
                        const IpAddress& address) {
  if (!ranges) return true;
  return std::any_of(ranges->begin(), ranges->end(), [&](const NatRange& r) {
    return address.family == r.min_addr.family && r.min_addr <= address && address <= r.max_addr;
  });
}

std::vector<OutputFrame> sorted_by_port(std::vector<OutputFrame> frames) {
  std::stable_sort(frames.begin(), frames.end(),
                   [](const OutputFrame& a, const OutputFrame& b) { return a.port < b.port; });
  return frames;
}

// A frame in one line, for the reason a difference is not explained.
std::string frame_text(const OutputFrame& f) {
  std::ostringstream os;
  os << "port " << f.port.value << ": ";
  if (auto p = parse_frame(f.bytes); p.ok()) {
    os << *p;  // says "(bad l4 checksum)" itself
  } else {
    os << "unparsable frame";
  }
  return os.str();
}

std::string frames_text(const std::vector<OutputFrame>& frames) {
  if (frames.empty()) return "dropped";
  std::string out;
  for (const OutputFrame& f : frames) out += (out.empty() ? "" : "; ") + frame_text(f);
  return out;
}

// Whether a connection's source (destination) side is translated follows
// from its tuples; a port chosen differently can make a side translated on
// one system only (the null source binding after a DNAT moves a port).
bool source_translated(const ConnectionSnapshot& c) {
  const bool port_moved = is_icmp(c.original.protocol) ? c.reply.icmp_id != c.original.icmp_id
                                                       : c.reply.dst_port != c.original.src_port;
  return c.reply.dst != c.original.src || port_moved;
}

bool destination_translated(const ConnectionSnapshot& c) {
  return c.reply.src != c.original.dst || c.reply.src_port != c.original.dst_port;
}

std::string table_key(const ConnectionSnapshot& c) {
  return "zone=" + std::to_string(c.zone.value) + "," + c.original.to_string();
}

class NatPortChoice {
 public:
  NatPortChoice(const Scenario& scenario, const CompareScope& scope)
      : scenario_(scenario), scope_(scope) {}

  DifferenceExplanation explain(const RunRecord& ref, const RunRecord& sut) {
    if (ref.size() != sut.size() || ref.size() != scenario_.steps.size() + 1) {
      unexplained("the records do not cover the same steps");
      return finish();
    }
    for (size_t i = 0; i < ref.size(); ++i) step(i, ref[i], sut[i]);
    const auto ranges = configured_port_ranges(scenario_.flows);
    for (const Renaming::Change& c : renaming_.changes()) {
      if (port_is_configured(ranges, c.address)) {
        unexplained(std::string("the program configures the NAT port on ") +
                    protocol_name(c.protocol) + " " + c.address.to_string() + ": " +
                    std::to_string(c.to) + " for " + std::to_string(c.from) + " is not a choice");
        break;
      }
    }
    return finish();
  }

 private:
  void step(size_t index, const RecordedStep& ref, const RecordedStep& sut) {
    index_ = index;
    const Step* s = index < scenario_.steps.size() ? &scenario_.steps[index] : nullptr;
    if (const auto* inject = s == nullptr ? nullptr : std::get_if<InjectStep>(s)) {
      outputs(inject->frame, sorted_by_port(ref.outputs), sorted_by_port(sut.outputs));
      if (scope_.classification && ref.classification != sut.classification) {
        difference("classification");
        unexplained("ct_state " + describe_classification(ref.classification) +
                    " on the reference, " + describe_classification(sut.classification) +
                    " on the system");
      }
    }
    if (scope_.tables && (ref.table || sut.table)) {
      if (!ref.table || !sut.table) {
        difference("table");
        unexplained("a table on one side only");
      } else {
        tables(*ref.table, *sut.table);
      }
    }
  }

  void outputs(const std::vector<uint8_t>& input, const std::vector<OutputFrame>& ref,
               const std::vector<OutputFrame>& sut) {
    if (ref == sut) {
      for (const OutputFrame& f : ref) constrain_frame(input, f.bytes, f.bytes);
      return;
    }
    difference("outputs");
    const bool same_ports =
        ref.size() == sut.size() &&
        std::equal(ref.begin(), ref.end(), sut.begin(),
                   [](const OutputFrame& a, const OutputFrame& b) { return a.port == b.port; });
    if (!same_ports) {
      unexplained("other frames or ports: reference [" + frames_text(ref) + "], system [" +
                  frames_text(sut) + "]");
      return;
    }
    for (size_t k = 0; k < ref.size(); ++k) {
      if (ref[k].bytes != sut[k].bytes) {
        ++result_.differing;
        if (!frame_differs_in_ports_only(ref[k].bytes, sut[k].bytes)) {
          unexplained("a frame differs beyond its L4 ports: reference [" + frame_text(ref[k]) +
                      "], system [" + frame_text(sut[k]) + "]");
          continue;
        }
      }
      constrain_frame(input, ref[k].bytes, sut[k].bytes);
    }
  }

  // The system's frame is the reference's with other outer ports and the
  // checksum those give: recomputed when the reference's was right, and
  // still wrong when it was wrong.
  static bool frame_differs_in_ports_only(const std::vector<uint8_t>& ref_bytes,
                                          const std::vector<uint8_t>& sut_bytes) {
    auto ref = parse_frame(ref_bytes);
    auto sut = parse_frame(sut_bytes);
    if (!ref.ok() || !sut.ok()) return false;
    const auto ref_ports = port_fields(*ref);
    const auto sut_ports = port_fields(*sut);
    if (!ref_ports || !sut_ports || ref_ports->protocol != sut_ports->protocol ||
        ref_ports->fields.size() != sut_ports->fields.size()) {
      return false;
    }
    // Ethernet padding beyond the IP packet is dropped by the parser: keep
    // the reference's, so that the frames compare byte for byte.
    const std::vector<uint8_t> base = serialize_frame(*ref);
    if (base.size() > ref_bytes.size() ||
        !std::equal(base.begin(), base.end(), ref_bytes.begin())) {
      return false;
    }
    Packet expected = *ref;
    set_ports(expected, *sut_ports);
    if (ref->l4_checksum_ok) {
      if (!udp_without_checksum(*ref)) set_l4_checksum(expected, std::nullopt);
    } else {
      if (sut->l4_checksum_ok) return false;
      set_l4_checksum(expected, l4_checksum(*sut));
    }
    std::vector<uint8_t> bytes = serialize_frame(expected);
    bytes.insert(bytes.end(), ref_bytes.begin() + static_cast<std::ptrdiff_t>(base.size()),
                 ref_bytes.end());
    return bytes == sut_bytes;
  }

  // Each port that differs, or that the reference's NAT translated (it is
  // not what came in), must be renamed the same way everywhere.
  void constrain_frame(const std::vector<uint8_t>& input, const std::vector<uint8_t>& ref_bytes,
                       const std::vector<uint8_t>& sut_bytes) {
    auto ref = parse_frame(ref_bytes);
    auto sut = parse_frame(sut_bytes);
    if (!ref.ok() || !sut.ok()) return;  // equal frames (else already unexplained)
    const auto ref_ports = port_fields(*ref);
    const auto sut_ports = port_fields(*sut);
    if (!ref_ports || !sut_ports || ref_ports->fields.size() != sut_ports->fields.size()) return;
    std::optional<PortFields> in_ports;
    if (auto in = parse_frame(input); in.ok()) in_ports = port_fields(*in);
    const bool in_comparable = in_ports && in_ports->protocol == ref_ports->protocol &&
                               in_ports->fields.size() == ref_ports->fields.size();
    for (size_t f = 0; f < ref_ports->fields.size(); ++f) {
      const PortField& r = ref_ports->fields[f];
      const uint16_t s = sut_ports->fields[f].value;
      const bool translated = !in_comparable || in_ports->fields[f].value != r.value;
      if (r.value != s || translated) rename(ref_ports->protocol, r.address, r.value, s);
    }
  }

  void tables(const std::vector<ConnectionSnapshot>& ref,
              const std::vector<ConnectionSnapshot>& sut) {
    const RowFormatOptions format{.timeout = scope_.exact_time};
    const bool equal = table_rows(ref, scope_.exact_time) == table_rows(sut, scope_.exact_time);
    if (!equal) difference("table");
    std::map<std::string, const ConnectionSnapshot*> ref_by_key, sut_by_key;
    for (const ConnectionSnapshot& c : ref) {
      if (!ref_by_key.emplace(table_key(c), &c).second && !equal) {
        return unexplained("two reference connections with the same original tuple");
      }
    }
    for (const ConnectionSnapshot& c : sut) {
      if (!sut_by_key.emplace(table_key(c), &c).second && !equal) {
        return unexplained("two system connections with the same original tuple");
      }
    }
    for (const auto& [key, c] : sut_by_key) {
      if (!ref_by_key.contains(key))
        return unexplained("only on the system: " + format_connection(*c, format));
    }
    for (const auto& [key, r] : ref_by_key) {
      auto it = sut_by_key.find(key);
      if (it == sut_by_key.end())
        return unexplained("only on the reference: " + format_connection(*r, format));
      const ConnectionSnapshot& s = *it->second;
      const std::string ref_row = format_connection(*r, format);
      const std::string sut_row = format_connection(s, format);
      if (ref_row != sut_row) {
        ++result_.differing;
        ConnectionSnapshot expected = *r;
        expected.reply.src_port = s.reply.src_port;
        expected.reply.dst_port = s.reply.dst_port;
        expected.reply.icmp_id = s.reply.icmp_id;
        if (expected.reply.dst_port != r->reply.dst_port ||
            expected.reply.icmp_id != r->reply.icmp_id) {
          expected.snat = source_translated(expected);
        }
        if (expected.reply.src_port != r->reply.src_port)
          expected.dnat = destination_translated(expected);
        if (format_connection(expected, format) != sut_row) {
          unexplained("a connection differs beyond its reply ports: reference " + ref_row +
                      ", system " + sut_row);
          continue;
        }
      }
      constrain_row(*r, s);
    }
  }

  // The reply tuple's ports against the inverted original tuple's: where the
  // reference translated, or the sides differ, the port is renamed.
  void constrain_row(const ConnectionSnapshot& r, const ConnectionSnapshot& s) {
    const uint8_t protocol = r.original.protocol;
    auto field = [&](const IpAddress& address, uint16_t untranslated, uint16_t ref_v,
                     uint16_t sut_v) {
      if (ref_v != sut_v || ref_v != untranslated) rename(protocol, address, ref_v, sut_v);
    };
    if (is_icmp(protocol)) {
      field(r.reply.dst, r.original.icmp_id, r.reply.icmp_id, s.reply.icmp_id);
      return;
    }
    field(r.reply.dst, r.original.src_port, r.reply.dst_port, s.reply.dst_port);
    field(r.reply.src, r.original.dst_port, r.reply.src_port, s.reply.src_port);
  }

  void rename(uint8_t protocol, const IpAddress& address, uint16_t from, uint16_t to) {
    std::string why;
    if (!renaming_.add(protocol, address, from, to, why)) unexplained(why);
  }

  void difference(const char* aspect) {
    if (result_.first_step) return;
    result_.first_step = index_;
    result_.first_aspect = aspect;
  }

  void unexplained(const std::string& why) {
    if (!why_.empty()) return;
    why_ = index_ < scenario_.steps.size() ? "step " + std::to_string(index_ + 1) + ": " + why
                                           : "end of scenario: " + why;
  }

  DifferenceExplanation finish() {
    if (!why_.empty()) {
      result_.detail = why_;
    } else if (!result_.first_step) {
      result_.detail = "no difference";
    } else if (!renaming_.any_change()) {
      result_.detail = "no port differs";
    } else {
      result_.explained = true;
      result_.detail = renaming_.describe();
    }
    return result_;
  }

  const Scenario& scenario_;
  CompareScope scope_;
  Renaming renaming_;
  DifferenceExplanation result_;
  std::string why_;
  size_t index_ = 0;
};

}  // namespace

DifferenceExplanation explain_difference(DifferenceKind kind, const Scenario& scenario,
                                         const RunRecord& reference, const RunRecord& sut,
                                         const CompareScope& scope) {
  switch (kind) {
    case DifferenceKind::kNatPortChoice:
      return NatPortChoice(scenario, scope).explain(reference, sut);
  }
  return {.detail = "unknown difference kind"};
}

}  // namespace ctc
