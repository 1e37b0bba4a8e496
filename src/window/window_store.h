// Event-time windows (SPEC §3 "Windows"): keeps the spend increments that can still fall in a
// window ending at the watermark and sums their spread shares on demand.
//
// Rounding rule, exact in pence: an increment D spread over (t0, t] contributes to the window
// (W - len, W] the amount SpreadUpTo(D, t0, t, W) - SpreadUpTo(D, t0, t, W - len), per bound
// (see core/spread.h; floor of D * elapsed / duration). Only non-negative increments enter
// windows: corrections never make window spend negative.
// Not thread-safe: owned by one partition's state.
#pragma once

#include <vector>

#include "core/ids.h"
#include "core/money.h"
#include "core/nation.h"
#include "core/time.h"

namespace adwatch {

struct WindowIncrement {
  EpochSeconds t0 = 0;  // spread over (t0, t]
  EpochSeconds t = 0;
  Amounts amount;  // non-negative per bound
  EntityId entity = kUnattributed;
  ThemeMask themes = 0;
  NationShares nations;  // the ad's shares at this increment's sighting
};

class WindowStore {
 public:
  /// Adds an increment unless it ends at or before `horizon` (it can fall in no window).
  void Add(const WindowIncrement& inc, EpochSeconds horizon);

  /// Drops increments ending at or before `horizon` (watermark - longest window).
  void Prune(EpochSeconds horizon);

  /// Calls f(increment, share) for every increment with a non-zero share in (from, to].
  template <typename F>
  void ForEachShare(EpochSeconds from, EpochSeconds to, F&& f) const;

  std::size_t size() const { return increments_.size(); }

 private:
  std::vector<WindowIncrement> increments_;
};

}  // namespace adwatch

#include "core/spread.h"

namespace adwatch {

template <typename F>
void WindowStore::ForEachShare(EpochSeconds from, EpochSeconds to, F&& f) const {
  for (const WindowIncrement& inc : increments_) {
    if (inc.t <= from || inc.t0 >= to) continue;
    Amounts share;
    for (int b = 0; b < kBoundCount; ++b) {
      share.v[b] = SpreadWithin(inc.amount.v[b], inc.t0, inc.t, from, to);
    }
    f(inc, share);
  }
}

}  // namespace adwatch
