#include "core/utf8.h"

#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace adwatch {
namespace {

// The length (continuation bytes) of a sequence led by `c` and the allowed range of its second
// byte, which is where overlongs, surrogates and values above U+10FFFF show. False: not a lead.
bool Lead(unsigned char c, std::size_t* n, unsigned char* lo, unsigned char* hi) {
  *lo = 0x80;
  *hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) {
    *n = 1;
  } else if (c >= 0xE0 && c <= 0xEF) {
    *n = 2;
    if (c == 0xE0) *lo = 0xA0;  // no overlongs
    if (c == 0xED) *hi = 0x9F;  // no surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    *n = 3;
    if (c == 0xF0) *lo = 0x90;  // no overlongs
    if (c == 0xF4) *hi = 0x8F;  // at most U+10FFFF
  } else {
    return false;
  }
  return true;
}

// True when p[0..n] (p[0] a lead with range [lo, hi] for p[1]) is complete and well formed.
bool Sequence(const unsigned char* p, const unsigned char* end, std::size_t n, unsigned char lo,
              unsigned char hi) {
  if (static_cast<std::size_t>(end - p) <= n) return false;
  if (p[1] < lo || p[1] > hi) return false;
  for (std::size_t i = 2; i <= n; ++i) {
    if (p[i] < 0x80 || p[i] > 0xBF) return false;
  }
  return true;
}

#if !defined(__SSE2__)
// True when one of the 8 bytes of `w` is 0x00 (exact: no false positives).
constexpr bool HasZeroByte(std::uint64_t w) {
  return ((w - 0x0101010101010101ULL) & ~w & 0x8080808080808080ULL) != 0;
}
#endif

// The validator, optionally also stopping at the first NUL byte. Returns the position of the
// first offending byte (a NUL when kStopAtNul, or the start of an invalid sequence), or `end`.
template <bool kStopAtNul>
const unsigned char* Scan(const unsigned char* p, const unsigned char* const end) {
  while (p < end) {
    // ASCII fast path (no NUL either when asked), 16 bytes at a time.
    if (end - p >= 16) {
#if defined(__SSE2__)
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
      int stops = _mm_movemask_epi8(v);  // bytes >= 0x80
      if (kStopAtNul) stops |= _mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_setzero_si128()));
      if (stops == 0) {
        p += 16;
        continue;
      }
      p += __builtin_ctz(static_cast<unsigned>(stops));  // to the first byte that needs a look
#else
      std::uint64_t a = 0;
      std::uint64_t b = 0;
      std::memcpy(&a, p, 8);
      std::memcpy(&b, p + 8, 8);
      if (((a | b) & 0x8080808080808080ULL) == 0 &&
          (!kStopAtNul || (!HasZeroByte(a) && !HasZeroByte(b)))) {
        p += 16;
        continue;
      }
#endif
    }
    if (*p < 0x80) {
      if (kStopAtNul && *p == 0) return p;
      ++p;
      continue;
    }
    std::size_t n = 0;
    unsigned char lo = 0;
    unsigned char hi = 0;
    if (!Lead(*p, &n, &lo, &hi) || !Sequence(p, end, n, lo, hi)) return p;
    p += n + 1;
  }
  return end;
}

}  // namespace

bool ValidUtf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  return Scan<false>(p, p + s.size()) == p + s.size();
}

Utf8Check CheckUtf8WithoutNul(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const unsigned char* const end = p + s.size();
  const unsigned char* stop = Scan<true>(p, end);
  if (stop == end) return Utf8Check::kValid;
  if (*stop == 0) return Utf8Check::kHasNul;
  // Invalid UTF-8 at `stop`: a NUL later still takes precedence.
  const auto rest = static_cast<std::size_t>(end - stop);
  return std::memchr(stop, 0, rest) != nullptr ? Utf8Check::kHasNul : Utf8Check::kInvalid;
}

bool DecodeUtf8(std::string_view s, std::size_t i, char32_t* cp, std::size_t* len) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data()) + i;
  const auto* end = reinterpret_cast<const unsigned char*>(s.data()) + s.size();
  *len = 1;
  if (p >= end) return false;
  if (*p < 0x80) {
    *cp = *p;
    return true;
  }
  std::size_t n = 0;
  unsigned char lo = 0;
  unsigned char hi = 0;
  if (!Lead(*p, &n, &lo, &hi) || !Sequence(p, end, n, lo, hi)) return false;
  static constexpr unsigned char kLeadMask[] = {0, 0x1F, 0x0F, 0x07};
  char32_t v = p[0] & kLeadMask[n];
  for (std::size_t k = 1; k <= n; ++k) v = (v << 6) | (p[k] & 0x3Fu);
  *cp = v;
  *len = n + 1;
  return true;
}

}  // namespace adwatch
