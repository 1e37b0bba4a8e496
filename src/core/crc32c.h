// CRC-32C (Castagnoli polynomial 0x1EDC6F41, as in iSCSI and ext4): a portable table-driven
// implementation (slice-by-8, no CPU-specific instructions). Used to checksum every value the
// durable state store writes. Pure functions of their arguments; thread-safe.
#pragma once

#include <cstdint>
#include <string_view>

namespace adwatch {

/// CRC-32C of `data`; Crc32c("") == 0, Crc32c("123456789") == 0xE3069283.
std::uint32_t Crc32c(std::string_view data);

/// Continues a checksum over more bytes: Crc32cExtend(Crc32c(a), b) == Crc32c(a + b), and
/// Crc32cExtend(0, a) == Crc32c(a). Lets a caller checksum a common prefix once.
std::uint32_t Crc32cExtend(std::uint32_t crc, std::string_view data);

}  // namespace adwatch
