// Multi-label theme classification of an ad's texts (every creative body, link title, caption
// and description of every card) against the configured theme rules (config.h ThemeConfig).
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "config/config.h"
#include "core/ids.h"
#include "core/observation.h"

namespace adwatch {

/// A theme rule that cannot be used (no words after normalisation, a pattern that does not
/// compile); carries the rule's config line and key.
class ThemeRuleError : public std::invalid_argument {
 public:
  ThemeRuleError(const ThemeRule& rule, const std::string& message)
      : std::invalid_argument(message), line_(rule.line), key_(rule.key) {}
  int line() const { return line_; }
  const std::string& key() const { return key_; }

 private:
  int line_;
  std::string key_;
};

/// One match of one rule in one text of an ad, for explanations.
struct ThemeMatch {
  int theme = 0;                    // index in the configured themes
  const ThemeRule* rule = nullptr;  // owned by the classifier
  bool exclusion = false;
  bool cancelled = false;  // a rule match overlapped by a match of its theme's exclusions
  std::size_t text = 0;    // index in AdContent::texts
  std::size_t begin = 0;   // byte range [begin, end) in that text
  std::size_t end = 0;
};

/// Why an ad got its themes: every match in text order, and every theme's score (the summed
/// weights of its distinct rules with an uncancelled match).
struct ThemeExplanation {
  std::vector<ThemeMatch> matches;
  std::vector<double> scores;
};

/// All rules of all themes compiled into one Hyperscan database at construction (linear-time
/// multi-pattern matching over the normalised text; enrich/normalize.h). Construction throws
/// ThemeRuleError for a bad rule and std::invalid_argument for more than kMaxThemes themes.
/// Thread-safety: Classify is const and safe to call from several threads at once (one
/// Hyperscan scratch per thread).
class ThemeClassifier {
 public:
  explicit ThemeClassifier(std::vector<ThemeConfig> themes);
  ~ThemeClassifier();
  ThemeClassifier(ThemeClassifier&&) noexcept;
  ThemeClassifier& operator=(ThemeClassifier&&) noexcept;

  /// The classifier, or nullopt with `error` set (the exception's message) when the rules do
  /// not compile: for commands that report and exit instead of catching.
  static std::optional<ThemeClassifier> Compile(std::vector<ThemeConfig> themes,
                                                std::string* error);

  /// Bit i set for theme i when its score reaches its threshold. Fills `explain` when given.
  ThemeMask Classify(const AdContent& ad, ThemeExplanation* explain = nullptr) const;

  const std::vector<ThemeConfig>& themes() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Compiles `themes` as a check: nullopt when they compile, else the first problem, with the
/// rule's line and key, as a problem of `file`.
std::optional<ConfigProblem> CheckThemeRules(const std::vector<ThemeConfig>& themes,
                                             const std::string& file);

}  // namespace adwatch
