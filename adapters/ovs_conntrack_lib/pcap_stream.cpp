#include "adapters/ovs_conntrack_lib/pcap_stream.h"

#include <cstring>

namespace ctc::ovs_conntrack_lib {
namespace {

template <class T>
void put(std::vector<uint8_t>& out, T value) {
  uint8_t bytes[sizeof value];
  std::memcpy(bytes, &value, sizeof value);
  out.insert(out.end(), bytes, bytes + sizeof value);
}

}  // namespace

std::vector<uint8_t> pcap_file_header() {
  std::vector<uint8_t> out;
  put<uint32_t>(out, 0xa1b2c3d4);  // magic: microsecond resolution
  put<uint16_t>(out, 2);           // version 2.4
  put<uint16_t>(out, 4);
  put<int32_t>(out, 0);            // thiszone
  put<uint32_t>(out, 0);           // sigfigs
  put<uint32_t>(out, kLargestPcapRecord);  // snaplen
  put<uint32_t>(out, 1);           // LINKTYPE_ETHERNET
  return out;
}

std::vector<uint8_t> pcap_record(std::span<const uint8_t> frame) {
  std::vector<uint8_t> out;
  out.reserve(16 + frame.size());
  const auto length = static_cast<uint32_t>(frame.size());
  put<uint32_t>(out, 0);  // ts_sec
  put<uint32_t>(out, 0);  // ts_usec
  put<uint32_t>(out, length);  // incl_len
  put<uint32_t>(out, length);  // orig_len
  out.insert(out.end(), frame.begin(), frame.end());
  return out;
}

}  // namespace ctc::ovs_conntrack_lib
