// The state of the ads of one input partition: the per-ad ledger that turns cumulative spend
// ranges into spread increments (SPEC §3), campaign-to-date totals, the window increments and
// the registry-outage tracker. One partition's state is independent of every other's, so it
// can be persisted, dropped or rebuilt on its own.
// Not thread-safe: one thread applies messages; snapshots need the same external lock.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "config/config.h"
#include "core/ids.h"
#include "core/observation.h"
#include "core/outcome.h"
#include "core/reject_reason.h"
#include "registry/crawl_tracker.h"
#include "state/ad_figures.h"
#include "state/ad_table.h"
#include "state/advertiser_ledger.h"
#include "state/figures.h"
#include "state/held_messages.h"
#include "state/packed_time.h"
#include "store/state_store.h"
#include "window/window_store.h"

namespace adwatch {

/// What the state needs from the outside: attribution and themes of a newly seen ad.
class Enricher {
 public:
  virtual ~Enricher() = default;
  virtual void Enrich(std::string_view registry, const AdContent& ad, EntityId* entity,
                      ThemeMask* themes) const = 0;
};

/// The registration threshold of a non-party campaigner in each nation, in pence (the one place
/// that reads config `registration_thresholds`): £20,000 in England and £10,000 in each other
/// nation unless configured; a nation without one (`unknown` by default) gets INT64_MAX.
std::array<Pence, kNationCount> RegistrationThresholdsPence(const Config& config);

/// The settings that shape figures; shared by every partition.
struct StateOptions {
  std::size_t entity_count = 0;  // configured entities (unattributed is an extra slot)
  std::size_t theme_count = 0;   // configured themes (none is an extra slot)
  std::vector<WindowSpec> windows;
  EpochSeconds grace_seconds = 3600;
  std::optional<Period> regulated_period;
  bool track_changes = false;  // keep change sets for checkpoints (only with a store)
  std::size_t max_ads = std::numeric_limits<std::size_t>::max();  // ads tracked per partition; new
                                                                  // ads beyond: too_many_ads
  EpochSeconds max_lead_seconds = 12 * 3600;  // how far ahead of event time a message is applied
  std::size_t lead_quorum = 5;  // distinct witnesses that corroborate a time beyond max_lead
  // Registration thresholds per nation (RegistrationThresholdsPence); unknown: none.
  std::array<Pence, kNationCount> registration_thresholds = RegistrationThresholdsPence(Config{});

  static StateOptions FromConfig(const Config& config);
  EpochSeconds LongestWindow() const;
};

inline constexpr EpochSeconds kNever = INT64_MIN;

/// One ad's ledger and presence. Its key (registry, id) lives in the partition's AdTable.
/// Laid out without padding holes: 8-byte fields, then 4-, 2- and 1-byte ones, times packed in
/// 5 bytes each (104 bytes in all).
struct AdRecord {
  SpendRange spend;
  // Window credit (README "What the figures mean"): the highest lower bound seen, and the
  // lower/upper amounts already credited to windows. Only ever grow.
  Pence peak_lower = 0;
  Pence credit_lower = 0;
  Pence credit_upper = 0;  // the highest upper bound seen
  ThemeMask themes = 0;
  AdPresence presence;
  std::uint32_t advertiser = 0;  // name index in PartitionState's AdvertiserLedger
  EntityId entity = kUnattributed;
  std::uint8_t registry = 0;   // index into PartitionState's registry names
  std::uint8_t scope = 0;      // index into scope names; 0 = not known
  bool dirty = false;          // changed since the last checkpoint
  bool no_disclaimer = false;  // RanWithoutDisclaimer at the first sighting
  PackedTime first_observed;   // earliest applied sighting (default kNever)
  PackedTime last_observed;    // latest applied sighting
  PackedTime spend_seen_at;    // latest applied sighting that carried spend
  PackedTime delivery_start;   // kNever: unknown
  PackedTime delivery_stop;    // kNever: still running
  // Latest delivery shares (README "What the figures mean" → Nations); a sighting without
  // region data keeps them.
  NationShares nations;
};

/// Raises the ad's window credit for a sighting with cumulative `spend` and returns the increment
/// windows get (never negative; lower <= mid <= upper). See README "What the figures mean".
Amounts WindowCredit(AdRecord& ad, const SpendRange& spend);

/// Which ads MonitorState::ListAds returns.
struct AdFilter {
  std::string registry;               // empty: every registry
  std::optional<std::size_t> entity;  // entity slot (entity count = unattributed)
  std::array<bool, 5> presence{};     // indexed by Presence
};

/// One ad as the JSON API shows it: who, where, since when, how much, and its registry state.
struct AdListing {
  std::string registry;
  std::string ad_id;
  std::size_t entity = 0;  // entity slot
  Presence presence = Presence::kUnknown;
  std::string page_name;
  std::string bylines;
  EpochSeconds first_seen = kNever;
  EpochSeconds last_seen = kNever;
  std::optional<SpendRange> spend;  // latest cumulative bounds; none when never reported
  ThemeMask themes = 0;
  friend bool operator==(const AdListing&, const AdListing&) = default;
};

/// One page of listed ads and how many matched in all.
struct AdPage {
  std::size_t total = 0;
  std::vector<AdListing> ads;
};

class PartitionState;
/// A matching ad, by reference: cheap to collect and sort; valid while the state is unchanged.
struct AdRef {
  Pence lower = -1;      // latest lower bound; -1 when never reported
  std::uint32_t ad = 0;  // handle in the partition's ad table
  const PartitionState* partition = nullptr;
};
/// Orders refs by their "registry:id" text, without building it.
bool AdKeyLess(const AdRef& a, const AdRef& b);

class PartitionState {
 public:
  /// Bumped whenever the persisted bytes change (part of the state fingerprint).
  static constexpr int kFormatVersion = 4;

