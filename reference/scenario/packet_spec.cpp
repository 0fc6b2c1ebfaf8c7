#include "reference/scenario/packet_spec.h"

#include <algorithm>
#include <charconv>
#include <vector>

#include "reference/packet/packet_builder.h"

namespace ctc {
namespace {

// Splits on spaces, keeping "quote(...)" (with nested parentheses) as one word.
struct Word {
  std::string_view text;
  size_t column = 0;
};

Result<std::vector<Word>> split_words(std::string_view spec) {
  std::vector<Word> words;
  size_t i = 0;
  while (i < spec.size()) {
    if (spec[i] == ' ' || spec[i] == '\t') {
      ++i;
      continue;
    }
    size_t start = i;
    int depth = 0;
    while (i < spec.size() && (depth > 0 || (spec[i] != ' ' && spec[i] != '\t'))) {
      if (spec[i] == '(') ++depth;
      if (spec[i] == ')') {
        if (depth == 0) return invalid_argument("unbalanced ')' at column " + std::to_string(i));
        --depth;
      }
      ++i;
    }
    if (depth != 0) return invalid_argument("unbalanced '(' at column " + std::to_string(start));
    words.push_back({spec.substr(start, i - start), start});
  }
  return words;
}

Error word_error(const Word& w, const std::string& what) {
  return invalid_argument("column " + std::to_string(w.column) + ": " + what + " '" +
                          std::string(w.text) + "'");
}

template <class T>
std::optional<T> parse_number(std::string_view text) {
  T value{};
  int base = 10;
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    text.remove_prefix(2);
    base = 16;
  }
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value, base);
  if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  return value;
}

struct Endpoint {
  IpAddress address;
  std::optional<uint16_t> port;
};

