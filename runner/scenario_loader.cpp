#include "runner/scenario_loader.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "reference/scenario/scenario_text.h"
#include "runner/pcap_io.h"

namespace ctc {

namespace fs = std::filesystem;

Result<Scenario> load_scenario(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return io_error(path + ": cannot open");
  std::ostringstream text;
  text << in.rdbuf();

  const fs::path pcap_path = fs::path(path).replace_extension(".pcap");
  std::optional<std::vector<std::vector<uint8_t>>> frames;
  PcapFrameSource source;
  if (fs::exists(pcap_path)) {
    auto read = read_pcap(pcap_path.string());
    if (!read.ok()) return read.error();
    frames = std::move(read).value();
    source = [&frames, pcap_path](size_t index) -> Result<std::vector<uint8_t>> {
      if (index >= frames->size()) {
        return invalid_argument("pcap " + std::to_string(index) + ": " + pcap_path.string() +
                                " has only " + std::to_string(frames->size()) + " frames");
      }
      return (*frames)[index];
    };
  }
  return parse_scenario_text(text.str(), path, source);
}

Result<std::vector<Scenario>> load_suite(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return io_error(path + ": no such file or directory");
  std::vector<std::string> files;
  if (fs::is_directory(path, ec)) {
    for (auto it = fs::recursive_directory_iterator(path, ec); !ec && it != fs::end(it);
         it.increment(ec)) {
      if (it->is_regular_file() && it->path().extension() == ".scenario") {
        files.push_back(it->path().string());
      }
    }
    if (ec) return io_error(path + ": " + ec.message());
  } else {
    files.push_back(path);
  }
  std::sort(files.begin(), files.end());
  std::vector<Scenario> scenarios;
  for (const std::string& f : files) {
    auto s = load_scenario(f);
    if (!s.ok()) return s.error();
    scenarios.push_back(std::move(s).value());
  }
  return scenarios;
}

Result<std::string> save_scenario(const Scenario& scenario, const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return io_error(dir + ": " + ec.message());
  std::vector<std::vector<uint8_t>> frames;
  for (const Step& step : scenario.steps) {
    if (const auto* inject = std::get_if<InjectStep>(&step)) frames.push_back(inject->frame);
  }
  const fs::path base = fs::path(dir) / scenario.name;
  if (!frames.empty()) {
    if (auto st = write_pcap(base.string() + ".pcap", frames); !st.ok()) return st.error();
  }
  const std::string text_path = base.string() + ".scenario";
  std::ofstream out(text_path, std::ios::binary);
  out << format_scenario_text(scenario, !frames.empty());
  if (!out) return io_error(text_path + ": write failed");
  return text_path;
}

}  // namespace ctc
