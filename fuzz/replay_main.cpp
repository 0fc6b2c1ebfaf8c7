// Without libFuzzer, each fuzz target links this main instead: it runs the
// target over every file given (or found under a folder given), so CTest
// replays the corpora on every build, sanitizers on.
//
//   TARGET [-repeat=N] FILE_OR_DIR...
//
// -repeat=N runs the whole set N times and prints executions per second: the
// target's speed without libFuzzer's instrumentation, for profiling.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

bool read_file(const std::filesystem::path& path, std::vector<uint8_t>& bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  long repeat = 1;
  std::vector<std::filesystem::path> files;
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "-repeat=", 8) == 0) {
      char* end = nullptr;
      repeat = std::strtol(argv[i] + 8, &end, 10);
      if (*end != '\0' || repeat < 1) {
        std::fprintf(stderr, "replay: -repeat needs a positive number, not '%s'\n", argv[i] + 8);
        return 2;
      }
      continue;
    }
    const std::filesystem::path arg(argv[i]);
    std::error_code ec;
    if (std::filesystem::is_directory(arg, ec)) {
      std::vector<std::filesystem::path> found;
      for (const auto& entry : std::filesystem::recursive_directory_iterator(arg)) {
        if (entry.is_regular_file()) found.push_back(entry.path());
      }
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else {
      files.push_back(arg);
    }
  }
  if (files.empty()) {
    std::fprintf(stderr, "replay: no inputs given\n");
    return 1;
  }
  std::vector<std::vector<uint8_t>> inputs(files.size());
  for (size_t i = 0; i < files.size(); ++i) {
    if (!read_file(files[i], inputs[i])) {
      std::fprintf(stderr, "replay: cannot open %s\n", files[i].c_str());
      return 1;
    }
  }
  const auto start = std::chrono::steady_clock::now();
  for (long r = 0; r < repeat; ++r) {
    for (const auto& bytes : inputs) LLVMFuzzerTestOneInput(bytes.data(), bytes.size());
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double runs = static_cast<double>(inputs.size()) * static_cast<double>(repeat);
  std::printf("replay: %zu inputs, no crash\n", inputs.size());
  if (repeat > 1) {
    std::printf("replay: %.0f executions in %.2f s: %.0f exec/s\n", runs, seconds,
                seconds > 0 ? runs / seconds : 0.0);
  }
  return 0;
}
