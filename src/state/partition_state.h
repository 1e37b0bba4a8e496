// The state of the ads of one input partition: the per-ad ledger that turns cumulative spend
// ranges into spread increments (SPEC §3), campaign-to-date totals, the window increments and
// the registry-outage tracker. One partition's state is independent of every other's, so it
// can be persisted, dropped or rebuilt on its own.
// Not thread-safe: one thread applies messages; snapshots need the same external lock.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "config/config.h"
#include "core/ids.h"
#include "core/observation.h"
#include "core/outcome.h"
#include "registry/crawl_tracker.h"
#include "state/figures.h"
#include "window/window_store.h"

namespace adwatch {

/// What the state needs from the outside: attribution and themes of a newly seen ad.
class Enricher {
 public:
  virtual ~Enricher() = default;
  virtual void Enrich(std::string_view registry, const AdContent& ad, EntityId* entity,
                      ThemeMask* themes) const = 0;
};

/// The settings that shape figures; shared by every partition.
struct StateOptions {
  std::size_t entity_count = 0;  // configured entities (unattributed is an extra slot)
  std::size_t theme_count = 0;   // configured themes (none is an extra slot)
  std::vector<WindowSpec> windows;
  EpochSeconds grace_seconds = 3600;
  std::optional<Period> regulated_period;

  static StateOptions FromConfig(const Config& config);
  EpochSeconds LongestWindow() const;
};

inline constexpr EpochSeconds kNever = INT64_MIN;

/// One ad's ledger and presence.
struct AdRecord {
  EpochSeconds last_observed = kNever;   // latest applied sighting
  EpochSeconds spend_seen_at = kNever;   // latest applied sighting that carried spend
  EpochSeconds delivery_start = kNever;  // kNever: unknown
  EpochSeconds delivery_stop = kNever;   // kNever: still running
  SpendRange spend;
  ThemeMask themes = 0;
  EntityId entity = kUnattributed;
  std::uint8_t registry = 0;  // index into PartitionState's registry names
  std::uint8_t scope = 0;     // index into scope names; 0 = not known
  AdPresence presence;
};

class PartitionState {
 public:
  explicit PartitionState(const StateOptions* options) : options_(options) {}

  /// Applies one sighting. `watermark` is the instance's watermark before it (kNever if none).
  /// Not newer than the ad's last applied sighting: duplicate/stale, nothing changes.
  Outcome ApplyObservation(const Observation& obs, EpochSeconds watermark,
                           const Enricher& enricher);

  /// Reconciles the partition's ads of the crawl's registry scope (SPEC §3 outages).
  Outcome ApplyCrawlEnd(const CrawlEnd& end);

  /// Adds this partition's share of every figure, for windows ending at `watermark`.
  void AddTo(Figures& figures, EpochSeconds watermark) const;

  std::size_t ad_count() const { return ads_.size(); }
  std::size_t window_increments() const { return windows_.size(); }

 private:
  struct KeyHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  void ApplySpend(AdRecord& ad, const SpendRange& spend, EpochSeconds t, EpochSeconds watermark);
  std::uint8_t InternName(std::vector<std::string>& names, std::string_view name);
  std::size_t Slot(EntityId id) const;

  const StateOptions* options_;
  std::unordered_map<std::string, AdRecord, KeyHash, std::equal_to<>> ads_;
  std::string key_;  // reused lookup buffer
  std::vector<std::string> registries_;
  std::vector<std::string> scopes_{""};
  std::vector<Amounts> campaign_to_date_;  // [entity slot]
  std::vector<std::int64_t> corrections_;  // [entity slot]
  WindowStore windows_;
  std::size_t prune_at_ = 4096;
  CrawlTracker tracker_;
};

}  // namespace adwatch
