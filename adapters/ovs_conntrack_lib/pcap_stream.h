// The pcap bytes ovstest reads: a classic libpcap file (magic 0xa1b2c3d4,
// microsecond stamps, link type 1 = Ethernet), written in host byte order,
// which OVS's reader accepts either way (lib/pcap-file.c
// ovs_pcap_read_header, ovs_pcap_read; OVS 3.1.0).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace ctc::ovs_conntrack_lib {

// ovs_pcap_read() takes a record longer than 0xffff bytes for a byte-swapped
// one and fails with EPROTO.
inline constexpr size_t kLargestPcapRecord = 0xffff;

std::vector<uint8_t> pcap_file_header();
// The record header and the frame. Time stamps are 0: test-conntrack passes
// no `when` to ovs_pcap_read and tracks on the real clock (time_msec()).
// The caller keeps frames within kLargestPcapRecord.
std::vector<uint8_t> pcap_record(std::span<const uint8_t> frame);

}  // namespace ctc::ovs_conntrack_lib
