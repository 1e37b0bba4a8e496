#include "core/spread.h"

namespace adwatch {

Pence SpreadUpTo(Pence amount, EpochSeconds t0, EpochSeconds t, EpochSeconds x) {
  if (x >= t) return amount;
  if (x <= t0 || t <= t0) return 0;
  __extension__ typedef __int128 Wide;  // NOLINT(modernize-use-using)
  const Wide num = static_cast<Wide>(amount) * (x - t0);
  const Wide den = t - t0;
  Wide q = num / den;
  if (num % den != 0 && num < 0) --q;  // floor, also for corrections (negative amounts)
  return static_cast<Pence>(q);
}

}  // namespace adwatch
