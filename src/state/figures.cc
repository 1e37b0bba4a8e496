#include "state/figures.h"

#include <algorithm>

namespace adwatch {

Figures::Figures(std::size_t entity_slots, std::size_t theme_slots, std::size_t window_count)
    : entities(entity_slots),
      themes(theme_slots),
      windows(window_count),
      campaign_to_date(entity_slots),
      window(entity_slots * window_count),
      theme_window(entity_slots * theme_slots * window_count),
      ads_active(entity_slots * theme_slots),
      open_ended_ads(entity_slots),
      corrections(entity_slots) {}

RegistryFigures& Figures::Registry(const std::string& name) {
  auto it = std::lower_bound(
      registries.begin(), registries.end(), name,
      [](const RegistryFigures& r, const std::string& n) { return r.registry < n; });
  if (it == registries.end() || it->registry != name) {
    RegistryFigures r;
    r.registry = name;
    r.known.assign(entities, 0);
    r.missing.assign(entities, 0);
    r.unlisted.assign(entities, 0);
    r.removed.assign(entities, 0);
    r.missing_spend.assign(entities, Amounts{});
    it = registries.insert(it, std::move(r));
  }
  return *it;
}

}  // namespace adwatch
