#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "enrich/normalize.h"

namespace adwatch {
namespace {

std::string N(const std::string& text) {
  std::string out;
  NormalizeText(text, &out, nullptr);
  return out;
}

TEST(NormalizeTextTest, WordsLowerCaseBetweenSingleSpaces) {
  EXPECT_EQ(N("Get Brexit done."), " get brexit done ");
  EXPECT_EQ(N("  NHS!!!  --  now??? "), " nhs now ");
  EXPECT_EQ(N("no-deal, no\ndeal\t(no deal)"), " no deal no deal no deal ");
  EXPECT_EQ(N("People's Vote"), " people s vote ");
  EXPECT_EQ(N("A&E"), " a e ");
  EXPECT_EQ(N(""), "");
  EXPECT_EQ(N("!?! ..."), "");
}

TEST(NormalizeTextTest, UnicodePunctuationSpacesAndEmojiSeparate) {
  EXPECT_EQ(N("People\xE2\x80\x99s \xE2\x80\x9CVote\xE2\x80\x9D"), " people s vote ");
  EXPECT_EQ(N("two\xE2\x80\x93horse\xE2\x80\x94race"), " two horse race ");  // en, em dash
  EXPECT_EQ(N("a\xC2\xA0"
              "b\xE2\x80\x89"
              "c\xE3\x80\x80"
              "d"),
            " a b c d ");  // nbsp, thin, ideographic
  EXPECT_EQ(N("vote\xF0\x9F\x97\xB3\xEF\xB8\x8Fnow\xF0\x9F\x87\xAC\xF0\x9F\x87\xA7"), " vote now ");
  EXPECT_EQ(N("\xC2\xA3"
              "350m"),
            " 350 m ");  // pound sign; digits and letters split
  EXPECT_EQ(N("3\xC2\xBD years"), " 3 years ");
}

TEST(NormalizeTextTest, DiacriticsFoldToBaseLetters) {
  EXPECT_EQ(N("Caf\xC3\xA9 Ynys M\xC3\xB4n \xC5\xB4yl"), " cafe ynys mon wyl ");
  EXPECT_EQ(N("Stra\xC3\x9F"
              "e \xC3\x86on \xC5\x92uvre"),
            " strasse aeon oeuvre ");
  EXPECT_EQ(N("Sinn Fe\xCC\x81in"), " sinn fein ");  // combining acute accent dropped
  EXPECT_EQ(N("\xC3\x97"), "");                      // the multiplication sign is not a letter
  EXPECT_EQ(N("\xCE\x91\xCE\xB8\xCE\xAE\xCE\xBD\xCE\xB1"),
            " \xCE\x91\xCE\xB8\xCE\xAE\xCE\xBD\xCE\xB1 ");  // other scripts kept as they are
}

TEST(NormalizeTextTest, HashtagsAndCamelCaseSplit) {
  EXPECT_EQ(N("#GetBrexitDone"), " get brexit done ");
  EXPECT_EQ(N("#SaveOurNHS"), " save our nhs ");
  EXPECT_EQ(N("NHSCrisis"), " nhs crisis ");
  EXPECT_EQ(N("NHSX"), " nhsx ");
  EXPECT_EQ(N("GPs and MPs"), " gps and mps ");
  EXPECT_EQ(N("#IndyRef2 #GE2019"), " indy ref 2 ge 2019 ");
  EXPECT_EQ(N("LibDems"), " lib dems ");
  EXPECT_EQ(N("\xC3\x89lectionG\xC3\xA9n\xC3\xA9rale"), " election generale ");
}

TEST(NormalizeTextTest, UrlsKeepHostAndPathWords) {
  EXPECT_EQ(N("See https://www.GetVoting.org/vote-tactically?utm_source=nhs#top now"),
            " see get voting org vote tactically now ");
  EXPECT_EQ(N("http://nhs.uk/a%20b"), " nhs uk a b ");
  EXPECT_EQ(N("www.peoplesvote.uk"), " peoplesvote uk ");
  EXPECT_EQ(N("not-a-url?x=nhs"), " not a url x nhs ");  // only URLs lose their query
  // What follows a scheme is read afresh: a space ends the URL, a letter starts a word.
  EXPECT_EQ(N("http:// x"), " x ");
  EXPECT_EQ(N("https://\xCE\xA9mega.org"), " \xCE\xA9mega org ");  // other scripts: as they are
}

TEST(NormalizeTextTest, InvalidUtf8Separates) {
  EXPECT_EQ(N("nhs\xFFnow"), " nhs now ");
  EXPECT_EQ(N("a\xE2\x80"), " a ");  // truncated sequence
  EXPECT_EQ(N("a\xC0\xAF"
              "b"),
            " a b ");  // overlong encoding
  EXPECT_EQ(N("a\xED\xA0\x80"
              "b"),
            " a b ");  // surrogate
}

TEST(NormalizeTextTest, OffsetsPointIntoTheOriginalText) {
  const std::string text = "\xF0\x9F\x87\xAC #SaveOurNHS, Caf\xC3\xA9!";
  std::string out;
  std::vector<std::size_t> offsets;
  NormalizeText(text, &out, &offsets);
  ASSERT_EQ(out, " save our nhs cafe ");
  ASSERT_EQ(offsets.size(), out.size());
  // " nhs " is at [9, 14) in `out`: the word's bytes are [offsets[10], offsets[13]).
  const std::size_t b = out.find(" nhs ");
  EXPECT_EQ(text.substr(offsets[b + 1], offsets[b + 4] - offsets[b + 1]), "NHS");
  const std::size_t c = out.find(" cafe ");
  EXPECT_EQ(text.substr(offsets[c + 1], offsets[c + 5] - offsets[c + 1]), "Caf\xC3\xA9");
  const std::size_t s = out.find(" save ");
  EXPECT_EQ(text.substr(offsets[s + 1], offsets[s + 5] - offsets[s + 1]), "Save");
  // A split before the second capital of "NHSCrisis" keeps the offsets in step.
  NormalizeText("xNHSCrisis", &out, &offsets);
  ASSERT_EQ(out, " x nhs crisis ");
  EXPECT_THAT(offsets, ::testing::ElementsAre(0, 0, 1, 1, 2, 3, 4, 4, 5, 6, 7, 8, 9, 10));
}

TEST(NormalizeTextTest, LongInputIsLinear) {
  std::string text;
  for (int i = 0; i < 200000; ++i) text += "#SaveOurNHS \xF0\x9F\x98\x80 Caf\xC3\xA9 ";
  std::string out;
  std::vector<std::size_t> offsets;
  NormalizeText(text, &out, &offsets);
  EXPECT_EQ(out.size(), 200000u * 18 + 1);
  EXPECT_EQ(offsets.size(), out.size());
}

}  // namespace
}  // namespace adwatch
