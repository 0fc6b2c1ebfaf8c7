#include "reference/scenario/table_format.h"

#include <limits>
#include <sstream>

namespace ctc {
namespace {

const char* protocol_name(const Tuple& t) {
  switch (t.protocol) {
    case 6: return t.src.is_v4() ? "tcp" : "tcp6";
    case 17: return t.src.is_v4() ? "udp" : "udp6";
    case 1: return "icmp";
    case 58: return "icmp6";
    default: return "other";
  }
}

void format_tuple(std::ostream& os, const Tuple& t) {
  os << "(src=" << t.src << ",dst=" << t.dst;
  if (t.protocol == 1 || t.protocol == 58) {
    os << ",id=" << t.icmp_id << ",type=" << unsigned{t.icmp_type}
       << ",code=" << unsigned{t.icmp_code};
  } else if (t.protocol == 6 || t.protocol == 17) {
    os << ",sport=" << t.src_port << ",dport=" << t.dst_port;
  } else {
    os << ",proto=" << unsigned{t.protocol};
  }
  os << ")";
}

// Splits "a,b=(x,y),c" at top-level commas.
std::vector<std::string> fields(const std::string& row) {
  std::vector<std::string> out;
  std::string current;
  int depth = 0;
  for (char c : row) {
    if (c == '(') ++depth;
    if (c == ')') --depth;
    if (c == ',' && depth == 0) {
      out.push_back(current);
      current.clear();
    } else if (c != ' ') {
      current += c;
    }
  }
  if (!current.empty()) out.push_back(current);
  return out;
}

template <class T>
bool to_uint(const std::string& text, T& out) {
  if (text.empty() || text.size() > 20) return false;
  uint64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  if (v > std::numeric_limits<T>::max()) return false;
  out = static_cast<T>(v);
  return true;
}

// "(src=..,dst=..,sport=..,dport=..)" into `t`; protocol already set.
bool parse_tuple(const std::string& text, Tuple& t) {
  if (text.size() < 2 || text.front() != '(' || text.back() != ')') return false;
  bool have_src = false, have_dst = false;
  for (const std::string& f : fields(text.substr(1, text.size() - 2))) {
    const size_t eq = f.find('=');
    if (eq == std::string::npos) return false;
    const std::string key = f.substr(0, eq), value = f.substr(eq + 1);
    bool ok = true;
    if (key == "src" || key == "dst") {
      auto a = IpAddress::parse(value);
      ok = a.ok();
      if (ok) (key == "src" ? t.src : t.dst) = *a;
      (key == "src" ? have_src : have_dst) = ok;
    } else if (key == "sport") ok = to_uint(value, t.src_port);
    else if (key == "dport") ok = to_uint(value, t.dst_port);
    else if (key == "id") ok = to_uint(value, t.icmp_id);
    else if (key == "type") ok = to_uint(value, t.icmp_type);
    else if (key == "code") ok = to_uint(value, t.icmp_code);
    else if (key == "proto") ok = to_uint(value, t.protocol);
    else ok = false;
    if (!ok) return false;
  }
  return have_src && have_dst;
}

uint8_t protocol_number(const std::string& name) {
  if (name == "tcp" || name == "tcp6") return 6;
  if (name == "udp" || name == "udp6") return 17;
  if (name == "icmp") return 1;
  if (name == "icmp6") return 58;
  return 0;
}

}  // namespace

Result<ConnectionSnapshot> parse_connection(const std::string& row) {
  const std::vector<std::string> parts = fields(row);
  auto bad = [&](const std::string& what) {
    return invalid_argument("bad conntrack row (" + what + "): '" + row + "'");
  };
  if (parts.empty()) return bad("empty");
  ConnectionSnapshot c;
  const uint8_t proto = protocol_number(parts[0]);
  if (proto == 0 && parts[0] != "other") return bad("unknown protocol " + parts[0]);
  c.original.protocol = c.reply.protocol = proto;
  bool have_orig = false, have_reply = false;
  for (size_t i = 1; i < parts.size(); ++i) {
    const size_t eq = parts[i].find('=');
    if (eq == std::string::npos) return bad("field without '=': " + parts[i]);
    const std::string key = parts[i].substr(0, eq), value = parts[i].substr(eq + 1);
    bool ok = true;
    if (key == "orig") ok = have_orig = parse_tuple(value, c.original);
    else if (key == "reply") ok = have_reply = parse_tuple(value, c.reply);
    else if (key == "zone") ok = to_uint(value, c.zone.value);
    else if (key == "mark") ok = to_uint(value, c.mark);
    else if (key == "labels") {
      auto l = CtLabel::parse(value);
      ok = l.ok();
      if (ok) c.label = *l;
    } else if (key == "state") c.protocol_state = value;
    else if (key == "nat") {
      c.snat = value == "snat" || value == "snat+dnat";
      c.dnat = value == "dnat" || value == "snat+dnat";
      ok = c.snat || c.dnat;
    } else if (key == "timeout") {
      int64_t seconds = 0;
      ok = to_uint(value, seconds);
      c.remaining = Duration::seconds(seconds);
    } else {
      return bad("unknown field " + key);
    }
    if (!ok) return bad("bad value in " + parts[i]);
  }
  if (!have_orig || !have_reply) return bad("orig= and reply= are required");
  return c;
}

std::string format_connection(const ConnectionSnapshot& c, RowFormatOptions options) {
  std::ostringstream os;
  os << protocol_name(c.original) << ",orig=";
  format_tuple(os, c.original);
  os << ",reply=";
  format_tuple(os, c.reply);
  os << ",zone=" << c.zone.value << ",mark=" << c.mark << ",labels=" << c.label.to_string();
  if (!c.protocol_state.empty()) os << ",state=" << c.protocol_state;
  if (c.snat || c.dnat) {
    os << ",nat=" << (c.snat && c.dnat ? "snat+dnat" : c.snat ? "snat" : "dnat");
  }
  if (options.timeout) os << ",timeout=" << c.remaining.ns / 1'000'000'000;
  return os.str();
}

bool row_matches(const std::string& expected, const std::string& row) {
  const std::vector<std::string> have = fields(row);
  for (const std::string& want : fields(expected)) {
    bool found = false;
    for (const std::string& h : have) found = found || h == want;
    if (!found) return false;
  }
  return true;
}

}  // namespace ctc
