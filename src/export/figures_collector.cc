#include "export/figures_collector.h"

#include <limits>
#include <string>
#include <utility>

namespace adwatch {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

double Gbp(Pence pence) { return static_cast<double>(pence) / kPencePerPound; }

// Calls `add(labels, e)` for each of the first `count` parties, labels {party, registry}.
template <typename Add>
void ForEachParty(const std::vector<std::string>& parties, std::size_t count,
                  const std::string& registry, Add add) {
  for (std::size_t e = 0; e < count; ++e) {
    add(std::vector<ClientMetric::Label>{{"party", parties[e]}, {"registry", registry}}, e);
  }
}

class FamilyBuilder {
 public:
  FamilyBuilder(std::string name, std::string help, MetricType type) {
    family_.name = std::move(name);
    family_.help = std::move(help);
    family_.type = type;
  }
  void Add(std::vector<ClientMetric::Label> labels, double value) {
    ClientMetric m;
    m.label = std::move(labels);
    if (family_.type == MetricType::Counter) {
      m.counter.value = value;
    } else {
      m.gauge.value = value;
    }
    family_.metric.push_back(std::move(m));
  }
  void AddBounds(std::vector<ClientMetric::Label> labels, const Amounts& a) {
    for (int b = 0; b < kBoundCount; ++b) {
      auto l = labels;
      l.push_back({"bound", kBoundNames[b]});
      Add(std::move(l), Gbp(a.v[b]));
    }
  }
  MetricFamily Take() { return std::move(family_); }

 private:
  MetricFamily family_;
};

}  // namespace

FiguresCollector::FiguresCollector(const Config& config, std::function<Figures()> snapshot)
    : snapshot_(std::move(snapshot)) {
  for (const EntityConfig& e : config.entities) {
    entities_.push_back(e.name);
    entity_types_.emplace_back(EntityTypeName(e.type));
    limits_.push_back(e.spending_limit);
    nation_limits_.push_back(e.nation_spending_limits);
  }
  entities_.emplace_back("unattributed");
  for (const ThemeConfig& t : config.themes) themes_.push_back(t.name);
  themes_.emplace_back("none");
  for (const WindowSpec& w : config.windows) windows_.push_back(w.name);
}

std::vector<MetricFamily> FiguresCollector::Collect() const { return Families(snapshot_()); }

