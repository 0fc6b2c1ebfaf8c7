// ctconform-example-sut: a complete system under test for the external
// adapter (PROTOCOL.md). It answers with the reference oracle, so against the
// reference it must pass everything: the test of the protocol itself. Use it
// as the template for plugging in another implementation.
#include <iostream>
#include <sstream>
#include <string>

#include "adapters/reference/reference_adapter.h"
#include "reference/scenario/table_format.h"

namespace {

std::string hex(const std::vector<uint8_t>& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (uint8_t b : bytes) {
    out += kDigits[b >> 4];
    out += kDigits[b & 15];
  }
  return out;
}

bool unhex(const std::string& text, std::vector<uint8_t>& out) {
  if (text.size() % 2 != 0) return false;
  auto digit = [](char c) {
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
  };
  for (size_t i = 0; i < text.size(); i += 2) {
    int hi = digit(text[i]), lo = digit(text[i + 1]);
    if (hi < 0 || lo < 0) return false;
    out.push_back(static_cast<uint8_t>(hi << 4 | lo));
  }
  return true;
}

}  // namespace

int main() {
  std::unique_ptr<ctc::Adapter> oracle = ctc::make_reference_adapter();
  std::string line;
  while (std::getline(std::cin, line)) {
    std::istringstream in(line);
    std::string verb;
    in >> verb;
    if (verb == "hello") {
      std::cout << "ok ctconform-example-sut "
                   "caps=flows,ipv6,nat,zones,marks,labels,virtual_time,table_dump,classification "
                   "profiles=linux,ovs-userspace"
                << std::endl;
    } else if (verb == "load") {
      std::string profile_name, ports_text;
      size_t flow_count = 0;
      in >> profile_name >> ports_text >> flow_count;
      ctc::ScenarioSetup setup;
      setup.profile = ctc::find_profile(profile_name);
      std::istringstream ports(ports_text);
      for (std::string p; std::getline(ports, p, ',');) {
        setup.ports.push_back({ctc::Port{static_cast<uint16_t>(std::stoi(p))}, ""});
      }
      for (size_t i = 0; i < flow_count && std::getline(std::cin, line); ++i) {
        setup.flows += line + "\n";
      }
      if (setup.profile == nullptr) {
        std::cout << "error unknown profile " << profile_name << std::endl;
        continue;
      }
      auto st = oracle->load(setup);
      std::cout << (st.ok() ? "ok" : "error " + st.error().message) << std::endl;
    } else if (verb == "inject") {
      int port = 0;
      std::string frame_hex;
      in >> port >> frame_hex;
      std::vector<uint8_t> frame;
      if (!unhex(frame_hex, frame)) {
        std::cout << "error bad hex" << std::endl;
        continue;
      }
      auto result = oracle->inject(ctc::Port{static_cast<uint16_t>(port)}, frame);
      if (!result.ok()) {
        std::cout << "error " << result.error().message << std::endl;
        continue;
      }
      for (const ctc::OutputFrame& f : result->outputs) {
        std::cout << "out " << f.port.value << " " << hex(f.bytes) << "\n";
      }
      if (result->classification) {
        const auto& s = *result->classification;
        std::cout << "ct " << (s.bits() == 0 ? std::string("-") : s.to_string()) << "\n";
      }
      std::cout << "done" << std::endl;
    } else if (verb == "advance") {
      int64_t ns = 0;
      in >> ns;
      auto st = oracle->advance(ctc::Duration{ns});
      std::cout << (st.ok() ? "ok" : "error " + st.error().message) << std::endl;
    } else if (verb == "dump") {
      auto table = oracle->dump_table();
      if (!table.ok()) {
        std::cout << "error " << table.error().message << std::endl;
        continue;
      }
      for (const auto& c : *table) std::cout << "row " << ctc::format_connection(c) << "\n";
      std::cout << "done" << std::endl;
    } else if (verb == "flush") {
      int zone = -1;
      in >> zone;
      auto st = oracle->flush(zone < 0 ? std::nullopt
                                       : std::optional<ctc::Zone>(ctc::Zone{static_cast<uint16_t>(zone)}));
      std::cout << (st.ok() ? "ok" : "error " + st.error().message) << std::endl;
    } else if (verb == "quit") {
      return 0;
    } else {
      std::cout << "error unknown request '" << verb << "'" << std::endl;
    }
  }
  return 0;
}