// "10.0.0.1", "10.0.0.1:80", "[fd00::1]:80", "fd00::1".
Result<Endpoint> parse_endpoint(const Word& w, bool want_port) {
  std::string_view text = w.text;
  std::string_view addr = text;
  std::optional<std::string_view> port;
  if (!text.empty() && text.front() == '[') {
    size_t close = text.find(']');
    if (close == std::string_view::npos) return word_error(w, "missing ']' in");
    addr = text.substr(1, close - 1);
    if (close + 1 < text.size()) {
      if (text[close + 1] != ':') return word_error(w, "expected ':' after ']' in");
      port = text.substr(close + 2);
    }
  } else if (std::count(text.begin(), text.end(), ':') == 1) {
    size_t colon = text.find(':');
    addr = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  auto ip = IpAddress::parse(addr);
  if (!ip.ok()) return word_error(w, "bad address in");
  Endpoint e{*ip, std::nullopt};
  if (port) {
    auto p = parse_number<uint16_t>(*port);
    if (!p) return word_error(w, "bad port in");
    e.port = *p;
  }
  if (want_port && !e.port) return word_error(w, "missing port in");
  if (!want_port && e.port) return word_error(w, "unexpected port in");
  return e;
}

Result<uint8_t> parse_tcp_flags(const Word& w) {
  uint8_t flags = 0;
  for (char c : w.text) {
    switch (c) {
      case 'S': flags |= tcp_flag::kSyn; break;
      case 'F': flags |= tcp_flag::kFin; break;
      case 'R': flags |= tcp_flag::kRst; break;
      case 'P': flags |= tcp_flag::kPsh; break;
      case 'U': flags |= tcp_flag::kUrg; break;
      case 'E': flags |= tcp_flag::kEce; break;
      case 'C': flags |= tcp_flag::kCwr; break;
      case 'A':
      case '.': flags |= tcp_flag::kAck; break;
      case '0': break;  // "0": no flags at all
      default: return word_error(w, "bad TCP flags");
    }
  }
  return flags;
}

struct IcmpKind {
  std::string_view name;
  uint8_t v4_type;
  uint8_t v6_type;
};

constexpr IcmpKind kIcmpKinds[] = {
    {"echo-request", icmp_type::kEchoRequest, icmpv6_type::kEchoRequest},
    {"echo-reply", icmp_type::kEchoReply, icmpv6_type::kEchoReply},
    {"unreachable", icmp_type::kDestUnreachable, icmpv6_type::kDestUnreachable},
    {"time-exceeded", icmp_type::kTimeExceeded, icmpv6_type::kTimeExceeded},
    {"param-problem", icmp_type::kParameterProblem, icmpv6_type::kParameterProblem},
    {"packet-too-big", 0xff, icmpv6_type::kPacketTooBig},
};

// Key=value options shared by every protocol.
struct Options {
  std::optional<uint32_t> seq, ack;
  std::optional<uint16_t> win;
  size_t len = 0;
  std::vector<TcpOption> tcp_options;
  std::optional<uint8_t> ttl, tos;
  std::optional<uint16_t> vlan;
  std::optional<std::pair<MacAddress, MacAddress>> eth;
  std::optional<uint16_t> l4_checksum, ip_checksum;
  std::optional<std::pair<uint16_t, bool>> fragment;
  std::optional<uint8_t> icmp_type, icmp_code;
  std::optional<uint16_t> icmp_id, icmp_seq;
  std::optional<Packet> quoted;
};

Status parse_option(const Word& w, Options& o) {
  const std::string_view text = w.text;
  if (text == "sackok") {
    o.tcp_options.push_back(TcpOption::sack_permitted());
    return ok_status();
  }
  if (text.starts_with("quote(") && text.ends_with(")")) {
    auto inner = parse_packet_spec(text.substr(6, text.size() - 7));
    if (!inner.ok()) return word_error(w, "bad quoted packet (" + inner.error().message + ") in");
    o.quoted = std::move(inner).value();
    return ok_status();
  }
  size_t eq = text.find('=');
  if (eq == std::string_view::npos) return word_error(w, "unknown word");
  std::string_view key = text.substr(0, eq);
  std::string_view value = text.substr(eq + 1);
  auto number = [&]<class T>(std::optional<T>& out) -> Status {
    auto n = parse_number<T>(value);
    if (!n) return word_error(w, "bad number in");
    out = *n;
    return ok_status();
  };
  if (key == "seq") return number(o.seq);
  if (key == "ack") return number(o.ack);
  if (key == "win") return number(o.win);
  if (key == "ttl") return number(o.ttl);
  if (key == "tos") return number(o.tos);
  if (key == "vlan") return number(o.vlan);
  if (key == "csum") return number(o.l4_checksum);
  if (key == "ipcsum") return number(o.ip_checksum);
  if (key == "type") return number(o.icmp_type);
  if (key == "code") return number(o.icmp_code);
  if (key == "id") return number(o.icmp_id);
  if (key == "len") {
    auto n = parse_number<uint16_t>(value);
    if (!n) return word_error(w, "bad number in");
    o.len = *n;
    return ok_status();
  }
  if (key == "mss") {
    std::optional<uint16_t> mss;
    if (auto s = number(mss); !s.ok()) return s;
    o.tcp_options.push_back(TcpOption::mss(*mss));
    return ok_status();
  }
  if (key == "wscale") {
    std::optional<uint8_t> shift;
    if (auto s = number(shift); !s.ok()) return s;
    o.tcp_options.push_back(TcpOption::window_scale(*shift));
    return ok_status();
  }
  if (key == "ts") {
    size_t slash = value.find('/');
    auto tv = parse_number<uint32_t>(value.substr(0, slash));
    auto te = slash == std::string_view::npos ? std::optional<uint32_t>(0)
                                              : parse_number<uint32_t>(value.substr(slash + 1));
    if (!tv || !te) return word_error(w, "bad timestamps in");
    o.tcp_options.push_back(TcpOption::timestamps(*tv, *te));
    return ok_status();
  }
  if (key == "eth") {
    size_t gt = value.find('>');
    if (gt == std::string_view::npos) return word_error(w, "expected eth=SRC>DST, got");
    auto src = MacAddress::parse(value.substr(0, gt));
    auto dst = MacAddress::parse(value.substr(gt + 1));
    if (!src.ok() || !dst.ok()) return word_error(w, "bad MAC address in");
    o.eth = std::make_pair(*src, *dst);
    return ok_status();
  }
  if (key == "frag") {
    bool more = value.ends_with("+");
    auto off = parse_number<uint16_t>(more ? value.substr(0, value.size() - 1) : value);
    if (!off || *off > 0x1fff) return word_error(w, "bad fragment offset in");
    o.fragment = std::make_pair(*off, more);
    return ok_status();
  }
  return word_error(w, "unknown option");
}

}  // namespace

