// The registries' own reports (`kind: report`) of one input partition: per advertiser (keyed
// `registry:advertiser_id`) the latest amount of every reported week, the to-date releases as a
// cumulative ledger, and the latest number of ads in the library. It turns them into
// campaign-to-date report spend per registry and party, the second witness against which the
// ads adwatch has seen are compared (README, "What the figures mean").
//
// Edges: a report never moves the watermark. A weekly row not newer (observed_at) than the one
// applied for the same week, or a to-date row whose period ends before (or, not newer, on) the
// applied one, changes nothing (duplicate when equal, stale otherwise). A new advertiser beyond
// max_ads is rejected (too_many_ads).
// Not thread-safe: used under the same external lock as PartitionState.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/observation.h"
#include "core/outcome.h"
#include "core/reject_reason.h"
#include "state/figures.h"
#include "state/partition_state.h"

namespace adwatch {

class ReportLedger {
 public:
  explicit ReportLedger(const StateOptions* options) : options_(options) {}

  /// Applies one report row and counts its outcome.
  Outcome Apply(const Report& report, const Enricher& enricher);

  /// Adds this partition's report figures and report outcome counts to `figures`.
  void AddTo(Figures& figures) const;

  std::size_t advertiser_count() const { return advertisers_.size(); }

  // ---- Persistence: rows in the store's per-partition key/record table. ----
  /// True for the keys of report rows (they start with '#', which no `registry:id` ad key does).
  static bool IsRow(std::string_view key) { return !key.empty() && key.front() == '#'; }
  /// Appends the rows changed since the previous call (every dirty advertiser and the counts).
  void TakeDelta(std::vector<std::pair<std::string, std::string>>* rows);
  /// Restores one row written by TakeDelta; false (with `error`) when it does not decode.
  bool RestoreRow(std::string_view key, std::string_view bytes, std::string* error);

 private:
  struct Week {
    EpochSeconds end = 0;  // exclusive: the midnight after the last day
    EpochSeconds observed_at = 0;
    SpendRange amount;
    Pence share_lower = 0;  // campaign-to-date share of the amount
    Pence share_upper = 0;
  };
  struct Advertiser {
    std::string registry;
    EntityId entity = kUnattributed;
    std::string name;
    std::string disclaimer;
    std::map<EpochSeconds, Week> weeks;  // by start
    Pence weekly_lower = 0;              // sum of the weeks' shares
    Pence weekly_upper = 0;
    // To-date releases: the latest cumulative amount, the interval its increment spread over.
    EpochSeconds to_date_end = kNever;  // exclusive end of the latest applied release
    EpochSeconds to_date_t0 = kNever;   // start of that release's increment
    EpochSeconds to_date_observed = kNever;
    SpendRange to_date;
    Pence to_date_lower = 0;  // campaign-to-date share of all increments
    Pence to_date_upper = 0;
    // Ads in the library: latest count of a to-date release, else of a weekly one.
    EpochSeconds ads_observed[2] = {kNever, kNever};  // [ReportKind]
    std::int64_t ads[2] = {0, 0};
    bool dirty = false;
  };
  using Map = std::unordered_map<std::string, Advertiser>;

  Outcome ApplyWeekly(Advertiser& a, const Report& r);
  Outcome ApplyToDate(Advertiser& a, const Report& r);
  Pence InPeriod(Pence amount, EpochSeconds t0, EpochSeconds t) const;
  void MarkDirty(Map::value_type& entry);
  std::size_t Slot(EntityId id) const;
  Outcome Count(Outcome o) {
    ++outcomes_[static_cast<int>(o)];
    counts_dirty_ = true;
    return o;
  }

  const StateOptions* options_;
  Map advertisers_;
  std::string key_;  // reused lookup buffer
  std::array<std::int64_t, kOutcomeCount> outcomes_{};
  std::int64_t too_many_ = 0;  // rejected as too_many_ads
  std::vector<Map::value_type*> dirty_;
  bool counts_dirty_ = false;
};

}  // namespace adwatch
