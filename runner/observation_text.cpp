#include "runner/observation_text.h"

#include <algorithm>
#include <sstream>

#include "reference/common/hex.h"
#include "reference/packet/packet_parser.h"
#include "reference/scenario/table_format.h"

namespace ctc {
std::string describe_outputs(const std::vector<OutputFrame>& outputs, bool with_bytes) {
  if (outputs.empty()) return "dropped (no output)\n";
  std::ostringstream os;
  for (const OutputFrame& f : outputs) {
    os << "port " << f.port.value << ": ";
    if (auto p = parse_frame(f.bytes); p.ok()) {
      os << *p;
      if (!p->ip_checksum_ok || !p->l4_checksum_ok) os << " (bad checksum)";
    } else {
      os << "unparsable frame (" << f.bytes.size() << " bytes)";
    }
    if (with_bytes) os << " [" << to_hex(f.bytes) << "]";
    os << "\n";
  }
  return os.str();
}

std::string describe_classification(const std::optional<CtState>& state) {
  if (!state) return "(not visible)";
  return state->bits() == 0 ? std::string("(untracked)") : state->to_string();
}

std::vector<std::string> table_rows(const std::vector<ConnectionSnapshot>& table,
                                    bool with_timeout) {
  std::vector<std::string> rows;
  rows.reserve(table.size());
  for (const ConnectionSnapshot& c : table) {
    rows.push_back(format_connection(c, {.timeout = with_timeout}));
  }
  std::sort(rows.begin(), rows.end());
  return rows;
}

std::string describe_table(const std::vector<std::string>& rows) {
  if (rows.empty()) return "(empty table)\n";
  std::string out;
  for (const std::string& r : rows) out += r + "\n";
  return out;
}

}  // namespace ctc
