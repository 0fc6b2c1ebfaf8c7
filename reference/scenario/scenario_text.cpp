#include "reference/scenario/scenario_text.h"

#include <algorithm>
#include <charconv>
#include <sstream>

#include "reference/common/hex.h"
#include "reference/packet/packet_builder.h"
#include "reference/packet/packet_parser.h"
#include "reference/scenario/packet_spec.h"

namespace ctc {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

std::vector<std::string> split_spaces(std::string_view s) {
  std::vector<std::string> out;
  std::istringstream in{std::string(s)};
  std::string w;
  while (in >> w) out.push_back(w);
  return out;
}

template <class T>
std::optional<T> to_number(std::string_view text) {
  T value{};
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  return value;
}

Result<std::vector<uint8_t>> parse_hex(std::string_view text) {
  std::vector<uint8_t> bytes;
  int high = -1;
  for (char c : text) {
    if (c == ' ' || c == ':') continue;
    int v;
    if (c >= '0' && c <= '9') v = c - '0';
    else if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
    else return invalid_argument(std::string("bad hex digit '") + c + "'");
    if (high < 0) {
      high = v;
    } else {
      bytes.push_back(static_cast<uint8_t>(high << 4 | v));
      high = -1;
    }
  }
  if (high >= 0) return invalid_argument("odd number of hex digits");
  return bytes;
}

class LineParser {
 public:
  LineParser(std::string_view text, const std::string& path, const PcapFrameSource& pcap)
      : path_(path), pcap_(pcap) {
    size_t start = 0;
    while (start <= text.size()) {
      size_t end = text.find('\n', start);
      if (end == std::string_view::npos) end = text.size();
      lines_.push_back(text.substr(start, end - start));
      start = end + 1;
    }
  }

  Result<Scenario> parse() {
    Scenario s;
    s.source_path = path_;
    if (!next_content_line() || current_ != kScenarioMagic) {
      return fail("expected '" + std::string(kScenarioMagic) + "' as the first line");
    }
    bool seen_steps = false;
    while (next_content_line()) {
      if (auto st = header_line(s, seen_steps); !st.ok()) return st.error();
    }
    if (s.name.empty()) return fail_at(0, "missing 'name:'");
    if (s.ports.empty()) return fail_at(0, "no 'port' declared");
    if (!seen_steps) return fail_at(0, "missing 'steps:'");
    return s;
  }

 private:
  Status header_line(Scenario& s, bool& seen_steps) {
    std::string_view line = current_;
    auto value_of = [&](std::string_view key) { return std::string(trim(line.substr(key.size()))); };
    if (line.starts_with("name:")) {
      s.name = value_of("name:");
      if (s.name.empty() || s.name.find_first_of(" /\t") != std::string::npos) {
        return fail("a name is one word without '/'");
      }
    } else if (line.starts_with("description:")) {
      s.description = value_of("description:");
    } else if (line.starts_with("profiles:")) {
      s.profiles = split_spaces(value_of("profiles:"));
    } else if (line.starts_with("features:")) {
      s.features = split_spaces(value_of("features:"));
    } else if (line.starts_with("origin:")) {
      s.origin = value_of("origin:");
    } else if (line.starts_with("port ")) {
      auto words = split_spaces(line);
      auto number = words.size() >= 2 ? to_number<uint16_t>(words[1]) : std::nullopt;
      if (!number || *number == 0 || words.size() > 3) return fail("expected 'port N [role]'");
      for (const PortDecl& p : s.ports) {
        if (p.port.value == *number) return fail("port " + words[1] + " declared twice");
      }
      s.ports.push_back({Port{*number}, words.size() == 3 ? words[2] : ""});
    } else if (line == "flows:") {
      return read_block(s.flows);
    } else if (line == "steps:") {
      seen_steps = true;
      return ok_status();
    } else if (seen_steps) {
      return step_line(s);
    } else {
      return fail("unknown header line");
    }
    return ok_status();
  }

  // Lines up to "end", verbatim apart from their indentation.
  Status read_block(std::string& out) {
    const size_t start = index_;
    while (++index_ < lines_.size()) {
      std::string_view line = trim(lines_[index_]);
      if (line == "end") {
        current_ = line;
        return ok_status();
      }
      out += std::string(line);
      out += '\n';
    }
    // Point at the line that opened the block: that is what the author must close.
    return fail_at(start + 1, "'" + std::string(trim(lines_[start])) + "' block not closed with 'end'");
  }

