#include "adapters/ovs_userspace/ovs_dump_parser.h"

#include <algorithm>
#include <charconv>
#include <limits>
#include <sstream>
#include <tuple>

namespace ctc {
namespace {

// "a,b=(x,y),c" split at top-level commas.
std::vector<std::string> top_level_fields(const std::string& text) {
  std::vector<std::string> out;
  std::string current;
  int depth = 0;
  for (char c : text) {
    if (c == '(') ++depth;
    if (c == ')') --depth;
    if (c == ',' && depth == 0) {
      out.push_back(std::move(current));
      current.clear();
    } else {
      current += c;
    }
  }
  if (!current.empty()) out.push_back(std::move(current));
  return out;
}

template <class T>
bool parse_uint(const std::string& text, T& out) {
  uint64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size()) return false;
  if (v > std::numeric_limits<T>::max()) return false;
  out = static_cast<T>(v);
  return true;
}

// lib/ct-dpif.c ct_dpif_format_ipproto(): names for a few, the number otherwise.
bool parse_protocol(const std::string& name, uint8_t& protocol) {
  static const std::pair<const char*, uint8_t> kNames[] = {
      {"icmp", 1},  {"igmp", 2},    {"tcp", 6},    {"udp", 17},
      {"dccp", 33}, {"icmpv6", 58}, {"sctp", 132}, {"udplite", 136}};
  for (const auto& [n, p] : kNames) {
    if (name == n) {
      protocol = p;
      return true;
    }
  }
  return parse_uint(name, protocol);
}

Status parse_tuple(const std::string& text, Tuple& t) {
  if (text.size() < 2 || text.front() != '(' || text.back() != ')') {
    return invalid_argument("bad tuple '" + text + "'");
  }
  bool have_src = false, have_dst = false;
  for (const std::string& f : top_level_fields(text.substr(1, text.size() - 2))) {
    const size_t eq = f.find('=');
    if (eq == std::string::npos) return invalid_argument("bad tuple field '" + f + "'");
    const std::string key = f.substr(0, eq), value = f.substr(eq + 1);
    bool ok = true;
    if (key == "src" || key == "dst") {
      auto a = IpAddress::parse(value);
      ok = a.ok();
      if (ok) (key == "src" ? t.src : t.dst) = *a;
      (key == "src" ? have_src : have_dst) = ok;
    } else if (key == "sport") {
      ok = parse_uint(value, t.src_port);
    } else if (key == "dport") {
      ok = parse_uint(value, t.dst_port);
    } else if (key == "id") {
      ok = parse_uint(value, t.icmp_id);
    } else if (key == "type") {
      ok = parse_uint(value, t.icmp_type);
    } else if (key == "code") {
      ok = parse_uint(value, t.icmp_code);
    }  // packets=, bytes= (with -s, when counted): not part of the identity
    if (!ok) return invalid_argument("bad tuple field '" + f + "'");
  }
  if (!have_src || !have_dst) return invalid_argument("tuple without addresses '" + text + "'");
  return ok_status();
}

// "(state_orig=SYN_SENT,state_reply=CLOSED,...)" -> {"SYN_SENT", "CLOSED"}.
std::pair<std::string, std::string> tcp_states(const std::string& protoinfo) {
  std::string orig, reply;
  if (protoinfo.size() >= 2 && protoinfo.front() == '(') {
    for (const std::string& f : top_level_fields(protoinfo.substr(1, protoinfo.size() - 2))) {
      if (f.starts_with("state_orig=")) orig = f.substr(11);
      if (f.starts_with("state_reply=")) reply = f.substr(12);
    }
  }
  return {orig, reply};
}

void derive_nat(ConnectionSnapshot& c) {
  const Tuple expected = c.original.reversed();
  c.snat = c.reply.dst != expected.dst || c.reply.dst_port != expected.dst_port ||
           c.reply.icmp_id != expected.icmp_id;
  c.dnat = c.reply.src != expected.src || c.reply.src_port != expected.src_port;
}

}  // namespace

Result<ConnectionSnapshot> parse_ovs_conntrack_line(const std::string& line) {
  const std::vector<std::string> fields = top_level_fields(line);
  auto bad = [&line](const std::string& why) -> Error {
    return invalid_argument("dump-conntrack: " + why + " in '" + line + "'");
  };
  if (fields.empty()) return bad("empty line");
  uint8_t protocol = 0;
  if (!parse_protocol(fields[0], protocol)) return bad("unknown protocol '" + fields[0] + "'");
  ConnectionSnapshot c;
  c.original.protocol = c.reply.protocol = protocol;
  bool have_orig = false, have_reply = false;
  std::string protoinfo;
  for (size_t i = 1; i < fields.size(); ++i) {
    const std::string& f = fields[i];
    const size_t eq = f.find('=');
    if (eq == std::string::npos) return bad("field without '=': '" + f + "'");
    const std::string key = f.substr(0, eq), value = f.substr(eq + 1);
    bool ok = true;
    if (key == "orig" || key == "reply") {
      auto st = parse_tuple(value, key == "orig" ? c.original : c.reply);
      if (!st.ok()) return bad(st.error().message);
      (key == "orig" ? have_orig : have_reply) = true;
    } else if (key == "zone") {
      ok = parse_uint(value, c.zone.value);
    } else if (key == "mark") {
      ok = parse_uint(value, c.mark);
    } else if (key == "labels") {
      auto label = CtLabel::parse(value);
      ok = label.ok();
      if (ok) c.label = *label;
    } else if (key == "timeout") {
      int64_t seconds = 0;
      ok = parse_uint(value, seconds);
      c.remaining = Duration::seconds(seconds);
    } else if (key == "protoinfo") {
      protoinfo = value;
    }  // id, status, helper, start/stop, parent: nothing to compare in userspace
    if (!ok) return bad("bad field '" + f + "'");
  }
  if (!have_orig || !have_reply) return bad("missing orig or reply tuple");
  if (protocol == 6) {
    const auto [orig, reply] = tcp_states(protoinfo);
    if (orig.empty() || reply.empty()) return bad("TCP entry without state_orig/state_reply");
    c.protocol_state = orig + "/" + reply;
    c.seen_reply = reply != "CLOSED";
  }
  derive_nat(c);
  return c;
}

Result<std::vector<ConnectionSnapshot>> parse_ovs_conntrack_dump(const std::string& text) {
  std::vector<ConnectionSnapshot> rows;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (line.empty()) continue;
    auto row = parse_ovs_conntrack_line(line);
    if (!row.ok()) return row.error();
    rows.push_back(std::move(row).value());
  }
  std::sort(rows.begin(), rows.end(), [](const ConnectionSnapshot& a, const ConnectionSnapshot& b) {
    return std::tie(a.zone, a.original) < std::tie(b.zone, b.original);
  });
  return rows;
}

}  // namespace ctc
