#include "adapters/ovs_userspace/ovs_probe.h"

#include <cctype>
#include <set>
#include <sstream>

namespace ctc {
namespace {

constexpr uint8_t kProbeMac[4] = {0x02, 0xc7, 0xc7, 0x00};  // probe copies: 02:c7:c7:00:TT:SS
constexpr uint8_t kMarkerDst[6] = {0x02, 0xc7, 0xc7, 0xff, 0xff, 0xff};
constexpr uint8_t kMarkerSrc[6] = {0x02, 0xc7, 0xc7, 0x00, 0x00, 0x01};
constexpr char kMarkerMagic[8] = {'c', 't', 'c', 'm', 'a', 'r', 'k', '1'};
constexpr int kHighestUsableTable = 253;  // 254: OVS internal rules; 255: "all"

bool is_word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

bool word_starts_at(const std::string& text, size_t pos) {
  return pos == 0 || !is_word_char(text[pos - 1]);
}

// A table number (decimal or 0x hex) at `pos`; nullopt for a name or garbage.
std::optional<int> parse_table_number(const std::string& text, size_t pos, size_t* end = nullptr) {
  size_t i = pos;
  int base = 10;
  if (text.compare(i, 2, "0x") == 0 || text.compare(i, 2, "0X") == 0) {
    base = 16;
    i += 2;
  }
  long value = 0;
  const size_t digits_start = i;
  while (i < text.size() && std::isxdigit(static_cast<unsigned char>(text[i]))) {
    const char c = static_cast<char>(std::tolower(static_cast<unsigned char>(text[i])));
    const int d = std::isdigit(static_cast<unsigned char>(c)) ? c - '0' : c - 'a' + 10;
    if (d >= base) return std::nullopt;
    value = value * base + d;
    if (value > 255) return std::nullopt;
    ++i;
  }
  if (i == digits_start || (i < text.size() && is_word_char(text[i]))) return std::nullopt;
  if (end) *end = i;
  return static_cast<int>(value);
}

// Every table the program mentions: table=N (matches, ct(), learn()),
// goto_table:N and resubmit(port,N). nullopt when one is not a plain number.
std::optional<std::set<int>> tables_mentioned(const std::string& flows, std::string& why) {
  std::set<int> tables{0};
  auto scan = [&](const std::string& key, bool after_comma) -> bool {
    for (size_t pos = flows.find(key); pos != std::string::npos; pos = flows.find(key, pos + 1)) {
      if (!word_starts_at(flows, pos)) continue;
      size_t at = pos + key.size();
      if (after_comma) {
        const size_t comma = flows.find_first_of(",)", at);
        if (comma == std::string::npos || flows[comma] == ')') continue;  // resubmit(port)
        at = comma + 1;
        if (at < flows.size() && (flows[at] == ')' || flows[at] == ',')) continue;  // no table
      }
      const auto n = parse_table_number(flows, at);
      if (!n) {
        why = "cannot read the table in '" + flows.substr(pos, 24) + "'";
        return false;
      }
      tables.insert(*n);
    }
    return true;
  };
  if (!scan("table=", false) || !scan("goto_table:", false) || !scan("resubmit(", true)) {
    return std::nullopt;
  }
  return tables;
}

// The index of the ')' closing the '(' at `open`, or npos.
size_t matching_paren(const std::string& text, size_t open) {
  int depth = 0;
  for (size_t i = open; i < text.size(); ++i) {
    if (text[i] == '(') ++depth;
    if (text[i] == ')' && --depth == 0) return i;
  }
  return std::string::npos;
}

// The probe table for T, allocated from `free_tables` on first use.
std::optional<uint8_t> probe_table_for(int table, std::vector<int>& free_tables,
                                       std::map<uint8_t, uint8_t>& probe_of) {
  const auto t = static_cast<uint8_t>(table);
  if (auto it = probe_of.find(t); it != probe_of.end()) return it->second;
  if (free_tables.empty()) return std::nullopt;
  const auto p = static_cast<uint8_t>(free_tables.back());
  free_tables.pop_back();
  probe_of.emplace(t, p);
  return p;
}

// Rewrites the table=T argument of the ct() whose '(' is at `open`. Returns
// false (with `why`) when that is impossible.
bool rewrite_one_ct(std::string& flows, size_t open, std::vector<int>& free_tables,
                    std::map<uint8_t, uint8_t>& probe_of, std::string& why) {
  const size_t close = matching_paren(flows, open);
  if (close == std::string::npos) {
    why = "unbalanced parentheses after 'ct('";
    return false;
  }
  // Only top-level arguments: table= inside exec(...) or nat(...) is not ct()'s.
  int depth = 0;
  for (size_t i = open + 1; i < close; ++i) {
    if (flows[i] == '(') ++depth;
    if (flows[i] == ')') --depth;
    if (depth != 0 || flows.compare(i, 6, "table=") != 0 || !word_starts_at(flows, i)) continue;
    size_t end = 0;
    const auto table = parse_table_number(flows, i + 6, &end);
    if (!table) {
      why = "ct() names its table in a form the probe cannot rewrite";
      return false;
    }
    const auto probe = probe_table_for(*table, free_tables, probe_of);
    if (!probe) {
      why = "no free table left for the classification probe";
      return false;
    }
    flows.replace(i + 6, end - (i + 6), std::to_string(*probe));
    return true;
  }
  return true;  // ct() without table=: no recirculation, nothing to observe
}

bool rewrite_ct_tables(std::string& flows, std::vector<int>& free_tables,
                       std::map<uint8_t, uint8_t>& probe_of, std::string& why) {
  for (size_t pos = flows.find("ct("); pos != std::string::npos; pos = flows.find("ct(", pos + 1)) {
    if (!word_starts_at(flows, pos)) continue;
    if (!rewrite_one_ct(flows, pos + 2, free_tables, probe_of, why)) return false;
  }
  return true;
}

std::string probe_rule(uint8_t table, uint8_t probe) {
  std::ostringstream rule;
  rule << "table=" << unsigned{probe}
       << ",priority=0,actions=clone(set_field:02:c7:c7:00:00:00->eth_dst,load:" << unsigned{table}
       << "->NXM_OF_ETH_DST[8..15],move:NXM_NX_CT_STATE[0..7]->NXM_OF_ETH_DST[0..7],output:"
       << kProbeOfport << "),resubmit(," << unsigned{table} << ")";
  return rule.str();
}

std::string marker_rule(const std::vector<uint16_t>& ofports) {
  std::ostringstream rule;
  rule << "table=0,priority=65535,dl_type=0x" << std::hex << kMarkerEtherType << std::dec
       << ",dl_dst=02:c7:c7:ff:ff:ff,actions=load:0->NXM_OF_IN_PORT[]";
  for (uint16_t p : ofports) rule << ",output:" << p;
  rule << ",output:" << kProbeOfport;
  return rule.str();
}

}  // namespace

ProbeProgram build_probe_program(const std::string& scenario_flows,
                                 const std::vector<uint16_t>& scenario_ofports) {
  ProbeProgram program;
  std::string rewritten = scenario_flows;
  std::string why;
  bool ok = false;
  if (const auto used = tables_mentioned(scenario_flows, why)) {
    std::vector<int> free_tables;  // ascending, so that back() is the highest
    for (int t = 1; t <= kHighestUsableTable; ++t) {
      if (!used->contains(t)) free_tables.push_back(t);
    }
    ok = rewrite_ct_tables(rewritten, free_tables, program.probe_of, why);
  }
  if (!ok) {
    rewritten = scenario_flows;
    program.probe_of.clear();
    program.classification_available = false;
    program.unavailable_reason = "classification probe unavailable: " + why;
  }
  std::ostringstream out;
  out << marker_rule(scenario_ofports) << "\n" << rewritten;
  if (!rewritten.empty() && rewritten.back() != '\n') out << "\n";
  for (const auto& [table, probe] : program.probe_of) out << probe_rule(table, probe) << "\n";
  program.flows = out.str();
  return program;
}

std::optional<ProbeHit> decode_probe_frame(std::span<const uint8_t> frame) {
  if (frame.size() < 14) return std::nullopt;
  for (size_t i = 0; i < 4; ++i) {
    if (frame[i] != kProbeMac[i]) return std::nullopt;
  }
  return ProbeHit{.table = frame[4], .state = CtState(frame[5])};
}

std::vector<uint8_t> marker_frame(uint64_t sequence) {
  std::vector<uint8_t> frame(60, 0);  // the Ethernet minimum, without FCS
  size_t at = 0;
  for (uint8_t b : kMarkerDst) frame[at++] = b;
  for (uint8_t b : kMarkerSrc) frame[at++] = b;
  frame[at++] = static_cast<uint8_t>(kMarkerEtherType >> 8);
  frame[at++] = static_cast<uint8_t>(kMarkerEtherType & 0xff);
  for (char c : kMarkerMagic) frame[at++] = static_cast<uint8_t>(c);
  for (int shift = 56; shift >= 0; shift -= 8)
    frame[at++] = static_cast<uint8_t>(sequence >> shift);
  return frame;
}

std::optional<uint64_t> decode_marker(std::span<const uint8_t> frame) {
  constexpr size_t kMagicAt = 14, kSequenceAt = kMagicAt + sizeof kMarkerMagic;
  if (frame.size() < kSequenceAt + 8) return std::nullopt;
  for (size_t i = 0; i < 6; ++i) {
    if (frame[i] != kMarkerDst[i]) return std::nullopt;
  }
  if (frame[12] != (kMarkerEtherType >> 8) || frame[13] != (kMarkerEtherType & 0xff)) {
    return std::nullopt;
  }
  for (size_t i = 0; i < sizeof kMarkerMagic; ++i) {
    if (frame[kMagicAt + i] != static_cast<uint8_t>(kMarkerMagic[i])) return std::nullopt;
  }
  uint64_t sequence = 0;
  for (size_t i = 0; i < 8; ++i) sequence = sequence << 8 | frame[kSequenceAt + i];
  return sequence;
}

}  // namespace ctc
