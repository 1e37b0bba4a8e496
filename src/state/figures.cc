#include "state/figures.h"

#include <algorithm>

namespace adwatch {

Figures::Figures(std::size_t entity_slots, std::size_t theme_slots, std::size_t window_count)
    : entities(entity_slots),
      themes(theme_slots),
      windows(window_count),
      campaign_to_date(entity_slots),
      nation_campaign_to_date(entity_slots * kNationCount),
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
    r.shown.assign(entities, 0);
    r.shown_upper.assign(entities, 0);
    r.shown_open_ended.assign(entities, 0);
    it = registries.insert(it, std::move(r));
  }
  return *it;
}

ReportFigures& Figures::Reports(const std::string& registry) {
  auto it =
      std::lower_bound(reports.begin(), reports.end(), registry,
                       [](const ReportFigures& r, const std::string& n) { return r.registry < n; });
  if (it == reports.end() || it->registry != registry) {
    ReportFigures r;
    r.registry = registry;
    r.spend.assign(entities, 0);
    r.ads.assign(entities, 0);
    it = reports.insert(it, std::move(r));
  }
  return *it;
}

Pence Figures::ReportGap(const ReportFigures& r, std::size_t e) const {
  const auto it = std::find_if(registries.begin(), registries.end(),
                               [&](const RegistryFigures& g) { return g.registry == r.registry; });
  if (it == registries.end()) return std::max<Pence>(r.spend[e], 0);
  if (it->shown_open_ended[e] > 0) return 0;  // no upper bound to exceed
  return std::max<Pence>(r.spend[e] - it->shown_upper[e], 0);
}

std::int64_t Figures::ReportAdsGap(const ReportFigures& r, std::size_t e) const {
  const auto it = std::find_if(registries.begin(), registries.end(),
                               [&](const RegistryFigures& g) { return g.registry == r.registry; });
  const std::int64_t shown = it == registries.end() ? 0 : it->shown[e];
  return std::max<std::int64_t>(r.ads[e] - shown, 0);
}

}  // namespace adwatch
