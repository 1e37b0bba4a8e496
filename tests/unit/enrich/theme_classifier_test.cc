#include "enrich/theme_classifier.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace adwatch {
namespace {

using ::testing::ElementsAre;

constexpr ThemeMask kBrexit = 1 << 0;
constexpr ThemeMask kNhs = 1 << 1;
constexpr ThemeMask kTactical = 1 << 2;
constexpr ThemeMask kMoney = 1 << 3;

ThemeRule Rule(std::string text, bool pattern = false, double weight = 1.0, int line = 0,
               std::string key = "") {
  ThemeRule rule;
  rule.text = std::move(text);
  rule.pattern = pattern;
  rule.weight = weight;
  rule.line = line;
  rule.key = std::move(key);
  return rule;
}

std::vector<ThemeRule> Rules(const std::vector<std::string>& texts, bool pattern = false) {
  std::vector<ThemeRule> rules;
  for (const std::string& t : texts) rules.push_back(Rule(t, pattern));
  return rules;
}

ThemeConfig Theme(std::string name, const std::vector<std::string>& phrases,
                  const std::vector<std::string>& exclusions = {}) {
  ThemeConfig theme;
  theme.name = std::move(name);
  theme.rules = Rules(phrases);
  theme.exclusions = Rules(exclusions);
  return theme;
}

std::vector<ThemeConfig> Themes() {
  std::vector<ThemeConfig> themes = {
      Theme("brexit", {"brexit", "get brexit done", "people's vote", "no deal"}),
      Theme("nhs", {"nhs", "national health service", "nurses"}, {"nhs discount"}),
      Theme("tactical_voting", {"vote tactically", "two horse race", "stop the tories"}),
      Theme("money", {"\xC2\xA3"
                      "350m a week",
                      "c++"}),
  };
  themes[0].rules.push_back(Rule("(leave|leaving) the eu", true));
  return themes;
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
  // "£" separates words: the phrase reads " 350m a week " after normalisation.
  EXPECT_EQ(Of("We send the EU \xC2\xA3"
               "350m a week"),
            kMoney);
  EXPECT_EQ(Of("Leaving the EU on 31 January"), kBrexit);  // a pattern
}

TEST_F(ThemeClassifierTest, MultiLabelAndNone) {
  EXPECT_EQ(Of("Stop Brexit, save the NHS and stop the Tories"), kBrexit | kNhs | kTactical);
  EXPECT_EQ(Of("Vote on Thursday 12 December"), 0u);
  EXPECT_EQ(Of(""), 0u);
  EXPECT_EQ(Of("!!! \xF0\x9F\x98\x80 ..."), 0u);  // no words at all
  EXPECT_EQ(classifier_.Classify(Ad({})), 0u);
  // Phrases in different texts of one ad (bodies, titles, every card) all count.
  EXPECT_EQ(classifier_.Classify(Ad({"Get it done", "More nurses", "", "no deal"})),
            kBrexit | kNhs);
}

TEST_F(ThemeClassifierTest, ExclusionsCancelOnlyTheMatchesTheyOverlap) {
  EXPECT_EQ(Of("Get 10% NHS discount on flea treatments"), 0u);
  EXPECT_EQ(Of("NHS discount -- and Brexit"), kBrexit);
  // Another NHS phrase elsewhere in the ad still counts (in the same text or another one).
  EXPECT_EQ(Of("NHS discount for nurses: 10% off"), kNhs);
  EXPECT_EQ(Of("NHS discount. Save our NHS!"), kNhs);
  EXPECT_EQ(classifier_.Classify(Ad({"NHS discount", "the NHS"})), kNhs);
  EXPECT_EQ(classifier_.Classify(Ad({"NHS discount", "nhs discount"})), 0u);
  // Sharing only a separating space is no overlap.
  EXPECT_EQ(Of("discount NHS"), kNhs);
}

TEST_F(ThemeClassifierTest, CaseInsensitive) {
  EXPECT_EQ(Of("nhs"), kNhs);
  EXPECT_EQ(Of("NHS"), kNhs);
  EXPECT_EQ(Of("Nhs"), kNhs);
  EXPECT_EQ(Of("GET BREXIT DONE"), kBrexit);
  EXPECT_EQ(Of("LEAVING THE EU"), kBrexit);
}

TEST_F(ThemeClassifierTest, WholeWordsOnly) {
  EXPECT_EQ(Of("NHSX is the NHS's digital unit"), kNhs);  // matched by "NHS's"
  EXPECT_EQ(Of("NHSX digital unit"), 0u);
  EXPECT_EQ(Of("#NHS"), kNhs);
  EXPECT_EQ(Of("(nhs)"), kNhs);
  EXPECT_EQ(Of("Brexiteers unite"), 0u);
  EXPECT_EQ(Of("anti-brexit"), kBrexit);
  EXPECT_EQ(Of("snhs"), 0u);
  EXPECT_EQ(Of("nursesx"), 0u);
  EXPECT_EQ(Of("leaving the eurostar"), 0u);  // patterns too
}

TEST_F(ThemeClassifierTest, HashtagsCamelCaseAndTypography) {
  EXPECT_EQ(Of("#GetBrexitDone"), kBrexit);
  EXPECT_EQ(Of("#SaveOurNHS"), kNhs);
  EXPECT_EQ(Of("#StopTheTories #VoteTactically"), kTactical);
  EXPECT_EQ(Of("a no-deal exit"), kBrexit);
  EXPECT_EQ(Of("a no \n  deal exit"), kBrexit);
  EXPECT_EQ(Of("it's a two\xE2\x80\x93horse race"), kTactical);  // en dash
  EXPECT_EQ(Of("Back a People\xE2\x80\x99s Vote"), kBrexit);     // curly apostrophe
  EXPECT_EQ(Of("Back a People's Vote!!!"), kBrexit);
  EXPECT_EQ(Of("Back a Peoples Vote"), 0u);  // a different word; configure it when wanted
  EXPECT_EQ(Of("nhs\xC2\xA0"
               "discount"),
            0u);  // no-break space
  EXPECT_EQ(Of("\xF0\x9F\x87\xAC\xF0\x9F\x87\xA7GET BREXIT DONE\xE2\x9C\x85"), kBrexit);  // emoji
  EXPECT_EQ(Of("I like c++ a lot"), kMoney);  // "c" followed by separators
}

TEST_F(ThemeClassifierTest, UrlQueryStringsDoNotMatch) {
  EXPECT_EQ(Of("https://www.nhs.uk/conditions"), kNhs);
  EXPECT_EQ(Of("https://example.org/join?utm_campaign=nhs"), 0u);
  EXPECT_EQ(Of("www.example.org/a#nhs"), 0u);
}

TEST(ThemeClassifierWeightsTest, ThresholdAddsDistinctRules) {
  ThemeConfig nhs = Theme("nhs", {"nhs"});
  nhs.rules.push_back(Rule("hospital", false, 0.5));
  nhs.rules.push_back(Rule("patients?", true, 0.5));
  nhs.rules.push_back(Rule("beds", false, 0.3));
  nhs.rules.push_back(Rule("wards", false, 0.7));
  const ThemeClassifier c({nhs});
  EXPECT_EQ(c.Classify(Ad({"the hospital car park"})), 0u);
  EXPECT_EQ(c.Classify(Ad({"hospital hospital hospital"})), 0u);  // one rule counts once
  EXPECT_EQ(c.Classify(Ad({"hospital patients"})), 1u);
  EXPECT_EQ(c.Classify(Ad({"a hospital", "a patient"})), 1u);  // across texts
  EXPECT_EQ(c.Classify(Ad({"beds and wards"})), 1u);           // 0.3 + 0.7 reaches 1
  EXPECT_EQ(c.Classify(Ad({"NHS"})), 1u);

  ThemeExplanation why;
  EXPECT_EQ(c.Classify(Ad({"hospital beds"}), &why), 0u);
  EXPECT_THAT(why.scores, ElementsAre(::testing::DoubleEq(0.8)));
}

TEST(ThemeClassifierWeightsTest, HigherThreshold) {
  ThemeConfig t = Theme("climate", {"climate", "emissions", "net zero"});
  t.threshold = 2;
  const ThemeClassifier c({t});
  EXPECT_EQ(c.Classify(Ad({"the political climate"})), 0u);
  EXPECT_EQ(c.Classify(Ad({"climate climate"})), 0u);
  EXPECT_EQ(c.Classify(Ad({"climate and net zero"})), 1u);
}

TEST_F(ThemeClassifierTest, ExplainGivesRulesAndBytePositionsInTheOriginalText) {
  ThemeExplanation why;
  const std::string body = "#GetBrexitDone \xE2\x80\x94 Caf\xC3\xA9 NHS discount";
  const ThemeMask mask = classifier_.Classify(Ad({body, "Save our NHS"}), &why);
  EXPECT_EQ(mask, kBrexit | kNhs);
  ASSERT_EQ(why.matches.size(), 5u);
  auto at = [&](std::size_t i) {
    const ThemeMatch& m = why.matches[i];
    const std::string& text = i < 4 ? body : std::string("Save our NHS");
    return m.rule->text + "|" + std::string(text, m.begin, m.end - m.begin) +
           (m.exclusion ? "|exclusion" : "") + (m.cancelled ? "|cancelled" : "");
  };
  // Hyperscan reports matches in the order they end.
  EXPECT_EQ(at(0), "brexit|Brexit");
  EXPECT_EQ(at(1), "get brexit done|GetBrexitDone");
  EXPECT_EQ(at(2), "nhs|NHS|cancelled");
  EXPECT_EQ(at(3), "nhs discount|NHS discount|exclusion");
  EXPECT_EQ(why.matches[4].text, 1u);
  EXPECT_EQ(why.matches[4].begin, 9u);
  EXPECT_EQ(why.matches[4].end, 12u);
  EXPECT_EQ(why.matches[0].begin, 4u);
  EXPECT_THAT(why.scores, ElementsAre(2, 1, 0, 0));

  EXPECT_EQ(classifier_.Classify(Ad({"nothing here"}), &why), 0u);
  EXPECT_TRUE(why.matches.empty());
  EXPECT_THAT(why.scores, ElementsAre(0, 0, 0, 0));
}

TEST(ThemeClassifierEdgeTest, NoThemes) {
  const ThemeClassifier c(std::vector<ThemeConfig>{});
  EXPECT_EQ(c.Classify(Ad({"brexit nhs"})), 0u);
}

TEST(ThemeClassifierEdgeTest, SixtyThreeThemesUseBit62) {
  std::vector<ThemeConfig> themes;
  for (int i = 0; i < kMaxThemes; ++i) {
    themes.push_back(Theme("t" + std::to_string(i), {"word x" + std::to_string(i)}));
  }
  const ThemeClassifier c(themes);
  EXPECT_EQ(c.Classify(Ad({"word x62"})), ThemeMask{1} << 62);
  EXPECT_EQ(c.Classify(Ad({"word x0 word x62"})), (ThemeMask{1} << 62) | 1u);
  themes.push_back(Theme("t63", {"word63"}));
  EXPECT_THROW(ThemeClassifier{themes}, std::invalid_argument);
}

TEST(ThemeClassifierEdgeTest, BadRulesThrowWithTheirLineAndKey) {
  ThemeConfig empty = Theme("a", {});
  empty.rules.push_back(Rule(" !! \xF0\x9F\x98\x80", false, 1.0, 12, "themes[0].phrases[0]"));
  try {
    const ThemeClassifier c({empty});
    ADD_FAILURE() << "no throw";
  } catch (const ThemeRuleError& e) {
    EXPECT_EQ(e.line(), 12);
    EXPECT_EQ(e.key(), "themes[0].phrases[0]");
    EXPECT_THAT(e.what(), ::testing::HasSubstr("no words"));
  }
  ThemeConfig bad = Theme("b", {"fine"});
  bad.rules.push_back(Rule("(unclosed", true, 1.0, 7, "themes[0].patterns[0]"));
  try {
    const ThemeClassifier c({bad});
    ADD_FAILURE() << "no throw";
  } catch (const ThemeRuleError& e) {
    EXPECT_EQ(e.line(), 7);
    EXPECT_EQ(e.key(), "themes[0].patterns[0]");
    EXPECT_THAT(e.what(), ::testing::HasSubstr("cannot compile \"(unclosed\""));
  }
}

TEST(ThemeClassifierEdgeTest, ManyMatchesStayLinear) {
  // 200,000 matches of a rule and of an exclusion in one text: no quadratic blow-up.
  std::string text;
  for (int i = 0; i < 100000; ++i) text += "nhs discount nhs ";
  const ThemeClassifier c({Theme("nhs", {"nhs"}, {"nhs discount"})});
  EXPECT_EQ(c.Classify(Ad({text})), 1u);  // the second "nhs" of each triple counts
  ThemeExplanation why;
  EXPECT_EQ(c.Classify(Ad({text}), &why), 1u);
  EXPECT_EQ(why.matches.size(), 300000u);
}

TEST(ThemeClassifierEdgeTest, MovedAndSeveralInstancesOnOneThread) {
  ThemeClassifier a(Themes());
  ThemeClassifier b(std::vector<ThemeConfig>{Theme("x", {"alpha"}), Theme("y", {"beta gamma"})});
  for (int i = 0; i < 3; ++i) {  // alternate: one thread's scratch serves both databases
    EXPECT_EQ(a.Classify(Ad({"brexit"})), kBrexit);
    EXPECT_EQ(b.Classify(Ad({"beta gamma"})), 2u);
  }
  ThemeClassifier moved = std::move(a);
  EXPECT_EQ(moved.Classify(Ad({"nurses"})), kNhs);
  {
    const ThemeClassifier temp({Theme("z", {"zeta"})});
    EXPECT_EQ(temp.Classify(Ad({"zeta"})), 1u);
  }
  const ThemeClassifier again({Theme("z", {"eta"})});  // may reuse the freed database's address
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
      ThemeExplanation why;
      for (int i = 0; i < 2000; ++i) {
        const auto& [text, want] = cases[static_cast<std::size_t>(i + t) % cases.size()];
        if (c.Classify(Ad({text}), i % 2 == 0 ? &why : nullptr) != want) {
          ++failures[static_cast<std::size_t>(t)];
        }
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
  EXPECT_THAT(themes("Demand a People\xE2\x80\x99s Vote and split the vote no more"),
              ElementsAre("brexit", "tactical_voting"));
  EXPECT_THAT(themes("We declared a climate emergency"), ElementsAre("climate"));
  EXPECT_THAT(themes("In this political climate, vote"), ElementsAre());
  EXPECT_THAT(themes("Exclusive NHS discount on pet medicine"), ElementsAre());
  EXPECT_THAT(themes("The Brexit Party will fix the potholes on Station Road"), ElementsAre());
  EXPECT_THAT(themes("The hospital car park will be resurfaced"), ElementsAre());
  EXPECT_THAT(themes("Police tactical firearms unit"), ElementsAre("crime"));
  EXPECT_THAT(themes("The NHS is not for sale"), ElementsAre("nhs"));
  EXPECT_THAT(themes("Happy birthday!"), ElementsAre());
}

TEST(ThemeClassifierDefaultTest, EveryDefaultThemeHasAOneLineDescription) {
  for (const ThemeConfig& t : DefaultConfig().themes) {
    EXPECT_FALSE(t.description.empty()) << t.name;
    EXPECT_EQ(t.description.find('\n'), std::string::npos) << t.name;
  }
  EXPECT_GE(DefaultConfig().themes.size(), 8u);
}

}  // namespace
}  // namespace adwatch
