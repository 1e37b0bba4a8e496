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

}  // namespace adwatch
