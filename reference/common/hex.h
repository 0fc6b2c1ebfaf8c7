// Bytes as lowercase hex digits, two per byte, no separators: how frames are
// written in scenario files, adapter protocols and reports.
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace ctc {

std::string to_hex(std::span<const uint8_t> bytes);

}  // namespace ctc
