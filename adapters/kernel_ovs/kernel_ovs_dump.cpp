#include "adapters/kernel_ovs/kernel_ovs_dump.h"

#include <algorithm>
#include <sstream>
#include <tuple>

#include "adapters/ovs_userspace/ovs_dump_parser.h"

namespace ctc::kernel_ovs {
namespace {

// The value of the top-level `key=` field of a dump line, or "".
std::string field_value(const std::string& line, const std::string& key) {
  int depth = 0;
  for (size_t i = 0; i < line.size(); ++i) {
    if (line[i] == '(') ++depth;
    if (line[i] == ')') --depth;
    if (depth != 0 || (i != 0 && line[i - 1] != ',') ||
        line.compare(i, key.size() + 1, key + "=")) {
      continue;
    }
    const size_t start = i + key.size() + 1;
    const size_t end = line.find(',', start);
    return line.substr(start, end == std::string::npos ? std::string::npos : end - start);
  }
  return "";
}

bool has_flag(const std::string& flags, const std::string& flag) {
  std::istringstream in(flags);
  for (std::string f; std::getline(in, f, '|');) {
    if (f == flag) return true;
  }
  return false;
}

}  // namespace

std::string linux_state_from_dpif(const std::string& dpif_name) {
  if (dpif_name == "CLOSED") return "NONE";
  if (dpif_name == "FIN_WAIT_1") return "FIN_WAIT";
  if (dpif_name == "CLOSING") return "CLOSE";
  return dpif_name;
}

Result<ConnectionSnapshot> parse_kernel_conntrack_line(const std::string& line) {
  auto row = parse_ovs_conntrack_line(line);
  if (!row.ok()) return row.error();
  ConnectionSnapshot c = std::move(row).value();
  if (c.original.protocol == 6) {
    // "ESTABLISHED/ESTABLISHED" from the ovs-userspace parser: one state, twice.
    const std::string orig = c.protocol_state.substr(0, c.protocol_state.find('/'));
    c.protocol_state = linux_state_from_dpif(orig);
  }
  c.seen_reply = has_flag(field_value(line, "status"), "SEEN_REPLY");
  return c;
}

Result<std::vector<ConnectionSnapshot>> parse_kernel_conntrack_dump(const std::string& text) {
  std::vector<ConnectionSnapshot> rows;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (line.empty()) continue;
    auto row = parse_kernel_conntrack_line(line);
    if (!row.ok()) return row.error();
    rows.push_back(std::move(row).value());
  }
  std::sort(rows.begin(), rows.end(), [](const ConnectionSnapshot& a, const ConnectionSnapshot& b) {
    return std::tie(a.zone, a.original) < std::tie(b.zone, b.original);
  });
  return rows;
}

}  // namespace ctc::kernel_ovs