Result<Packet> parse_packet_spec(std::string_view spec) {
  auto split = split_words(spec);
  if (!split.ok()) return split.error();
  const std::vector<Word>& words = *split;
  if (words.size() < 4) return invalid_argument("expected 'PROTO SRC > DST ...', got '" +
                                                std::string(spec) + "'");
  const Word& proto = words[0];
  const bool is_icmp = proto.text == "icmp";
  if (proto.text != "tcp" && proto.text != "udp" && !is_icmp) {
    return word_error(proto, "unknown protocol (tcp, udp, icmp)");
  }
  if (words[2].text != ">") return word_error(words[2], "expected '>', got");
  auto src = parse_endpoint(words[1], !is_icmp);
  if (!src.ok()) return src.error();
  auto dst = parse_endpoint(words[3], !is_icmp);
  if (!dst.ok()) return dst.error();
  if (src->address.family != dst->address.family) {
    return word_error(words[3], "address family differs from the source in");
  }
  const bool v6 = !src->address.is_v4();

  size_t next = 4;
  uint8_t flags = 0;
  const IcmpKind* icmp_kind = nullptr;
  if (proto.text == "tcp") {
    if (next >= words.size()) return invalid_argument("missing TCP flags in '" + std::string(spec) + "'");
    auto f = parse_tcp_flags(words[next]);
    if (!f.ok()) return f.error();
    flags = *f;
    ++next;
  } else if (is_icmp && next < words.size() && words[next].text.find('=') == std::string_view::npos) {
    for (const IcmpKind& k : kIcmpKinds) {
      if (k.name == words[next].text) icmp_kind = &k;
    }
    if (icmp_kind == nullptr) return word_error(words[next], "unknown ICMP kind");
    if (!v6 && icmp_kind->v4_type == 0xff) return word_error(words[next], "no such ICMPv4 kind");
    ++next;
  }

  Options o;
  // "seq" means the ICMP echo sequence for ICMP; keep one spelling for both.
  for (; next < words.size(); ++next) {
    Word w = words[next];
    if (is_icmp && w.text.starts_with("seq=")) {
      auto n = parse_number<uint16_t>(w.text.substr(4));
      if (!n) return word_error(w, "bad number in");
      o.icmp_seq = *n;
      continue;
    }
    if (auto s = parse_option(w, o); !s.ok()) return s.error();
  }

  PacketBuilder b;
  if (o.eth) b.eth(o.eth->first, o.eth->second);
  if (o.vlan) b.vlan(*o.vlan);
  b.ip(src->address, dst->address);
  if (o.ttl) b.ttl(*o.ttl);
  if (o.tos) b.tos(*o.tos);
  if (o.fragment) {
    if (v6) return invalid_argument("frag= is IPv4 only in '" + std::string(spec) + "'");
    b.ipv4_fragment(o.fragment->first, o.fragment->second, 1);
  }
  if (o.ip_checksum) b.ip_checksum(*o.ip_checksum);
  if (proto.text == "tcp") {
    b.tcp(*src->port, *dst->port, flags, o.seq.value_or(0), o.ack.value_or(0),
          o.win.value_or(65535));
    for (TcpOption& opt : o.tcp_options) b.tcp_option(std::move(opt));
  } else if (proto.text == "udp") {
    b.udp(*src->port, *dst->port);
  } else {
    const uint8_t type = icmp_kind ? (v6 ? icmp_kind->v6_type : icmp_kind->v4_type)
                                   : o.icmp_type.value_or(v6 ? 128 : 8);
    const uint8_t code = o.icmp_code.value_or(0);
    if (o.quoted) {
      b.icmp_error(type, code, *o.quoted);
    } else {
      const uint32_t rest = (uint32_t{o.icmp_id.value_or(0)} << 16) | o.icmp_seq.value_or(0);
      b.icmp(type, code, rest);
    }
  }
  if (o.len > 0) b.payload_size(o.len);
  if (o.l4_checksum) b.l4_checksum(*o.l4_checksum);
  return b.packet();
}

}  // namespace ctc