std::vector<MetricFamily> FiguresCollector::Families(const Figures& f) const {
  std::vector<MetricFamily> out;
  {
    FamilyBuilder spend("adwatch_spend_gbp",
                        "Campaign-to-date spend inside the regulated period, GBP",
                        MetricType::Gauge);
    FamilyBuilder open("adwatch_spend_open_ended_ads",
                       "Ads whose latest spend bucket is open-ended", MetricType::Gauge);
    FamilyBuilder corrections("adwatch_spend_corrections_total",
                              "Sightings whose cumulative spend bound went down",
                              MetricType::Counter);
    FamilyBuilder info("adwatch_party_info", "Configured entities and their type",
                       MetricType::Gauge);
    FamilyBuilder limit("adwatch_spend_limit_gbp", "Configured statutory spending limit, GBP",
                        MetricType::Gauge);
    for (std::size_t e = 0; e < f.entities; ++e) {
      const std::string& party = entities_[e];
      spend.AddBounds({{"party", party}}, f.campaign_to_date[e]);
      open.Add({{"party", party}}, static_cast<double>(f.open_ended_ads[e]));
      corrections.Add({{"party", party}}, static_cast<double>(f.corrections[e]));
      if (e < entity_types_.size()) {
        info.Add({{"party", party}, {"type", entity_types_[e]}}, 1);
        if (limits_[e]) limit.Add({{"party", party}}, Gbp(*limits_[e]));
      }
    }
    FamilyBuilder no_disclaimer(
        "adwatch_spend_no_disclaimer_gbp",
        "Campaign-to-date spend of unattributed ads that ran without a disclaimer, GBP",
        MetricType::Gauge);
    no_disclaimer.AddBounds({}, f.no_disclaimer);
    for (auto* b : {&spend, &open, &corrections, &info, &limit, &no_disclaimer}) {
      out.push_back(b->Take());
    }
  }
  {
    FamilyBuilder nation_limit("adwatch_spend_limit_nation_gbp",
                               "Configured statutory spending limit in one UK nation, GBP",
                               MetricType::Gauge);
    for (std::size_t e = 0; e < f.entities && e < nation_limits_.size(); ++e) {
      for (int n = 0; n < kNationCount; ++n) {
        if (const auto& l = nation_limits_[e][n]) {
          nation_limit.Add(
              {{"party", entities_[e]}, {"nation", std::string(NationName(Nation(n)))}}, Gbp(*l));
        }
      }
    }
    out.push_back(nation_limit.Take());
  }
  {
    FamilyBuilder window("adwatch_spend_window_gbp",
                         "Spread spend in the window ending at the watermark, GBP",
                         MetricType::Gauge);
    FamilyBuilder theme("adwatch_theme_spend_window_gbp",
                        "Spread spend per theme in the window ending at the watermark, GBP",
                        MetricType::Gauge);
    FamilyBuilder active("adwatch_ads_active", "Ads delivering at the watermark",
                         MetricType::Gauge);
    for (std::size_t e = 0; e < f.entities; ++e) {
      const std::string& party = entities_[e];
      for (std::size_t w = 0; w < f.windows; ++w) {
        window.AddBounds({{"party", party}, {"window", windows_[w]}}, f.Window(e, w));
        for (std::size_t th = 0; th < f.themes; ++th) {
          theme.AddBounds({{"party", party}, {"theme", themes_[th]}, {"window", windows_[w]}},
                          f.ThemeWindow(e, th, w));
        }
      }
      for (std::size_t th = 0; th < f.themes; ++th) {
        active.Add({{"party", party}, {"theme", themes_[th]}},
                   static_cast<double>(f.Active(e, th)));
      }
    }
    out.push_back(window.Take());
    out.push_back(theme.Take());
    out.push_back(active.Take());
  }
  {  // README "What the figures mean" → Nations: per party and bound they sum to the UK figure.
    FamilyBuilder ctd("adwatch_spend_nation_gbp",
                      "Campaign-to-date spend inside the regulated period by UK nation, GBP",
                      MetricType::Gauge);
    FamilyBuilder window("adwatch_spend_nation_window_gbp",
                         "Spread spend by UK nation in the window ending at the watermark, GBP",
                         MetricType::Gauge);
    for (std::size_t e = 0; e < f.entities; ++e) {
      for (std::size_t n = 0; n < kNationCount; ++n) {
        const std::string nation(NationName(static_cast<Nation>(n)));
        ctd.AddBounds({{"party", entities_[e]}, {"nation", nation}}, f.NationCtd(e, n));
        for (std::size_t w = 0; w < f.windows; ++w) {
          window.AddBounds({{"party", entities_[e]}, {"nation", nation}, {"window", windows_[w]}},
                           f.NationWindow(e, n, w));
        }
      }
    }
    out.push_back(ctd.Take());
    out.push_back(window.Take());
  }
  {
    FamilyBuilder known("adwatch_registry_ads_known", "Ads known per registry", MetricType::Gauge);
    FamilyBuilder missing("adwatch_registry_ads_missing",
                          "Ads seen in an earlier crawl and not listed in the latest one",
                          MetricType::Gauge);
    FamilyBuilder unlisted("adwatch_registry_ads_unlisted",
                           "Missing ads still fetchable by id (hidden from listing)",
                           MetricType::Gauge);
    FamilyBuilder removed("adwatch_registry_ads_removed",
                          "Missing ads the registry answered not_found for", MetricType::Gauge);
    FamilyBuilder missing_spend("adwatch_registry_missing_spend_gbp",
                                "Latest cumulative spend of missing ads, GBP", MetricType::Gauge);
    FamilyBuilder last_end("adwatch_registry_last_crawl_end_timestamp_seconds",
                           "Completion time of the latest crawl_end", MetricType::Gauge);
    FamilyBuilder listed(
        "adwatch_registry_ads_listed",
        "Ads listed in the latest crawl of each registry scope, as the crawler reported",
        MetricType::Gauge);
    for (const RegistryFigures& r : f.registries) {
      ForEachParty(entities_, f.entities, r.registry, [&](const auto& l, std::size_t e) {
        known.Add(l, static_cast<double>(r.known[e]));
        missing.Add(l, static_cast<double>(r.missing[e]));
        unlisted.Add(l, static_cast<double>(r.unlisted[e]));
        removed.Add(l, static_cast<double>(r.removed[e]));
        missing_spend.AddBounds(l, r.missing_spend[e]);
      });
      if (r.last_crawl_end) {
        last_end.Add({{"registry", r.registry}}, static_cast<double>(*r.last_crawl_end));
      }
      for (const auto& [scope, listing] : r.ads_listed) {
        listed.Add({{"registry", r.registry}, {"scope", scope}},
                   static_cast<double>(listing.second));
      }
    }
    for (auto* b : {&known, &missing, &unlisted, &removed, &missing_spend, &last_end, &listed}) {
      out.push_back(b->Take());
    }
  }
  {
    FamilyBuilder spend("adwatch_report_spend_gbp",
                        "Campaign-to-date spend per the registry's own reports (lower bound), GBP",
                        MetricType::Gauge);
    FamilyBuilder ads("adwatch_report_ads", "Ads in the library per the registry's latest reports",
                      MetricType::Gauge);
    FamilyBuilder gap("adwatch_report_gap_gbp",
                      "Reported spend above the upper bound of the ads the registry shows, GBP "
                      "(0 when not above)",
                      MetricType::Gauge);
    FamilyBuilder ads_gap("adwatch_report_ads_gap",
                          "Reported ads in the library above the ads the registry shows "
                          "(0 when not above)",
                          MetricType::Gauge);
    for (const ReportFigures& r : f.reports) {
      ForEachParty(entities_, f.entities, r.registry, [&](const auto& l, std::size_t e) {
        spend.Add(l, Gbp(r.spend[e]));
        ads.Add(l, static_cast<double>(r.ads[e]));
        gap.Add(l, Gbp(f.ReportGap(r, e)));
        ads_gap.Add(l, static_cast<double>(f.ReportAdsGap(r, e)));
      });
    }
    // The other side of the comparison, so that Prometheus can compare sums across instances
    // (reports and ads are keyed differently and may live on different instances).
    FamilyBuilder shown("adwatch_report_shown_upper_gbp",
                        "Sum of the latest upper spend bounds of the ads the registry shows "
                        "(known, not missing), GBP; +Inf when one is open-ended",
                        MetricType::Gauge);
    for (const RegistryFigures& r : f.registries) {
      ForEachParty(entities_, f.entities, r.registry, [&](const auto& l, std::size_t e) {
        shown.Add(l, r.shown_open_ended[e] > 0 ? std::numeric_limits<double>::infinity()
                                               : Gbp(r.shown_upper[e]));
      });
    }
    for (auto* b : {&spend, &ads, &gap, &ads_gap, &shown}) out.push_back(b->Take());
  }
  {
    FamilyBuilder events("adwatch_events_total", "Input messages by outcome", MetricType::Counter);
    for (int o = 0; o < kOutcomeCount; ++o) {
      events.Add({{"outcome", std::string(kOutcomeNames[o])}},
                 static_cast<double>(f.outcomes[static_cast<std::size_t>(o)]));
    }
    FamilyBuilder rejects("adwatch_rejected_total", "Rejected input messages by reason",
                          MetricType::Counter);
    for (int r = 0; r < kRejectReasonCount; ++r) {
      rejects.Add({{"reason", std::string(RejectReasonName(static_cast<RejectReason>(r)))}},
                  static_cast<double>(f.rejects[static_cast<std::size_t>(r)]));
    }
    out.push_back(events.Take());
    out.push_back(rejects.Take());
  }
  FamilyBuilder tracked("adwatch_ads_tracked",
                        "Ads held in memory; a partition holds at most "
                        "limits.max_ads_per_partition (new ads beyond: too_many_ads)",
                        MetricType::Gauge);
  tracked.Add({}, static_cast<double>(f.ads_tracked));
  out.push_back(tracked.Take());
  FamilyBuilder held("adwatch_events_held",
                     "Messages held back, dated more than event_time.max_lead ahead of their "
                     "partition's event time (README: event time)",
                     MetricType::Gauge);
  held.Add({}, static_cast<double>(f.events_held));
  out.push_back(held.Take());
  {  // Advertisers: bounded counts only, never names (README → Advertisers).
    FamilyBuilder advertisers("adwatch_advertisers",
                              "Distinct advertisers (registry + page id) per attributed entity",
                              MetricType::Gauge);
    for (std::size_t e = 0; e < f.entities && e < entities_.size(); ++e) {
      advertisers.Add({{"party", entities_[e]}}, static_cast<double>(f.advertisers[e]));
    }
    FamilyBuilder unregistered("adwatch_unregistered_over_threshold",
                               "Unattributed advertisers whose lower-bound campaign-to-date in "
                               "the nation is over its registration threshold",
                               MetricType::Gauge);
    for (int n = 0; n < kNationCount; ++n) {
      if (static_cast<Nation>(n) == Nation::kUnknown) continue;  // no threshold
      unregistered.Add({{"nation", std::string(NationName(static_cast<Nation>(n)))}},
                       static_cast<double>(f.unregistered_over_threshold[n]));
    }
    out.push_back(advertisers.Take());
    out.push_back(unregistered.Take());
  }
  FamilyBuilder watermark("adwatch_watermark_timestamp_seconds",
                          "Event time: the latest completed crawl (README: event time)",
                          MetricType::Gauge);
  if (f.watermark) watermark.Add({}, static_cast<double>(*f.watermark));
  out.push_back(watermark.Take());
  return out;
}

}  // namespace adwatch
