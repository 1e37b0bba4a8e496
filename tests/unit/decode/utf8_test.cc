#include "core/utf8.h"

#include <gtest/gtest.h>

#include <string>

namespace adwatch {
namespace {

TEST(ValidUtf8Test, AcceptsWellFormedText) {
  EXPECT_TRUE(ValidUtf8(""));
  EXPECT_TRUE(ValidUtf8("plain ascii, long enough to use the sixteen byte fast path twice"));
  EXPECT_TRUE(ValidUtf8(std::string("nul \0 inside", 12)));
  EXPECT_TRUE(ValidUtf8("\xc2\x80"));                 // U+0080, smallest 2-byte
  EXPECT_TRUE(ValidUtf8("\xdf\xbf"));                 // U+07FF
  EXPECT_TRUE(ValidUtf8("\xe0\xa0\x80"));             // U+0800, smallest 3-byte
  EXPECT_TRUE(ValidUtf8("\xed\x9f\xbf"));             // U+D7FF, just below surrogates
  EXPECT_TRUE(ValidUtf8("\xee\x80\x80"));             // U+E000, just above surrogates
  EXPECT_TRUE(ValidUtf8("\xef\xbf\xbf"));             // U+FFFF
  EXPECT_TRUE(ValidUtf8("\xf0\x90\x80\x80"));         // U+10000, smallest 4-byte
  EXPECT_TRUE(ValidUtf8("\xf4\x8f\xbf\xbf"));         // U+10FFFF, largest
  EXPECT_TRUE(ValidUtf8("0123456789abcde\xc3\xa9"));  // straddles the 16-byte block
}

TEST(ValidUtf8Test, RejectsMalformedText) {
  EXPECT_FALSE(ValidUtf8("\x80"));              // lone continuation
  EXPECT_FALSE(ValidUtf8("\xc0\xaf"));          // overlong '/'
  EXPECT_FALSE(ValidUtf8("\xc1\xbf"));          // overlong
  EXPECT_FALSE(ValidUtf8("\xe0\x9f\xbf"));      // overlong 3-byte
  EXPECT_FALSE(ValidUtf8("\xed\xa0\x80"));      // U+D800 surrogate
  EXPECT_FALSE(ValidUtf8("\xed\xbf\xbf"));      // U+DFFF surrogate
  EXPECT_FALSE(ValidUtf8("\xf0\x8f\xbf\xbf"));  // overlong 4-byte
  EXPECT_FALSE(ValidUtf8("\xf4\x90\x80\x80"));  // U+110000
  EXPECT_FALSE(ValidUtf8("\xf5\x80\x80\x80"));
  EXPECT_FALSE(ValidUtf8("\xff"));
  EXPECT_FALSE(ValidUtf8("\xc3"));  // truncated at the end
  EXPECT_FALSE(ValidUtf8("\xe2\x82"));
  EXPECT_FALSE(ValidUtf8("\xf0\x9f\x8f"));
  EXPECT_FALSE(ValidUtf8("\xc3\x28"));  // bad continuation
  EXPECT_FALSE(ValidUtf8("\xe2\x28\xa1"));
  EXPECT_FALSE(ValidUtf8("\xf0\x9f\x28\xb4"));
  EXPECT_FALSE(ValidUtf8("0123456789abcdef0123456789abcde\xff"));  // after two fast blocks
}

}  // namespace
}  // namespace adwatch
