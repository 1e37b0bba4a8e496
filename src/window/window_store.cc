#include "window/window_store.h"

#include <algorithm>

namespace adwatch {

void WindowStore::Add(const WindowIncrement& inc, EpochSeconds horizon) {
  if (inc.t <= horizon) return;
  increments_.push_back(inc);
}

void WindowStore::Prune(EpochSeconds horizon) {
  std::erase_if(increments_, [horizon](const WindowIncrement& inc) { return inc.t <= horizon; });
}

}  // namespace adwatch
