// Packet parser: never crashes on any bytes, and whatever parses serialises
// back to something that parses to the same packet (checksums recomputed).
#include <cstdint>
#include <cstdlib>
#include <span>

#include "reference/packet/packet_builder.h"
#include "reference/packet/packet_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto parsed = ctc::parse_frame(std::span<const uint8_t>(data, size));
  if (!parsed.ok()) return 0;
  ctc::Packet packet = std::move(parsed).value();
  if (packet.is_icmp_error()) (void)ctc::parse_quoted_packet(packet);
  ctc::clear_checksums(packet);
  const std::vector<uint8_t> rebuilt = ctc::serialize_frame(packet);
  auto again = ctc::parse_frame(rebuilt);
  if (!again.ok()) std::abort();  // we wrote something we cannot read
  ctc::Packet reparsed = std::move(again).value();
  ctc::clear_checksums(reparsed);
  if (!reparsed.ip_checksum_ok || !reparsed.l4_checksum_ok) std::abort();
  reparsed.ip_checksum_ok = packet.ip_checksum_ok;
  reparsed.l4_checksum_ok = packet.l4_checksum_ok;
  if (!(reparsed == packet)) std::abort();
  return 0;
}
