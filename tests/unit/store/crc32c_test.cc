#include "core/crc32c.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

namespace adwatch {
namespace {

// Bit-at-a-time reference, straight from the definition (reflected polynomial 0x82F63B78).
std::uint32_t Reference(const std::string& s) {
  std::uint32_t c = 0xFFFFFFFFu;
  for (char ch : s) {
    c ^= static_cast<unsigned char>(ch);
    for (int k = 0; k < 8; ++k) c = (c & 1u) != 0 ? (c >> 1) ^ 0x82F63B78u : c >> 1;
  }
  return ~c;
}

TEST(Crc32cTest, PublishedCheckValues) {
  EXPECT_EQ(Crc32c(""), 0u);
  EXPECT_EQ(Crc32c("123456789"), 0xE3069283u);
  // RFC 3720 (iSCSI) appendix B.4.
  EXPECT_EQ(Crc32c(std::string(32, '\0')), 0x8A9136AAu);
  EXPECT_EQ(Crc32c(std::string(32, '\xFF')), 0x62A8AB43u);
  std::string up, down;
  for (int i = 0; i < 32; ++i) {
    up += static_cast<char>(i);
    down += static_cast<char>(31 - i);
  }
  EXPECT_EQ(Crc32c(up), 0x46DD794Eu);
  EXPECT_EQ(Crc32c(down), 0x113FDB5Cu);
}

TEST(Crc32cTest, MatchesBitwiseReferenceAtEveryLengthAndSplit) {
  std::string s;
  std::uint32_t x = 12345;
  for (int i = 0; i < 77; ++i) {
    x = x * 1103515245u + 12345u;
    s += static_cast<char>(x >> 24);
  }
  for (std::size_t n = 0; n <= s.size(); ++n) {
    const std::string prefix = s.substr(0, n);
    ASSERT_EQ(Crc32c(prefix), Reference(prefix)) << n;
    // Extending from any split point gives the checksum of the whole.
    ASSERT_EQ(Crc32cExtend(Crc32c(s.substr(0, n)), s.substr(n)), Reference(s)) << n;
  }
  EXPECT_EQ(Crc32cExtend(0, "123456789"), 0xE3069283u);
}

}  // namespace
}  // namespace adwatch