  explicit PartitionState(const StateOptions* options)
      : options_(options),
        figures_(options->entity_count + 1),
        active_(options->entity_count + 1, options->theme_count) {}

  /// Applies one decoded message under the event-time rules (README "What the figures mean"):
  /// a message dated more than max_lead ahead of the partition's event time is held (outcome
  /// `held`), and applied in arrival order once the stream reaches or corroborates its time.
  Outcome Apply(const Message& message, const Enricher& enricher);

  /// Crawl ends: one that completed before it started is rejected (bad_timestamp); otherwise
  /// it reconciles the partition's ads of its registry scope (SPEC §3 outages) and its
  /// completed_at moves the event time (every partition receives every crawl_end).
  /// Sightings: not newer than the ad's last applied sighting: duplicate/stale, nothing else
  /// changes. A new ad when the partition already tracks options.max_ads: rejected
  /// (too_many_ads), nothing else changes. Older than the event time minus the grace: applied
  /// but counted `late` (per partition, so the count does not depend on how partitions
  /// interleave).
  Outcome ApplyObservation(const Observation& obs, const Enricher& enricher);

  /// The reason of the latest rejection counted by Apply (for the dead-letter topic).
  RejectReason last_reject() const { return last_reject_; }
  /// Messages held now, dated too far ahead of the event time.
  std::size_t held() const { return held_.size(); }

  /// Counts a message of this partition rejected by the decoder.
  void RecordReject(RejectReason reason);

  /// Adds this partition's share of every figure, for windows ending at `watermark`. Costs
  /// O(registries × entities + entities × themes) plus the window loop, not O(ads): the ad
  /// figures are counters kept by every change (state/ad_figures.h). Moves the active-ads
  /// cursor to `watermark` (a cache: needs the same external lock as every other call).
  void AddTo(Figures& figures, EpochSeconds watermark) const;

  /// Calls f(record) for every tracked ad, in no particular order (tests recompute the
  /// counted figures from it).
  template <typename F>
  void ForEachAd(F&& f) const {
    for (const AdRecord& ad : ads_) f(ad);
  }
  /// Registry names by AdRecord::registry index.
  const std::vector<std::string>& registry_names() const { return registries_; }

  /// Appends a reference to every ad matching `filter` (in no particular order).
  void FindAds(const AdFilter& filter, std::vector<AdRef>* out) const;
  /// The full listing of an ad found by FindAds.
  AdListing Listing(const AdRef& ref) const;
  /// Adds this partition's advertisers into `merged` (AdvertiserLedger::Collect), windows
  /// ending at `watermark`.
  void CollectAdvertisers(std::optional<EpochSeconds> watermark, AdvertiserMerge* merged) const;
  std::size_t advertiser_count() const { return advertisers_.advertisers(); }

  /// The event time of this partition: the latest applied crawl_end's completed_at (before the
  /// first crawl_end, the latest applied observed_at), or a corroborated time.
  EpochSeconds watermark() const { return watermark_; }
  std::size_t ad_count() const { return ads_.size(); }
  std::size_t window_increments() const { return windows_.size(); }
  /// Messages applied, skipped or rejected since the last TakeDelta.
  std::size_t pending_messages() const { return pending_messages_; }

