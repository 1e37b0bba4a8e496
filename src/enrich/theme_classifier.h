// Multi-label theme classification of an ad's text (creative bodies, titles, captions,
// descriptions) against configured phrases and exclusions.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "core/ids.h"
#include "core/observation.h"

namespace adwatch {

/// Thread-safety: Classify is const and safe to call from several threads at once.
class ThemeClassifier {
 public:
  explicit ThemeClassifier(const std::vector<ThemeConfig>& themes);
  ~ThemeClassifier();
  ThemeClassifier(ThemeClassifier&&) noexcept;
  ThemeClassifier& operator=(ThemeClassifier&&) noexcept;

  /// Bit i set for theme i when one of its phrases matches and none of its exclusions does.
  /// When `explain` is set, appends "theme: phrase" for every matched rule.
  ThemeMask Classify(const AdContent& ad, std::vector<std::string>* explain = nullptr) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace adwatch
