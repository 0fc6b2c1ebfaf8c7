#include "runner/known_divergences.h"

#include <fstream>
#include <sstream>

namespace ctc {
namespace {

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

}  // namespace

const char* to_string(DifferenceKind kind) {
  switch (kind) {
    case DifferenceKind::kNatPortChoice: return "nat-port-choice";
  }
  return "?";
}

std::optional<DifferenceKind> parse_difference_kind(std::string_view text) {
  if (text == "nat-port-choice") return DifferenceKind::kNatPortChoice;
  return std::nullopt;
}

bool glob_match(const std::string& pattern, const std::string& text) {
  // Iterative '*' matching with one backtrack point: linear for our patterns.
  size_t p = 0, t = 0, star = std::string::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == text[t]) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (star != std::string::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

Result<KnownDivergences> KnownDivergences::load(const std::string& path) {
  std::ifstream in(path);
  if (!in) return io_error(path + ": cannot open");
  std::ostringstream text;
  text << in.rdbuf();
  return parse(text.str(), path);
}

Result<KnownDivergences> KnownDivergences::parse(const std::string& text,
                                                 const std::string& path) {
  KnownDivergences result;
  std::istringstream in(text);
  size_t line_no = 0;
  auto fail = [&](const std::string& what) {
    return invalid_argument(path + ":" + std::to_string(line_no) + ": " + what);
  };
  auto finish = [&]() -> Status {
    if (result.entries_.empty()) return ok_status();
    const KnownDivergence& last = result.entries_.back();
    if (last.scenario.empty() || last.reason.empty() || last.source.empty()) {
      return fail("entry [" + last.id + "] needs scenario:, reason: and source:");
    }
    return ok_status();
  };
  for (std::string raw; std::getline(in, raw);) {
    ++line_no;
    const std::string line = trim(raw);
    if (line.empty() || line[0] == '#') continue;
    if (line.front() == '[') {
      if (line.back() != ']' || line.size() < 3) return fail("expected [id]");
      if (auto st = finish(); !st.ok()) return st.error();
      result.entries_.push_back({});
      result.entries_.back().id = line.substr(1, line.size() - 2);
      continue;
    }
    if (result.entries_.empty()) return fail("a field before the first [id]");
    size_t colon = line.find(':');
    if (colon == std::string::npos) return fail("expected 'key: value'");
    const std::string key = trim(line.substr(0, colon));
    const std::string value = trim(line.substr(colon + 1));
    KnownDivergence& e = result.entries_.back();
    if (key == "difference") {
      e.difference = parse_difference_kind(value);
      if (!e.difference) return fail("unknown difference '" + value + "' (known: nat-port-choice)");
      continue;
    }
    if (key == "adapter") e.adapter = value;
    else if (key == "profile") e.profile = value;
    else if (key == "scenario") e.scenario = value;
    else if (key == "reason") e.reason = value;
    else if (key == "source") e.source = value;
    else return fail("unknown key '" + key + "'");
  }
  if (auto st = finish(); !st.ok()) return st.error();
  return result;
}

const KnownDivergence* KnownDivergences::find(const std::string& adapter,
                                              const std::string& profile,
                                              const std::string& scenario) const {
  for (const KnownDivergence& e : entries_) {
    if (glob_match(e.adapter, adapter) && glob_match(e.profile, profile) &&
        glob_match(e.scenario, scenario)) {
      return &e;
    }
  }
  return nullptr;
}

std::vector<const KnownDivergence*> KnownDivergences::with_difference(
    const std::string& adapter, const std::string& profile) const {
  std::vector<const KnownDivergence*> out;
  for (const KnownDivergence& e : entries_) {
    if (e.difference && glob_match(e.adapter, adapter) && glob_match(e.profile, profile)) {
      out.push_back(&e);
    }
  }
  return out;
}

}  // namespace ctc
