// CheckUtf8WithoutNul: the one-pass UTF-8 and NUL check must say exactly what the two separate
// checks (a NUL anywhere first, then ValidUtf8) say.
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>

#include "core/utf8.h"

namespace adwatch {
namespace {

Utf8Check TwoPasses(std::string_view s) {
  if (std::memchr(s.data(), 0, s.size()) != nullptr) return Utf8Check::kHasNul;
  return ValidUtf8(s) ? Utf8Check::kValid : Utf8Check::kInvalid;
}

TEST(CheckUtf8WithoutNulTest, NulAnywhereAndInvalidText) {
  EXPECT_EQ(CheckUtf8WithoutNul(""), Utf8Check::kValid);
  EXPECT_EQ(CheckUtf8WithoutNul("plain ascii, long enough for the sixteen byte fast path twice"),
            Utf8Check::kValid);
  EXPECT_EQ(CheckUtf8WithoutNul("caf\xc3\xa9 \xe2\x80\x94 \xf0\x9f\x98\x80"), Utf8Check::kValid);
  // A NUL in the fast path's first or second word, in the byte-wise tail, at either end.
  for (std::size_t at : {0u, 3u, 7u, 8u, 12u, 15u, 16u, 30u, 33u}) {
    std::string s(34, 'a');
    s[at] = '\0';
    EXPECT_EQ(CheckUtf8WithoutNul(s), Utf8Check::kHasNul) << at;
  }
  EXPECT_EQ(CheckUtf8WithoutNul("\xff"), Utf8Check::kInvalid);
  EXPECT_EQ(CheckUtf8WithoutNul("0123456789abcdef0123456789abcde\xff"), Utf8Check::kInvalid);
  // NUL takes precedence over invalid UTF-8, before or after it, or inside a sequence.
  EXPECT_EQ(CheckUtf8WithoutNul(std::string("\xff x \0 y", 7)), Utf8Check::kHasNul);
  EXPECT_EQ(CheckUtf8WithoutNul(std::string("x \0 y \xff", 7)), Utf8Check::kHasNul);
  EXPECT_EQ(CheckUtf8WithoutNul(std::string("\xe2\0\x80", 3)), Utf8Check::kHasNul);
  // 0x80 bytes next to a NUL must not hide it (the word test is exact).
  EXPECT_EQ(CheckUtf8WithoutNul(std::string("\xc2\x80\0\x01\xc2\x80", 6)), Utf8Check::kHasNul);
}

// Random byte strings biased towards NULs, ASCII and the edges of UTF-8 sequences.
TEST(CheckUtf8WithoutNulTest, AgreesWithTwoPassesOnRandomInput) {
  std::mt19937 rng(15);
  const unsigned char kBytes[] = {0x00, 0x01, 'a',  0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf,
                                  0xc0, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff};
  std::size_t counts[3] = {0, 0, 0};
  for (int n = 0; n < 200000; ++n) {
    std::string s(rng() % 40, 'x');
    const unsigned density = rng() % 8;  // how many bytes are not plain 'x'
    for (char& c : s) {
      if (rng() % 8 < density) c = static_cast<char>(kBytes[rng() % sizeof kBytes]);
    }
    const Utf8Check want = TwoPasses(s);
    ASSERT_EQ(CheckUtf8WithoutNul(s), want) << "input of " << s.size() << " bytes, case " << n;
    ++counts[static_cast<int>(want)];
  }
  for (std::size_t c : counts) EXPECT_GT(c, 1000u);  // every outcome was exercised
}

}  // namespace
}  // namespace adwatch