  /// What changed since the previous call, as the store persists it; resets the change set.
  PartitionDelta TakeDelta(const std::string& topic, std::int32_t partition,
                           std::int64_t next_offset);
  /// Rebuilds a partition's state from what the store held. nullptr and `error` when the bytes
  /// do not decode (the store's checksums passed, so this means a format bug).
  static std::unique_ptr<PartitionState> Restore(const StateOptions* options,
                                                 const PartitionSnapshot& snapshot,
                                                 std::string* error);

 private:
  struct KeyHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using AdMap = AdTable<AdRecord>;
  using AdHandle = AdMap::Handle;
  friend bool AdKeyLess(const AdRef& a, const AdRef& b);
  Outcome ApplyObservationNow(const Observation& obs, const Enricher& enricher, bool count);
  Outcome ApplyCrawlEndNow(const CrawlEnd& end, bool count);
  bool Ahead(EpochSeconds t) const;
  Outcome Hold(Message message, const Enricher& enricher);
  // Moves event time to `t` (if later), first applying every held message dated at or before
  // `release` (they arrived before whatever moves it).
  void AdvanceTo(EpochSeconds t, EpochSeconds release, const Enricher& enricher);
  // Applies, oldest first, every held message dated at or before `release`; false when none.
  bool Release(EpochSeconds release, const Enricher& enricher);
  void ApplySpend(AdRecord& ad, const SpendRange& spend, EpochSeconds t,
                  const NationShares& shares_before);
  void MarkDirty(AdHandle h);
  // The ad of `registry` (by name) and `id`, or kNone; builds no string.
  AdHandle FindAd(std::string_view registry, std::string_view id) const;
  std::size_t MaxAds() const { return std::min(options_->max_ads, AdMap::kMaxSize); }
  // Partition metadata: the core (event time, counters, names), rewritten at every checkpoint,
  // and parts written only when they changed: held messages and crawl bookkeeping.
  std::string EncodeMeta() const;
  bool DecodeMeta(const PartitionSnapshot& snapshot);
  void Count(Outcome outcome) {
    ++outcomes_[static_cast<int>(outcome)];
    ++pending_messages_;
  }
  std::uint8_t InternName(std::vector<std::string>& names, std::string_view name);
  // Event time minus the longest window, on the window grid: increments ending at or before it
  // can fall in no window, now or later.
  EpochSeconds Horizon() const;
  std::size_t Slot(EntityId id) const;
  bool KnownEntity(EntityId id) const;

  const StateOptions* options_;
  AdMap ads_;
  std::vector<std::string> registries_;
  std::vector<std::string> scopes_{""};
  // The advertisers of the ads and their interned names (no cap: one pair per ad at most).
  AdvertiserLedger advertisers_;
  std::vector<Amounts> campaign_to_date_;  // [entity slot]
  std::vector<Amounts> nation_ctd_;        // [entity slot * kNationCount + nation]
  Amounts no_disclaimer_;  // campaign-to-date of unattributed ads run without a disclaimer
  std::vector<std::int64_t> corrections_;  // [entity slot]
  WindowStore windows_;
  std::size_t prune_at_ = 4096;
  CrawlTracker tracker_;
  EpochSeconds watermark_ = kNever;
  bool crawl_time_ = false;  // a crawl_end was applied: from now on only crawls move event time
  HeldMessages held_;
  EpochSeconds held_from_ = kNever;  // earliest event time among held_ (kNever: none)
  RejectReason last_reject_ = RejectReason::kTooManyAds;
  std::array<std::int64_t, kOutcomeCount> outcomes_{};
  std::array<std::int64_t, kRejectReasonCount> rejects_{};
  // Changes since the last TakeDelta.
  std::vector<AdHandle> dirty_;
  std::vector<WindowIncrement> new_increments_;
  std::vector<std::uint32_t> new_increment_names_;  // the ad's name index, per new increment
  std::size_t pending_messages_ = 0;
  bool held_changed_ = false;   // held_ changed since the last TakeDelta
  std::string crawls_written_;  // tracker_'s bytes as last handed to the store
  // The counted figures of the ads (state/ad_figures.h): updated at every change of an ad.
  AdFacts Facts(const AdRecord& ad) const;
  void CountChange(const AdFacts& before, const AdFacts& after) {
    figures_.Update(before, after);
    active_.Update(before, after);
  }
  AdFigures figures_;
  mutable ActiveAds active_;  // a cursor moved by AddTo
};

}  // namespace adwatch
