// The spreading rule (SPEC §3): an increment of cumulative spend seen at t with the previous
// sighting at t0 was spent uniformly over (t0, t]. Pure integer arithmetic, exact in pence.
#pragma once

#include "core/money.h"
#include "core/time.h"

namespace adwatch {

/// The part of `amount` spread over (t0, t] that falls at or before x:
/// floor(amount * (clamp(x, t0, t) - t0) / (t - t0)). When t <= t0 the whole amount sits at t.
/// Cumulative, so shares of adjacent intervals add up to the amount exactly.
Pence SpreadUpTo(Pence amount, EpochSeconds t0, EpochSeconds t, EpochSeconds x);

/// The part of `amount` spread over (t0, t] that falls in (a, b].
inline Pence SpreadWithin(Pence amount, EpochSeconds t0, EpochSeconds t, EpochSeconds a,
                          EpochSeconds b) {
  if (b <= a) return 0;
  return SpreadUpTo(amount, t0, t, b) - SpreadUpTo(amount, t0, t, a);
}

/// Window edges sit on this grid (README "What the figures mean" -> Windows): a window of
/// length L at event time W covers (GridFloor(W) - L, GridFloor(W)], so spend can be kept as
/// per-cell totals instead of per-increment records. Every window length is a multiple of it.
inline constexpr EpochSeconds kWindowGridSeconds = 300;

/// The latest grid point at or before t (floors negative times too).
inline EpochSeconds GridFloor(EpochSeconds t) {
  const EpochSeconds r = t % kWindowGridSeconds;
  return r < 0 ? t - r - kWindowGridSeconds : t - r;
}

/// Calls f(cell_end, share) for every grid cell (cell_end - grid, cell_end] ending after
/// `after` that gets a non-zero share of `amount` spread over (t0, t] (SpreadWithin per cell,
/// so the shares of all cells add up to the amount exactly). When t <= t0 the whole amount
/// sits in the cell holding t. Times are parsed timestamps (years 0-9999): no overflow.
template <typename F>
void ForEachGridShare(Pence amount, EpochSeconds t0, EpochSeconds t, EpochSeconds after, F&& f) {
  if (amount == 0) return;
  if (t <= t0) {
    const EpochSeconds end = GridFloor(t - 1) + kWindowGridSeconds;
    if (end > after) f(end, amount);
    return;
  }
  const EpochSeconds begin = t0 > after ? t0 : after;
  for (EpochSeconds end = GridFloor(begin) + kWindowGridSeconds; end - kWindowGridSeconds < t;
       end += kWindowGridSeconds) {
    const Pence share = SpreadWithin(amount, t0, t, end - kWindowGridSeconds, end);
    if (share != 0) f(end, share);
  }
}

}  // namespace adwatch
