#include "adapters/kernel_ovs/agent_protocol.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "adapters/ovs_userspace/ovs_probe.h"

namespace ctc::kernel_ovs {
namespace {

constexpr char kHexUpper[] = "0123456789ABCDEF";
constexpr char kHexLower[] = "0123456789abcdef";

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool needs_escape(unsigned char c) { return c <= 0x20 || c >= 0x7f || c == '%'; }

bool is_word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

template <class T>
bool parse_number(std::string_view text, T& out) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

// The value of the top-level table= argument of the ct( whose '(' is at
// `open`, or -1.
int ct_table_argument(const std::string& flows, size_t open) {
  int depth = 0;
  for (size_t i = open; i < flows.size(); ++i) {
    if (flows[i] == '(') ++depth;
    if (flows[i] == ')' && --depth == 0) return -1;
    if (depth != 1 || flows.compare(i, 6, "table=") != 0 || is_word_char(flows[i - 1])) continue;
    size_t j = i + 6;
    int value = 0;
    while (j < flows.size() && std::isdigit(static_cast<unsigned char>(flows[j]))) {
      value = value * 10 + (flows[j] - '0');
      ++j;
    }
    return j > i + 6 && value <= 255 ? value : -1;
  }
  return -1;
}

}  // namespace

std::string escape_word(std::string_view raw) {
  if (raw.empty()) return "%";
  std::string out;
  out.reserve(raw.size());
  for (char ch : raw) {
    const auto c = static_cast<unsigned char>(ch);
    if (needs_escape(c)) {
      out += '%';
      out += kHexUpper[c >> 4];
      out += kHexUpper[c & 15];
    } else {
      out += ch;
    }
  }
  return out;
}

Result<std::string> unescape_word(std::string_view word) {
  if (word == "%") return std::string();
  std::string out;
  out.reserve(word.size());
  for (size_t i = 0; i < word.size(); ++i) {
    const auto c = static_cast<unsigned char>(word[i]);
    if (c != '%') {
      if (needs_escape(c)) return invalid_argument("agent protocol: unescaped byte in word");
      out += word[i];
      continue;
    }
    if (i + 2 >= word.size()) {
      return invalid_argument("agent protocol: truncated escape in '" + std::string(word) + "'");
    }
    const int hi = hex_value(word[i + 1]), lo = hex_value(word[i + 2]);
    if (hi < 0 || lo < 0) {
      return invalid_argument("agent protocol: bad escape in '" + std::string(word) + "'");
    }
    out += static_cast<char>(hi << 4 | lo);
    i += 2;
  }
  return out;
}

std::string encode_line(const std::vector<std::string>& words) {
  std::string line;
  for (size_t i = 0; i < words.size(); ++i) {
    if (i) line += ' ';
    line += escape_word(words[i]);
  }
  return line;
}

Result<std::vector<std::string>> decode_line(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  std::vector<std::string> words;
  if (line.empty()) return words;
  size_t start = 0;
  for (;;) {
    const size_t space = line.find(' ', start);
    auto word = unescape_word(
        line.substr(start, space == std::string_view::npos ? line.npos : space - start));
    if (!word.ok()) return word.error();
    words.push_back(std::move(word).value());
    if (space == std::string_view::npos) break;
    start = space + 1;
  }
  return words;
}

std::string to_hex(std::span<const uint8_t> bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (uint8_t b : bytes) {
    out += kHexLower[b >> 4];
    out += kHexLower[b & 15];
  }
  return out;
}

Result<std::vector<uint8_t>> from_hex(std::string_view hex) {
  if (hex.size() % 2 != 0) return invalid_argument("agent protocol: odd-length hex");
  std::vector<uint8_t> out(hex.size() / 2);
  for (size_t i = 0; i < out.size(); ++i) {
    const int hi = hex_value(hex[2 * i]), lo = hex_value(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return invalid_argument("agent protocol: bad hex digit");
    out[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return out;
}

std::string encode_port_frame(const PortFrame& frame) {
  return std::to_string(frame.ofport) + ":" + to_hex(frame.bytes);
}

Result<PortFrame> decode_port_frame(std::string_view word) {
  const size_t colon = word.find(':');
  PortFrame frame;
  if (colon == std::string_view::npos || !parse_number(word.substr(0, colon), frame.ofport)) {
    return invalid_argument("agent protocol: bad port frame '" + std::string(word.substr(0, 32)) +
                            "'");
  }
  auto bytes = from_hex(word.substr(colon + 1));
  if (!bytes.ok()) return bytes.error();
  frame.bytes = std::move(bytes).value();
  return frame;
}

std::vector<std::string> encode_inject_reply(const InjectReply& reply) {
  std::vector<std::string> words{std::to_string(reply.rounds)};
  for (const PortFrame& f : reply.frames) words.push_back(encode_port_frame(f));
  return words;
}

Result<InjectReply> decode_inject_reply(std::span<const std::string> words) {
  InjectReply reply;
  if (words.empty() || !parse_number(std::string_view(words[0]), reply.rounds)) {
    return invalid_argument("agent protocol: INJECT reply without a round count");
  }
  for (size_t i = 1; i < words.size(); ++i) {
    auto f = decode_port_frame(words[i]);
    if (!f.ok()) return f.error();
    reply.frames.push_back(std::move(f).value());
  }
  return reply;
}

bool is_pre_probe_frame(std::span<const uint8_t> frame) {
  return frame.size() >= 14 &&
         std::equal(std::begin(kPreProbeMac), std::end(kPreProbeMac), frame.begin());
}

bool is_probe_frame(std::span<const uint8_t> frame) {
  return decode_probe_frame(frame).has_value();
}

bool barrier_settled(const BarrierTally& tally, int min_rounds, int max_rounds) {
  if (tally.rounds >= max_rounds) return true;
  if (tally.rounds < min_rounds) return false;
  return tally.pre_copies <= tally.probe_copies;
}

std::string add_barrier_copies(const std::string& probe_flows,
                               const std::vector<uint8_t>& probe_tables) {
  std::string out;
  out.reserve(probe_flows.size() * 2);
  const std::string copy =
      "clone(set_field:02:c7:c7:01:00:00->eth_dst,output:" + std::to_string(kProbeOfport) + "),";
  size_t done = 0;
  for (size_t pos = probe_flows.find("ct("); pos != std::string::npos;
       pos = probe_flows.find("ct(", pos + 1)) {
    if (pos > 0 && is_word_char(probe_flows[pos - 1])) continue;
    const int table = ct_table_argument(probe_flows, pos + 2);
    if (table < 0 ||
        std::find(probe_tables.begin(), probe_tables.end(), table) == probe_tables.end()) {
      continue;
    }
    out.append(probe_flows, done, pos - done);
    out += copy;
    done = pos;
  }
  out.append(probe_flows, done, std::string::npos);
  return out;
}

}  // namespace ctc::kernel_ovs