  Status step_line(Scenario& s) {
    std::string_view line = current_;
    if (line.starts_with("inject ")) return inject_line(s, line.substr(7));
    if (line.starts_with("advance ")) {
      auto d = parse_duration(trim(line.substr(8)));
      if (!d.ok()) return fail(d.error().message);
      s.steps.push_back(AdvanceStep{*d});
      return ok_status();
    }
    if (line == "flush") {
      s.steps.push_back(FlushStep{});
      return ok_status();
    }
    if (line.starts_with("flush zone=")) {
      auto zone = to_number<uint16_t>(line.substr(11));
      if (!zone) return fail("bad zone in flush");
      s.steps.push_back(FlushStep{Zone{*zone}});
      return ok_status();
    }
    if (line == "check") {
      s.steps.push_back(CheckTableStep{});
      return ok_status();
    }
    if (line == "check:") {
      std::string rows;
      if (auto st = read_block(rows); !st.ok()) return st;
      std::vector<std::string> expected;
      std::istringstream in(rows);
      for (std::string row; std::getline(in, row);) {
        if (!row.empty()) expected.push_back(row);
      }
      s.steps.push_back(CheckTableStep{std::move(expected)});
      return ok_status();
    }
    return fail("unknown step (inject, advance, flush, check)");
  }

  Status inject_line(Scenario& s, std::string_view rest) {
    InjectStep step;
    std::string_view expectation;
    if (size_t arrow = rest.find(" -> "); arrow != std::string_view::npos) {
      expectation = trim(rest.substr(arrow + 4));
      rest = rest.substr(0, arrow);
    }
    rest = trim(rest);
    size_t space = rest.find(' ');
    auto port = to_number<uint16_t>(rest.substr(0, space));
    if (!port || space == std::string_view::npos) return fail("expected 'inject PORT PACKET'");
    if (std::none_of(s.ports.begin(), s.ports.end(),
                     [&](const PortDecl& p) { return p.port.value == *port; })) {
      return fail("port " + std::to_string(*port) + " is not declared");
    }
    step.port = Port{*port};
    std::string_view what = trim(rest.substr(space + 1));
    step.source = std::string(what);
    if (what.starts_with("hex ")) {
      auto bytes = parse_hex(what.substr(4));
      if (!bytes.ok()) return fail(bytes.error().message);
      // No system can be sent a frame of no bytes, and "hex" with nothing
      // after it would not read back.
      if (bytes->empty()) return fail("'hex' gives no bytes: a frame needs at least one");
      step.frame = std::move(bytes).value();
    } else if (what.starts_with("pcap ")) {
      auto index = to_number<size_t>(trim(what.substr(5)));
      if (!index) return fail("expected 'pcap N'");
      if (!pcap_) return fail("'pcap N' used but the scenario has no pcap beside it");
      auto bytes = pcap_(*index);
      if (!bytes.ok()) return fail(bytes.error().message);
      step.frame = std::move(bytes).value();
    } else {
      auto packet = parse_packet_spec(what);
      if (!packet.ok()) return fail(packet.error().message);
      step.frame = serialize_frame(*packet);
    }
    if (auto st = parse_expectation(expectation, step.expect); !st.ok()) return st;
    s.steps.push_back(std::move(step));
    return ok_status();
  }

  Status parse_expectation(std::string_view text, InjectExpectation& expect) {
    for (const std::string& word : split_spaces(text)) {
      if (word == "ct=-") {
        expect.ct_state = CtState();  // untracked at its first output
      } else if (word.starts_with("ct=")) {
        auto state = CtState::parse(word.substr(3));
        if (!state.ok()) return fail("bad ct_state '" + word + "'");
        expect.ct_state = *state;
      } else if (word == "drop") {
        expect.output_ports = std::vector<Port>{};
      } else {
        std::vector<Port> ports;
        std::istringstream in(word);
        for (std::string item; std::getline(in, item, ',');) {
          auto n = to_number<uint16_t>(item);
          if (!n) return fail("bad expectation '" + word + "' (ports, 'drop' or ct=STATE)");
          ports.push_back(Port{*n});
        }
        expect.output_ports = std::move(ports);
      }
    }
    return ok_status();
  }

  // Moves to the next line that is neither blank nor a comment.
  bool next_content_line() {
    while (++index_ < lines_.size()) {
      std::string_view line = trim(lines_[index_]);
      if (line.empty() || line.front() == '#') continue;
      current_ = line;
      return true;
    }
    return false;
  }

