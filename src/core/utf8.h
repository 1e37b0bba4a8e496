// Strict UTF-8 (RFC 3629): the project's one validator and one code-point decoder. Rejected:
// overlong forms, surrogates (U+D800..U+DFFF, so a lone `\udc00` escape decoded to ED B0 80 is
// invalid), anything above U+10FFFF, truncated sequences. Noncharacters (U+FFFE, U+FDD0..) are
// valid scalar values and accepted. Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace adwatch {

/// True when every byte of `s` belongs to a well-formed UTF-8 sequence. ASCII fast path.
bool ValidUtf8(std::string_view s);

/// ValidUtf8 and a search for NUL bytes in the same pass (for input that must contain neither,
/// e.g. a JSON message parsed in place). kHasNul when `s` contains a 0x00 byte anywhere, even
/// if it is also invalid UTF-8; otherwise kInvalid or kValid as ValidUtf8 says.
enum class Utf8Check : std::uint8_t { kValid, kHasNul, kInvalid };
Utf8Check CheckUtf8WithoutNul(std::string_view s);

/// Decodes the sequence starting at s[i] (i < s.size()): its code point and byte length. False
/// (with *len 1) for an invalid or truncated sequence.
bool DecodeUtf8(std::string_view s, std::size_t i, char32_t* cp, std::size_t* len);

}  // namespace adwatch
