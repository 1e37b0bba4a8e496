// Exports the business figures of SPEC §4 as Prometheus families, built at scrape time from a
// Figures snapshot (so a scrape never walks live state while the pipeline mutates it). In the
// pipeline that is the copy its consumer last published (Pipeline::Published): a scrape never
// waits on the ingestion lock.
// Thread-safety: Collect may be called from any thread; the snapshot function must be safe to
// call concurrently with the pipeline (the pipeline takes its lock inside it).
#pragma once

#include <prometheus/client_metric.h>
#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>
#include <prometheus/metric_type.h>

#include <array>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "state/figures.h"

namespace adwatch {

class FiguresCollector : public prometheus::Collectable {
 public:
  FiguresCollector(const Config& config, std::function<Figures()> snapshot);
  std::vector<prometheus::MetricFamily> Collect() const override;

  /// Families for one snapshot; exposed for tests and for the terminal summary.
  std::vector<prometheus::MetricFamily> Families(const Figures& figures) const;

  /// Label values: entity slots (configured names, then `unattributed`), theme slots (configured
  /// names, then `none`), windows.
  const std::vector<std::string>& entity_names() const { return entities_; }
  const std::vector<std::string>& theme_names() const { return themes_; }
  const std::vector<std::string>& window_names() const { return windows_; }
  /// Per entity slot: `party`, `non_party_campaigner`, ... (empty for `unattributed`) and the
  /// statutory limit where configured.
  const std::vector<std::string>& entity_types() const { return entity_types_; }
  const std::vector<std::optional<Pence>>& limits() const { return limits_; }
  /// Per entity slot (empty for `unattributed`): the statutory limit in each nation where
  /// configured (entities[].nation_spending_limits; `unknown` never has one).
  const std::vector<std::array<std::optional<Pence>, kNationCount>>& nation_limits() const {
    return nation_limits_;
  }

 private:
  std::vector<std::string> entities_, entity_types_, themes_, windows_;
  std::vector<std::optional<Pence>> limits_;
  std::vector<std::array<std::optional<Pence>, kNationCount>> nation_limits_;
  std::function<Figures()> snapshot_;
};

}  // namespace adwatch
