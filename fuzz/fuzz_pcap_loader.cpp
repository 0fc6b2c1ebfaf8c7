// pcap loader (through libpcap): any file gives frames or an error.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "runner/pcap_io.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path = "/tmp/ctconform-fuzz-pcap-" + std::to_string(getpid()) + ".pcap";
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) std::abort();
  if (size > 0 && std::fwrite(data, 1, size, f) != size) std::abort();
  std::fclose(f);
  auto frames = ctc::read_pcap(path);
  std::remove(path.c_str());  // nothing left in /tmp when the run ends, however it ends
  if (frames.ok()) {
    size_t total = 0;
    for (const auto& frame : *frames) total += frame.size();
    if (total > size) std::abort();  // frames cannot hold more than the file
  }
  return 0;
}
