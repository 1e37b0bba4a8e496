// The figures a partition once derived by walking every tracked ad at each snapshot, kept as
// counters instead: per registry × entity slot the known, missing, unlisted, removed and shown
// ads, missing spend and shown upper bounds; open-ended ads per entity; active ads per
// (entity, theme). PartitionState subtracts an ad's contribution (AdFacts) before each change
// and adds it after, so AddTo costs O(registries × entities + entities × themes), not O(ads).
//
// Active ads depend on the time they are counted at (README "What the figures mean"): an ad
// not removed is active at W when delivery_start <= W < delivery_stop + 1 day (an unknown start
// or stop is no bound). ActiveAds keeps the counts at a cursor and a time-ordered map of the
// transitions still ahead of it, so moving the cursor forward costs the transitions passed; a
// move backwards (the instance watermark falls when a partition is revoked) is answered by a
// recount from the ads (PartitionState does it, rarely).
// Not thread-safe: the partition's external lock covers it.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "core/ids.h"
#include "core/money.h"
#include "core/time.h"
#include "registry/crawl_tracker.h"
#include "state/figures.h"

namespace adwatch {

/// What one ad contributes to the counted figures, read off its record.
struct AdFacts {
  std::size_t registry = 0;  // index into the partition's registry names
  std::size_t entity = 0;    // entity slot (unattributed last)
  ThemeMask themes = 0;
  Presence presence = Presence::kUnknown;
  bool spend_known = false;                 // a sighting carried spend
  SpendRange spend;                         // latest cumulative bounds (zero when never reported)
  EpochSeconds delivery_start = INT64_MIN;  // INT64_MIN: unknown
  EpochSeconds delivery_stop = INT64_MIN;   // INT64_MIN: still running
  friend bool operator==(const AdFacts&, const AdFacts&) = default;
};

/// Ads active at a moving time W, per (entity slot, theme slot); see the file comment.
class ActiveAds {
 public:
  ActiveAds(std::size_t entity_slots, std::size_t theme_count);

  /// Adds (sign +1) or removes (-1) the ad's activity interval.
  void Change(const AdFacts& ad, int sign);
  /// An ad changed from `before` to `after` (nothing to do when its interval is the same).
  void Update(const AdFacts& before, const AdFacts& after);
  /// Moves the cursor to `w`. False when `w` is behind it: the caller recounts (Reset, then
  /// Change(+1) for every ad).
  bool MoveTo(EpochSeconds w);
  /// Forgets every ad and puts the cursor at `w`.
  void Reset(EpochSeconds w);
  /// Adds the counts at the cursor to f.ads_active.
  void AddTo(Figures& f) const;
  EpochSeconds cursor() const { return cursor_; }
  /// Transitions held ahead of the cursor (memory: one map node each).
  std::size_t pending() const { return pending_.size(); }

 private:
  using Key = std::tuple<EpochSeconds, std::size_t, ThemeMask>;  // time, entity, themes
  void Count(std::size_t entity, ThemeMask themes, std::int64_t delta);
  void Pend(EpochSeconds t, std::size_t entity, ThemeMask themes, std::int64_t delta);

  std::size_t entity_slots_, theme_count_;
  EpochSeconds cursor_ = INT64_MIN;      // INT64_MIN: before every time
  std::vector<std::int64_t> counts_;     // [entity][theme slot] at the cursor
  std::map<Key, std::int64_t> pending_;  // transitions after the cursor: +1 start, -1 end
};

/// The counted figures of one partition's ads (everything but the active ads' time).
class AdFigures {
 public:
  explicit AdFigures(std::size_t entity_slots);

  void Add(const AdFacts& ad) { Change(ad, +1); }
  void Remove(const AdFacts& ad) { Change(ad, -1); }
  /// An ad changed from `before` to `after` (nothing to do when its facts are equal).
  void Update(const AdFacts& before, const AdFacts& after) {
    if (before == after) return;
    Change(before, -1);
    Change(after, +1);
  }
  /// Adds the registry figures (by registry index into `registry_names`) and open-ended ads.
  void AddTo(Figures& f, const std::vector<std::string>& registry_names) const;

 private:
  struct Counts {
    std::int64_t known = 0, missing = 0, unlisted = 0, removed = 0, shown = 0, shown_open_ended = 0;
    Amounts missing_spend;
    Pence shown_upper = 0;
  };
  void Change(const AdFacts& ad, int sign);

  std::size_t entity_slots_;
  std::vector<Counts> counts_;            // [registry][entity]
  std::vector<std::int64_t> open_ended_;  // [entity]
};

}  // namespace adwatch