  Error fail(const std::string& what) const { return fail_at(index_ + 1, what); }
  Error fail_at(size_t line, const std::string& what) const {
    std::string where = path_;
    if (line > 0) where += ":" + std::to_string(line);
    return invalid_argument(where + ": " + what);
  }

  std::vector<std::string_view> lines_;
  size_t index_ = static_cast<size_t>(-1);
  std::string_view current_;
  const std::string& path_;
  const PcapFrameSource& pcap_;
};

void format_expectation(std::ostream& os, const InjectExpectation& e) {
  if (!e.output_ports && !e.ct_state) return;
  os << " ->";
  if (e.output_ports) {
    if (e.output_ports->empty()) {
      os << " drop";
    } else {
      os << ' ';
      for (size_t i = 0; i < e.output_ports->size(); ++i) {
        os << (i ? "," : "") << (*e.output_ports)[i].value;
      }
    }
  }
  if (e.ct_state) os << " ct=" << (e.ct_state->bits() == 0 ? "-" : e.ct_state->to_string());
}

}  // namespace

Result<Scenario> parse_scenario_text(std::string_view text, const std::string& path,
                                     const PcapFrameSource& pcap_frames) {
  return LineParser(text, path, pcap_frames).parse();
}

std::string format_scenario_text(const Scenario& s, bool frames_in_pcap) {
  std::ostringstream os;
  os << kScenarioMagic << "\n";
  os << "name: " << s.name << "\n";
  if (!s.description.empty()) os << "description: " << s.description << "\n";
  auto list = [&](const char* key, const std::vector<std::string>& items) {
    if (items.empty()) return;
    os << key;
    for (const std::string& i : items) os << ' ' << i;
    os << "\n";
  };
  list("profiles:", s.profiles);
  list("features:", s.features);
  if (!s.origin.empty()) os << "origin: " << s.origin << "\n";
  for (const PortDecl& p : s.ports) {
    os << "port " << p.port.value << (p.role.empty() ? "" : " " + p.role) << "\n";
  }
  os << "flows:\n";
  std::istringstream flows(s.flows);
  for (std::string line; std::getline(flows, line);) os << "  " << line << "\n";
  os << "end\nsteps:\n";
  size_t frame_index = 0;
  for (const Step& step : s.steps) {
    if (const auto* inject = std::get_if<InjectStep>(&step)) {
      if (auto parsed = parse_frame(inject->frame); parsed.ok()) {
        os << "  # " << *parsed << "\n";
      }
      os << "  inject " << inject->port.value << ' ';
      if (frames_in_pcap) {
        os << "pcap " << frame_index++;
      } else {
        os << "hex " << to_hex(inject->frame);
      }
      format_expectation(os, inject->expect);
      os << "\n";
    } else if (const auto* advance = std::get_if<AdvanceStep>(&step)) {
      os << "  advance " << format_duration(advance->duration) << "\n";
    } else if (const auto* flush = std::get_if<FlushStep>(&step)) {
      os << "  flush";
      if (flush->zone) os << " zone=" << flush->zone->value;
      os << "\n";
    } else if (const auto* check = std::get_if<CheckTableStep>(&step)) {
      if (!check->expected) {
        os << "  check\n";
      } else {
        os << "  check:\n";
        for (const std::string& row : *check->expected) os << "    " << row << "\n";
        os << "  end\n";
      }
    }
  }
  return os.str();
}

Result<Duration> parse_duration(std::string_view text) {
  struct Unit {
    std::string_view suffix;
    int64_t ns;
  };
  static constexpr Unit kUnits[] = {{"ms", 1'000'000},        {"us", 1'000},
                                    {"ns", 1},                {"s", 1'000'000'000},
                                    {"m", 60'000'000'000},    {"h", 3'600'000'000'000}};
  for (const Unit& u : kUnits) {
    if (!text.ends_with(u.suffix)) continue;
    auto n = to_number<int64_t>(text.substr(0, text.size() - u.suffix.size()));
    if (!n || *n < 0 || *n > INT64_MAX / u.ns) break;
    return Duration{*n * u.ns};
  }
  return invalid_argument("bad duration '" + std::string(text) + "' (e.g. 30s, 1500ms, 2m, 1h)");
}

std::string format_duration(Duration d) {
  if (d.ns % 1'000'000'000 == 0) return std::to_string(d.ns / 1'000'000'000) + "s";
  if (d.ns % 1'000'000 == 0) return std::to_string(d.ns / 1'000'000) + "ms";
  if (d.ns % 1'000 == 0) return std::to_string(d.ns / 1'000) + "us";
  return std::to_string(d.ns) + "ns";
}

}  // namespace ctc
