// The advertisers of one partition (README "What the figures mean" → Advertisers): one record
// per registry + page id (Meta `page_id`, Google `Advertiser_ID`) + entity slot, with its ads,
// campaign-to-date per bound, per nation, and window increments; and the page-name/bylines pairs
// of its ads, interned without a cap (bounded by the ads: every ad holds one pair). The state's
// ads keep the 32-bit index of their pair ("name"), which leads to the advertiser.
// Everything it holds is derived from the partition's ads and window increments, so a restore
// that replays them (Intern, ChangeSpend, AddIncrement) gives the same figures in any order.
// Not thread-safe: owned by one PartitionState, under the same external lock.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/money.h"
#include "core/nation.h"
#include "core/time.h"

namespace adwatch {

/// One advertiser's figures over every partition (merged by registry, page id and entity slot).
struct AdvertiserTotals {
  std::string registry;
  std::string page_id;
  std::size_t entity = 0;  // entity slot (entity count = unattributed)
  std::string page_name;   // of its most recently first-seen ad (ties: the larger names)
  std::string bylines;
  EpochSeconds names_at = 0;                    // that ad's first sighting
  std::int64_t ads = 0;                         // ads tracked
  std::int64_t open_ended_ads = 0;              // ads whose latest bounds are the open top bucket
  Amounts campaign_to_date;                     // sum of its ads' latest cumulative bounds
  std::array<Amounts, kNationCount> nations{};  // the same, each ad split by its latest shares
  std::vector<Amounts> windows;                 // [window], as the party windows
  friend bool operator==(const AdvertiserTotals&, const AdvertiserTotals&) = default;
};

/// Totals keyed by MergeKey: what AdvertiserLedger::Collect adds into.
using AdvertiserMerge = std::unordered_map<std::string, AdvertiserTotals>;

class AdvertiserLedger {
 public:
  /// The name index of a new ad of registry `registry` (the partition's registry index), entity
  /// slot `slot`, first seen at `first_seen`; creates the advertiser and the pair as needed and
  /// counts the ad.
  std::uint32_t Intern(std::uint8_t registry, std::size_t slot, std::string_view page_id,
                       std::string_view page_name, std::string_view bylines,
                       EpochSeconds first_seen);
  const std::string& page_name(std::uint32_t name) const { return names_[name].page_name; }
  const std::string& bylines(std::uint32_t name) const { return names_[name].bylines; }
  std::uint8_t registry(std::uint32_t name) const {
    return advertisers_[names_[name].advertiser].registry;
  }
  const std::string& page_id(std::uint32_t name) const {
    return advertisers_[names_[name].advertiser].page_id;
  }

  /// An ad's latest cumulative bounds (and shares) change from `before` (none: never reported)
  /// to `after`: its advertiser's campaign-to-date, nations and open-ended count follow.
  void ChangeSpend(std::uint32_t name, const std::optional<SpendRange>& before,
                   const NationShares& before_shares, const SpendRange& after,
                   const NationShares& after_shares);
  /// The hook of PartitionState::ApplySpend: ChangeSpend, then AddIncrement of the ad's window
  /// credit over (t0, t] when its upper bound grows and t > horizon (as the party windows).
  void ApplySpend(std::uint32_t name, const std::optional<SpendRange>& before,
                  const NationShares& before_shares, const SpendRange& after,
                  const NationShares& after_shares, EpochSeconds t0, EpochSeconds t,
                  const Amounts& credit, EpochSeconds horizon);
  /// A window increment of an ad spread over (t0, t]; dropped once t <= a later `horizon`.
  void AddIncrement(std::uint32_t name, EpochSeconds t0, EpochSeconds t, const Amounts& amount,
                    EpochSeconds horizon);
  /// The same for an increment restored from the store, by its advertiser's key. False when
  /// no ad of this partition has that advertiser (the increment is then not kept).
  bool AddIncrement(std::uint8_t registry, std::size_t slot, std::string_view page_id,
                    EpochSeconds t0, EpochSeconds t, const Amounts& amount, EpochSeconds horizon);

  /// Adds every advertiser into `merged` (figures summed, names by the latest first sighting);
  /// `registries` names the registry indexes; windows of `window_seconds` cover
  /// (watermark - length, watermark] (all 0 without a watermark).
  void Collect(const std::vector<std::string>& registries,
               const std::vector<EpochSeconds>& window_seconds,
               std::optional<EpochSeconds> watermark, AdvertiserMerge* merged) const;

  std::size_t advertisers() const { return advertisers_.size(); }
  std::size_t names() const { return names_.size(); }

  /// The key advertisers merge by across partitions: registry, entity slot and page id.
  static std::string MergeKey(std::string_view registry, std::size_t slot,
                              std::string_view page_id);

 private:
  struct Increment {
    EpochSeconds t0, t;
    Amounts amount;
  };
  struct Advertiser {
    std::string page_id;
    std::uint8_t registry = 0;
    std::uint16_t slot = 0;
    std::uint32_t shown = 0;  // name index shown for display
    EpochSeconds shown_at = 0;
    std::int64_t ads = 0;
    std::int64_t open_ended = 0;
    Amounts campaign_to_date;
    std::array<Amounts, kNationCount> nations{};
    std::vector<Increment> increments;  // sorted by (t, t0), one per interval
    std::size_t prune_at = 8;
  };
  struct Name {
    std::string page_name;
    std::string bylines;
    std::uint32_t advertiser = 0;
  };
  std::uint32_t FindOrAdd(std::uint8_t registry, std::size_t slot, std::string_view page_id);
  void Add(Advertiser& a, EpochSeconds t0, EpochSeconds t, const Amounts& amount,
           EpochSeconds horizon);

  std::vector<Advertiser> advertisers_;
  std::vector<Name> names_;
  std::unordered_map<std::string, std::uint32_t> advertiser_index_;
  std::unordered_map<std::string, std::uint32_t> name_index_;
  std::string key_;  // reused lookup buffer
};

/// Which advertisers MonitorState::ListAdvertisers returns, and in which order.
struct AdvertiserQuery {
  std::string registry;               // empty: every registry
  std::optional<std::size_t> entity;  // entity slot (entity count = unattributed)
  std::optional<Nation> nation;       // only advertisers with spend there; figures of it sort
  std::optional<std::size_t> window;  // sort by this window; none: campaign-to-date
  Bound bound = Bound::kLower;        // the bound sorted by
};

/// One page of advertisers and how many matched in all.
struct AdvertiserPage {
  std::size_t total = 0;
  std::vector<AdvertiserTotals> advertisers;
};

/// The figure `query` sorts by, of one advertiser.
Pence SortKey(const AdvertiserTotals& a, const AdvertiserQuery& query);

/// Page [offset, offset + limit) of the merged advertisers matching `query`: largest sort key
/// first, then registry, page id and entity slot.
AdvertiserPage SelectAdvertisers(AdvertiserMerge merged, const AdvertiserQuery& query,
                                 std::size_t offset, std::size_t limit);

}  // namespace adwatch
