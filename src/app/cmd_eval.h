// `adwatch eval CORPUS`: precision, recall and F1 of the theme rules on a labelled corpus
// (tests/data/themes/corpus.tsv; format in docs/THEMES.md).
#pragma once

#include <istream>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "core/observation.h"
#include "enrich/theme_classifier.h"

namespace adwatch {

/// One labelled ad: `LABELS<TAB>TEXT[<TAB>TEXT...]`, LABELS a comma list of theme names or
/// `none`; each TEXT one creative field.
struct CorpusAd {
  int line = 0;
  ThemeMask labels = 0;
  AdContent content;
};

/// Parses a corpus against the configured themes. A label that is not a configured theme (or
/// `none` together with a theme), or a line without text, is a problem `file:line: message`.
/// Lines starting with # and blank lines are skipped.
std::vector<CorpusAd> ParseCorpus(std::istream& in, std::string_view file,
                                  const std::vector<ThemeConfig>& themes,
                                  std::vector<std::string>* problems);

/// Counts for one theme (or `none`: the ads with no theme).
struct ThemeScore {
  std::string theme;
  int tp = 0;
  int fp = 0;
  int fn = 0;
  int support() const { return tp + fn; }
  /// 1 when nothing was predicted / nothing was expected, so that an absent theme scores 1.
  double precision() const;
  double recall() const;
  double f1() const;
};

struct EvalReport {
  int ads = 0;
  int exact = 0;                    // ads whose whole label set is right
  std::vector<ThemeScore> themes;   // configured order, then `none`
  ThemeScore micro;                 // summed over the configured themes
  std::vector<std::string> errors;  // "line N: expected a,b got c: text", per wrong ad
};

EvalReport Evaluate(const ThemeClassifier& classifier, const std::vector<CorpusAd>& corpus);

/// The report as a fixed-width table, one row per theme, then the micro average.
void PrintReport(const EvalReport& report, std::ostream& out);

/// Reads `corpus_path`, classifies every ad with `config`'s themes and prints the table (and,
/// with `show_errors`, every wrongly classified ad). Returns 0, or 2 when the corpus or the
/// themes are bad (problems to `err`).
int EvalCommand(const Config& config, const std::string& corpus_path, bool show_errors,
                std::ostream& out, std::ostream& err);

}  // namespace adwatch
