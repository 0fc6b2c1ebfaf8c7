// pcap files, read and written through libpcap only (Ethernet link type).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "reference/common/result.h"

namespace ctc {

// Every frame of an Ethernet pcap, in order. A file that is not a pcap, has
// another link type or is truncated is an error naming the file.
Result<std::vector<std::vector<uint8_t>>> read_pcap(const std::string& path);

// Writes the frames with timestamps 0, 1, 2, ... microseconds (deterministic).
Status write_pcap(const std::string& path, const std::vector<std::vector<uint8_t>>& frames);

}  // namespace ctc
