// CRC-32C (Castagnoli polynomial 0x1EDC6F41, as in iSCSI and ext4): the x86-64 SSE4.2 crc32
// instruction when the CPU has it (checked once at run time), else a portable table-driven
// implementation (slice-by-8). Used to checksum every value the durable state store writes and
// reads back. Pure functions of their arguments; thread-safe.
#pragma once

#include <cstdint>
#include <string_view>

namespace adwatch {

/// CRC-32C of `data`; Crc32c("") == 0, Crc32c("123456789") == 0xE3069283.
std::uint32_t Crc32c(std::string_view data);

/// Continues a checksum over more bytes: Crc32cExtend(Crc32c(a), b) == Crc32c(a + b), and
/// Crc32cExtend(0, a) == Crc32c(a). Lets a caller checksum a common prefix once.
std::uint32_t Crc32cExtend(std::uint32_t crc, std::string_view data);

/// The portable implementation alone (what Crc32cExtend uses without SSE4.2); for tests.
std::uint32_t Crc32cExtendPortable(std::uint32_t crc, std::string_view data);

}  // namespace adwatch
