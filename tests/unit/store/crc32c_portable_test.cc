#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>

#include "core/crc32c.h"

namespace adwatch {
namespace {

// The portable implementation and whichever one Crc32cExtend picks on this CPU agree on every
// length, alignment and starting value.
TEST(Crc32cPortableTest, AgreesWithTheSelectedImplementation) {
  std::mt19937 rng(32);
  std::string s(300, '\0');
  for (char& c : s) c = static_cast<char>(rng());
  EXPECT_EQ(Crc32cExtendPortable(0, "123456789"), 0xE3069283u);
  for (std::size_t offset = 0; offset < 9; ++offset) {
    for (std::size_t n = 0; offset + n <= s.size(); n += 7) {
      const std::string_view part = std::string_view(s).substr(offset, n);
      const auto start = static_cast<std::uint32_t>(rng());
      ASSERT_EQ(Crc32cExtendPortable(start, part), Crc32cExtend(start, part)) << offset << " " << n;
    }
  }
}

}  // namespace
}  // namespace adwatch
