#include "runner/pcap_io.h"

#include <pcap/pcap.h>

#include <memory>

namespace ctc {

Result<std::vector<std::vector<uint8_t>>> read_pcap(const std::string& path) {
  char errbuf[PCAP_ERRBUF_SIZE] = {};
  std::unique_ptr<pcap_t, decltype(&pcap_close)> handle(pcap_open_offline(path.c_str(), errbuf),
                                                        &pcap_close);
  if (!handle) return io_error(path + ": " + errbuf);
  if (pcap_datalink(handle.get()) != DLT_EN10MB) {
    return invalid_argument(path + ": link type " + std::to_string(pcap_datalink(handle.get())) +
                            " is not Ethernet");
  }
  std::vector<std::vector<uint8_t>> frames;
  for (;;) {
    pcap_pkthdr* header = nullptr;
    const u_char* data = nullptr;
    int rc = pcap_next_ex(handle.get(), &header, &data);
    if (rc == PCAP_ERROR_BREAK) break;  // end of file
    if (rc != 1) {
      return invalid_argument(path + ": frame " + std::to_string(frames.size()) + ": " +
                              pcap_geterr(handle.get()));
    }
    if (header->caplen != header->len) {
      return invalid_argument(path + ": frame " + std::to_string(frames.size()) +
                              " was captured truncated (" + std::to_string(header->caplen) +
                              " of " + std::to_string(header->len) + " bytes)");
    }
    frames.emplace_back(data, data + header->caplen);
  }
  return frames;
}

Status write_pcap(const std::string& path, const std::vector<std::vector<uint8_t>>& frames) {
  std::unique_ptr<pcap_t, decltype(&pcap_close)> dead(pcap_open_dead(DLT_EN10MB, 65535),
                                                      &pcap_close);
  if (!dead) return io_error("pcap_open_dead failed");
  std::unique_ptr<pcap_dumper_t, decltype(&pcap_dump_close)> dumper(
      pcap_dump_open(dead.get(), path.c_str()), &pcap_dump_close);
  if (!dumper) return io_error(path + ": " + pcap_geterr(dead.get()));
  for (size_t i = 0; i < frames.size(); ++i) {
    pcap_pkthdr header{};
    header.ts.tv_sec = static_cast<time_t>(i / 1'000'000);
    header.ts.tv_usec = static_cast<suseconds_t>(i % 1'000'000);
    header.caplen = header.len = static_cast<bpf_u_int32>(frames[i].size());
    pcap_dump(reinterpret_cast<u_char*>(dumper.get()), &header, frames[i].data());
  }
  if (pcap_dump_flush(dumper.get()) != 0) return io_error(path + ": write failed");
  return ok_status();
}

}  // namespace ctc
