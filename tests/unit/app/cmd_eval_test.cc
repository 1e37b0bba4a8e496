#include "app/cmd_eval.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

namespace adwatch {
namespace {

using ::testing::ElementsAre;

const char kCorpus[] = ADWATCH_SOURCE_DIR "/tests/data/themes/corpus.tsv";
const char kHoldout[] = ADWATCH_SOURCE_DIR "/tests/data/themes/holdout.tsv";
const char kHoldout2[] = ADWATCH_SOURCE_DIR "/tests/data/themes/holdout2.tsv";

EvalReport EvaluateDefaultRules(const char* path, std::size_t min_ads) {
  std::ifstream in(path);
  EXPECT_TRUE(in) << path;
  std::vector<std::string> problems;
  const std::vector<CorpusAd> corpus = ParseCorpus(in, path, DefaultConfig().themes, &problems);
  EXPECT_THAT(problems, ElementsAre());
  EXPECT_GE(corpus.size(), min_ads);
  const ThemeClassifier classifier(DefaultConfig().themes);
  EvalReport report = Evaluate(classifier, corpus);
  PrintReport(report, std::cout);
  return report;
}

std::vector<ThemeConfig> TwoThemes() {
  ThemeConfig a;
  a.name = "brexit";
  a.rules = {ThemeRule{"brexit", false, 1, 0, ""}};
  ThemeConfig b;
  b.name = "nhs";
  b.rules = {ThemeRule{"nhs", false, 1, 0, ""}};
  return {a, b};
}

const ThemeScore& Score(const EvalReport& report, const std::string& theme) {
  for (const ThemeScore& s : report.themes) {
    if (s.theme == theme) return s;
  }
  throw std::out_of_range(theme);
}

// The acceptance figures of the default rules on the hand-labelled corpus; the table is
// printed so that the figures of every theme show in the test log.
TEST(EvalCorpusTest, DefaultRulesReachF1OfAtLeast09OnBrexitNhsAndTacticalVoting) {
  const EvalReport report = EvaluateDefaultRules(kCorpus, 400);
  for (const char* theme : {"brexit", "nhs", "tactical_voting"}) {
    const ThemeScore& s = Score(report, theme);
    EXPECT_GE(s.support(), 50) << theme;
    EXPECT_GE(s.f1(), 0.9) << theme;
  }
  for (const ThemeScore& s : report.themes) EXPECT_GE(s.support(), 20) << s.theme;
}

// Ads written before the rules they score were final (docs/THEMES.md): the honest estimate.
// Floors just below today's figures catch regressions.
TEST(EvalCorpusTest, HeldOutFiguresAreReported) {
  for (const char* path : {kHoldout, kHoldout2}) {
    const EvalReport report = EvaluateDefaultRules(path, 95);
    EXPECT_GE(report.micro.precision(), 0.85) << path;
    EXPECT_GE(report.micro.f1(), 0.7) << path;
  }
}

TEST(EvalTest, CountsAgainstTheLabels) {
  std::istringstream in(
      "# comment\n"
      "\n"
      "brexit\tStop Brexit\n"                    // tp brexit
      "brexit,nhs\tBrexit\tand our hospitals\n"  // tp brexit, fn nhs
      "none\tThe NHS at 70\n"                    // fp nhs, fn none
      "nhs\tSave the NHS\n"                      // tp nhs
      "none\tVote on Thursday\n");               // tp none
  std::vector<std::string> problems;
  const auto corpus = ParseCorpus(in, "c.tsv", TwoThemes(), &problems);
  ASSERT_THAT(problems, ElementsAre());
  ASSERT_EQ(corpus.size(), 5u);
  EXPECT_EQ(corpus[1].line, 4);
  EXPECT_THAT(corpus[1].content.texts, ElementsAre("Brexit", "and our hospitals"));
  const ThemeClassifier classifier(TwoThemes());
  const EvalReport r = Evaluate(classifier, corpus);
  EXPECT_EQ(r.ads, 5);
  EXPECT_EQ(r.exact, 3);
  const ThemeScore& brexit = r.themes[0];
  EXPECT_EQ(brexit.tp, 2);
  EXPECT_EQ(brexit.fp, 0);
  EXPECT_EQ(brexit.fn, 0);
  EXPECT_DOUBLE_EQ(brexit.f1(), 1.0);
  const ThemeScore& nhs = r.themes[1];
  EXPECT_EQ(nhs.tp, 1);
  EXPECT_EQ(nhs.fp, 1);
  EXPECT_EQ(nhs.fn, 1);
  EXPECT_DOUBLE_EQ(nhs.precision(), 0.5);
  EXPECT_DOUBLE_EQ(nhs.recall(), 0.5);
  EXPECT_DOUBLE_EQ(nhs.f1(), 0.5);
  const ThemeScore& none = r.themes[2];
  EXPECT_EQ(none.theme, "none");
  EXPECT_EQ(none.tp, 1);
  EXPECT_EQ(none.fp, 0);
  EXPECT_EQ(none.fn, 1);
  EXPECT_EQ(r.micro.tp, 3);
  EXPECT_EQ(r.micro.fp, 1);
  EXPECT_EQ(r.micro.fn, 1);
  EXPECT_THAT(r.errors, ElementsAre("line 4: expected brexit,nhs, got brexit: Brexit | and our "
                                    "hospitals",
                                    "line 5: expected none, got nhs: The NHS at 70"));
}

TEST(EvalTest, EmptyThemeScoresOneAndNoPredictionsScoreZero) {
  ThemeScore nothing{"x"};
  EXPECT_DOUBLE_EQ(nothing.f1(), 1.0);
  ThemeScore missed{"y", 0, 0, 3};
  EXPECT_DOUBLE_EQ(missed.precision(), 1.0);
  EXPECT_DOUBLE_EQ(missed.recall(), 0.0);
  EXPECT_DOUBLE_EQ(missed.f1(), 0.0);
}

TEST(EvalTest, BadCorpusLinesAreProblemsWithTheirLine) {
  std::istringstream in(
      "brexit\tok\n"
      "climate\tunknown theme\n"
      "none,nhs\tboth\n"
      "nhs\n"
      "nhs\t  \t\n");
  std::vector<std::string> problems;
  const auto corpus = ParseCorpus(in, "c.tsv", TwoThemes(), &problems);
  EXPECT_EQ(corpus.size(), 1u);
  EXPECT_THAT(problems, ElementsAre("c.tsv:2: unknown theme \"climate\"",
                                    "c.tsv:3: \"none\" together with a theme",
                                    "c.tsv:4: no text after the labels (LABELS<TAB>TEXT)",
                                    "c.tsv:5: no text after the labels (LABELS<TAB>TEXT)"));
}

TEST(EvalCommandTest, PrintsTheTableAndOptionallyTheErrors) {
  const std::string path = ::testing::TempDir() + "/eval_corpus.tsv";
  std::ofstream(path) << "brexit\tStop Brexit\nnone\tThe NHS at 70\n";
  Config config;
  config.themes = TwoThemes();
  std::ostringstream out;
  std::ostringstream err;
  EXPECT_EQ(EvalCommand(config, path, true, out, err), 0);
  EXPECT_EQ(err.str(), "");
  EXPECT_EQ(out.str(),
            "theme                support    tp    fp    fn precision  recall     f1\n"
            "brexit                     1     1     0     0     1.000   1.000  1.000\n"
            "nhs                        0     0     1     0     0.000   1.000  0.000\n"
            "none                       1     0     0     1     1.000   0.000  0.000\n"
            "micro average              1     1     1     0     0.500   1.000  0.667\n"
            "2 ads, 1 with exactly the right themes\n"
            "line 2: expected none, got nhs: The NHS at 70\n");
  std::ostringstream out2;
  EXPECT_EQ(EvalCommand(config, path + ".missing", false, out2, err), 2);
  EXPECT_THAT(err.str(), ::testing::HasSubstr("cannot read"));
  std::remove(path.c_str());
}

}  // namespace
}  // namespace adwatch
