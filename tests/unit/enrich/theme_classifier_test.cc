#include "enrich/theme_classifier.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <stdexcept>
#include <thread>

namespace adwatch {
namespace {

using ::testing::ElementsAre;

constexpr ThemeMask kBrexit = 1 << 0;
constexpr ThemeMask kNhs = 1 << 1;
constexpr ThemeMask kTactical = 1 << 2;
constexpr ThemeMask kMoney = 1 << 3;

std::vector<ThemeConfig> Themes() {
  return {
      {"brexit", {"brexit", "get brexit done", "people's vote", "no deal"}, {}},
      {"nhs", {"nhs", "national health service", "nurses"}, {"nhs discount"}},
      {"tactical_voting", {"vote tactically", "two horse race", "stop the tories"}, {}},
      {"money",
       {"\xC2\xA3"
        "350m",
        "a.b", "c++"},
       {}},
  };
}

AdContent Ad(std::vector<std::string> texts) {
  AdContent ad;
  ad.texts = std::move(texts);
  return ad;
}

class ThemeClassifierTest : public ::testing::Test {
 protected:
  ThemeMask Of(const std::string& text) const { return classifier_.Classify(Ad({text})); }
  ThemeClassifier classifier_{Themes()};
};

TEST_F(ThemeClassifierTest, EachTheme) {
  EXPECT_EQ(Of("Get Brexit done. Vote Conservative on 12 December."), kBrexit);
  EXPECT_EQ(Of("Labour will invest in our National Health Service."), kNhs);
  EXPECT_EQ(Of("In Sheffield Hallam it's a two horse race: vote tactically."), kTactical);
  EXPECT_EQ(Of("We send the EU \xC2\xA3"
               "350m a week"),
            kMoney);
}

TEST_F(ThemeClassifierTest, MultiLabelAndNone) {
  EXPECT_EQ(Of("Stop Brexit, save the NHS and stop the Tories"), kBrexit | kNhs | kTactical);
  EXPECT_EQ(Of("Vote on Thursday 12 December"), 0u);
  EXPECT_EQ(Of(""), 0u);
  EXPECT_EQ(classifier_.Classify(Ad({})), 0u);
  // Phrases in different texts of one ad (bodies, titles, ...) all count.
  EXPECT_EQ(classifier_.Classify(Ad({"Get it done", "More nurses", "", "no deal"})),
            kBrexit | kNhs);
}

TEST_F(ThemeClassifierTest, ExclusionsVetoTheirThemeOnly) {
  EXPECT_EQ(Of("Get 10% NHS discount on flea treatments"), 0u);
  EXPECT_EQ(Of("NHS Discount for nurses: 10% off"), 0u);  // the exclusion vetoes every phrase
  EXPECT_EQ(Of("NHS discount -- and Brexit"), kBrexit);
}

TEST_F(ThemeClassifierTest, CaseInsensitive) {
  EXPECT_EQ(Of("nhs"), kNhs);
  EXPECT_EQ(Of("NHS"), kNhs);
  EXPECT_EQ(Of("Nhs"), kNhs);
  EXPECT_EQ(Of("GET BREXIT DONE"), kBrexit);
}

TEST_F(ThemeClassifierTest, WholeWordsOnly) {
  EXPECT_EQ(Of("NHSX is the NHS's digital unit"), kNhs);  // matched by "NHS's"
  EXPECT_EQ(Of("NHSX digital unit"), 0u);
  EXPECT_EQ(Of("#NHS"), kNhs);
  EXPECT_EQ(Of("(nhs)"), kNhs);
  EXPECT_EQ(Of("Brexiteers unite"), 0u);
  EXPECT_EQ(Of("anti-brexit"), kBrexit);
  EXPECT_EQ(Of("snhs"), 0u);
  EXPECT_EQ(Of("nurses"), kNhs);
  EXPECT_EQ(Of("nursesx"), 0u);
}

TEST_F(ThemeClassifierTest, PhrasesAreLiteral) {
  EXPECT_EQ(Of("a.b"), kMoney);
  EXPECT_EQ(Of("axb"), 0u);  // "." is not a wildcard
  EXPECT_EQ(Of("I like c++ a lot"), kMoney);
  EXPECT_EQ(Of("I like c a lot"), 0u);
}

TEST_F(ThemeClassifierTest, SeparatorsAndTypography) {
  EXPECT_EQ(Of("a no-deal exit"), kBrexit);
  EXPECT_EQ(Of("a no \n  deal exit"), kBrexit);
  EXPECT_EQ(Of("it's a two-horse race"), kTactical);
  EXPECT_EQ(Of("it's a two\xE2\x80\x93horse race"), kTactical);  // en dash
  EXPECT_EQ(Of("Back a People\xE2\x80\x99s Vote"), kBrexit);     // curly apostrophe
  EXPECT_EQ(Of("Back a People's Vote"), kBrexit);
  EXPECT_EQ(Of("Back a Peoples Vote"), 0u);
  EXPECT_EQ(Of("nhs\xC2\xA0"
               "discount"),
            0u);  // no-break space
}

TEST_F(ThemeClassifierTest, ExplainListsMatchedRulesInConfigOrder) {
  std::vector<std::string> why;
  const ThemeMask mask =
      classifier_.Classify(Ad({"Get Brexit done", "NHS discount for nurses"}), &why);
  EXPECT_EQ(mask, kBrexit);
  EXPECT_THAT(why, ElementsAre("brexit: brexit", "brexit: get brexit done", "nhs: nhs",
                               "nhs: nurses", "nhs: nhs discount (exclusion)"));
  why.clear();
  EXPECT_EQ(classifier_.Classify(Ad({"nothing here"}), &why), 0u);
  EXPECT_TRUE(why.empty());
}

TEST(ThemeClassifierEdgeTest, NoThemes) {
  const ThemeClassifier c(std::vector<ThemeConfig>{});
  EXPECT_EQ(c.Classify(Ad({"brexit nhs"})), 0u);
}

TEST(ThemeClassifierEdgeTest, SixtyThreeThemesUseBit62) {
  std::vector<ThemeConfig> themes;
  for (int i = 0; i < kMaxThemes; ++i) {
    themes.push_back({"t" + std::to_string(i), {"word" + std::to_string(i)}, {}});
  }
  const ThemeClassifier c(themes);
  EXPECT_EQ(c.Classify(Ad({"word62"})), ThemeMask{1} << 62);
  EXPECT_EQ(c.Classify(Ad({"word0 word62"})), (ThemeMask{1} << 62) | 1u);
  themes.push_back({"t63", {"word63"}, {}});
  EXPECT_THROW(ThemeClassifier{themes}, std::invalid_argument);
}

TEST(ThemeClassifierEdgeTest, EmptyPhraseThrowsAtConstruction) {
  const std::vector<ThemeConfig> themes = {{"a", {"  "}, {}}};
  EXPECT_THROW(ThemeClassifier{themes}, std::invalid_argument);
}

TEST(ThemeClassifierEdgeTest, MovedAndSeveralInstancesOnOneThread) {
  ThemeClassifier a(Themes());
  ThemeClassifier b(
      std::vector<ThemeConfig>{{"x", {"alpha"}, {}}, {"y", {"beta gamma delta"}, {}}});
  for (int i = 0; i < 3; ++i) {  // alternate: one thread's scratch serves both databases
    EXPECT_EQ(a.Classify(Ad({"brexit"})), kBrexit);
    EXPECT_EQ(b.Classify(Ad({"beta gamma delta"})), 2u);
  }
  ThemeClassifier moved = std::move(a);
  EXPECT_EQ(moved.Classify(Ad({"nurses"})), kNhs);
  {
    ThemeClassifier temp(std::vector<ThemeConfig>{{"z", {"zeta"}, {}}});
    EXPECT_EQ(temp.Classify(Ad({"zeta"})), 1u);
  }
  ThemeClassifier again(
      std::vector<ThemeConfig>{{"z", {"eta"}, {}}});  // may reuse the freed database's address
  EXPECT_EQ(again.Classify(Ad({"eta zeta"})), 1u);
  EXPECT_EQ(again.Classify(Ad({"zeta"})), 0u);
}

TEST(ThemeClassifierEdgeTest, ConcurrentClassifyFromManyThreads) {
  const ThemeClassifier c(Themes());
  const std::vector<std::pair<std::string, ThemeMask>> cases = {
      {"Get Brexit done", kBrexit},
      {"save the NHS", kNhs},
      {"stop the tories, save the nhs", kTactical | kNhs},
      {"NHS discount", 0},
  };
  std::vector<std::thread> threads;
  std::vector<int> failures(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 2000; ++i) {
        const auto& [text, want] = cases[static_cast<std::size_t>(i + t) % cases.size()];
        if (c.Classify(Ad({text})) != want) ++failures[static_cast<std::size_t>(t)];
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_THAT(failures, ElementsAre(0, 0, 0, 0));
}

TEST(ThemeClassifierDefaultTest, DefaultThemesOnCampaignTexts) {
  const Config& config = DefaultConfig();
  const ThemeClassifier c(config.themes);
  auto themes = [&](const std::string& text) {
    std::vector<std::string> names;
    const ThemeMask mask = c.Classify(Ad({text}));
    for (std::size_t i = 0; i < config.themes.size(); ++i) {
      if ((mask >> i) & 1u) names.push_back(config.themes[i].name);
    }
    return names;
  };
  EXPECT_THAT(themes("Get Brexit done. Vote Conservative on 12 December."), ElementsAre("brexit"));
  EXPECT_THAT(themes("Labour will save our NHS: 24,000 more nurses."), ElementsAre("nhs"));
  EXPECT_THAT(themes("Only the Lib Dems can beat the Conservatives here. Vote tactically."),
              ElementsAre("tactical_voting"));
  EXPECT_THAT(themes("Demand a People\xE2\x80\x99s Vote and stop the Tories"),
              ElementsAre("brexit", "tactical_voting"));
  EXPECT_THAT(themes("We declared a climate emergency"), ElementsAre("climate"));
  EXPECT_THAT(themes("In this political climate, vote"), ElementsAre());
  EXPECT_THAT(themes("Exclusive NHS discount on pet medicine"), ElementsAre());
  EXPECT_THAT(themes("Happy birthday!"), ElementsAre());
}

}  // namespace
}  // namespace adwatch
