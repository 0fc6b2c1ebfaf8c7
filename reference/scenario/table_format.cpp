#include "reference/scenario/table_format.h"

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

}  // namespace

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
