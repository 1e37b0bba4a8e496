#include "state/partition_state.h"

#include <algorithm>

#include "core/spread.h"

namespace adwatch {

StateOptions StateOptions::FromConfig(const Config& config) {
  StateOptions o;
  o.entity_count = config.entities.size();
  o.theme_count = config.themes.size();
  o.windows = config.windows;
  o.grace_seconds = config.grace_seconds;
  o.regulated_period = config.regulated_period;
  return o;
}

EpochSeconds StateOptions::LongestWindow() const {
  EpochSeconds longest = 0;
  for (const WindowSpec& w : windows) longest = std::max(longest, w.seconds);
  return longest;
}

std::size_t PartitionState::Slot(EntityId id) const {
  return id == kUnattributed ? options_->entity_count : Index(id);
}

std::uint8_t PartitionState::InternName(std::vector<std::string>& names, std::string_view name) {
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (names[i] == name) return static_cast<std::uint8_t>(i);
  }
  // Registry names are validated and few; scopes are bounded by what crawlers send. Past 255
  // distinct values, further ones share the last slot rather than overflow.
  if (names.size() >= 255) return 254;
  names.emplace_back(name);
  return static_cast<std::uint8_t>(names.size() - 1);
}

Outcome PartitionState::ApplyObservation(const Observation& obs, EpochSeconds watermark,
                                         const Enricher& enricher) {
  key_.assign(obs.registry).append(":").append(obs.ad_id);
  auto it = ads_.find(std::string_view(key_));
  if (it == ads_.end()) {
    if (obs.status == AdStatus::kNotFound) return Outcome::kApplied;  // nothing known to change
    AdRecord record;
    enricher.Enrich(obs.registry, obs.content, &record.entity, &record.themes);
    record.registry = InternName(registries_, obs.registry);
    it = ads_.emplace(key_, record).first;
  }
  AdRecord& ad = it->second;
  if (ad.last_observed != kNever && obs.observed_at <= ad.last_observed) {
    return obs.observed_at == ad.last_observed ? Outcome::kDuplicate : Outcome::kStale;
  }
  const bool late = watermark != kNever && obs.observed_at < watermark - options_->grace_seconds;
  ad.last_observed = obs.observed_at;
  if (!obs.scope.empty()) ad.scope = InternName(scopes_, obs.scope);
  if (obs.status == AdStatus::kPresent) {
    ad.delivery_start = obs.delivery_start.value_or(ad.delivery_start);
    ad.delivery_stop = obs.delivery_stop.value_or(kNever);
    if (obs.spend)
      ApplySpend(ad, *obs.spend, obs.observed_at, std::max(watermark, obs.observed_at));
  }
  tracker_.RecordSighting(obs, ad.presence);
  return late ? Outcome::kLate : Outcome::kApplied;
}

void PartitionState::ApplySpend(AdRecord& ad, const SpendRange& spend, EpochSeconds t,
                                EpochSeconds watermark) {
  EpochSeconds t0 = ad.spend_seen_at;
  if (t0 == kNever)
    t0 = ad.delivery_start != kNever && ad.delivery_start < t ? ad.delivery_start : t;
  const SpendRange before = ad.spend_seen_at == kNever ? SpendRange{} : ad.spend;
  const Amounts delta{
      {spend.lower - before.lower, spend.upper - before.upper, spend.Mid() - before.Mid()}};
  ad.spend = spend;
  ad.spend_seen_at = t;

  if (campaign_to_date_.empty()) {
    campaign_to_date_.resize(options_->entity_count + 1);
    corrections_.resize(options_->entity_count + 1);
  }
  const std::size_t slot = Slot(ad.entity);
  WindowIncrement inc{t0, t, {}, ad.entity, ad.themes};
  bool correction = false, grows = false;
  for (int b = 0; b < kBoundCount; ++b) {
    const Pence d = delta.v[b];
    const auto& period = options_->regulated_period;
    campaign_to_date_[slot].v[b] += period ? SpreadWithin(d, t0, t, period->start, period->end) : d;
    correction |= d < 0;
    grows |= d > 0;
    inc.amount.v[b] = std::max<Pence>(d, 0);
  }
  if (correction) ++corrections_[slot];
  if (!grows) return;
  const EpochSeconds horizon = watermark - options_->LongestWindow();
  windows_.Add(inc, horizon);
  if (windows_.size() >= prune_at_) {
    windows_.Prune(horizon);
    prune_at_ = std::max<std::size_t>(4096, windows_.size() * 2);
  }
}

Outcome PartitionState::ApplyCrawlEnd(const CrawlEnd& end) {
  const auto crawl = tracker_.BeginCrawlEnd(end);
  if (!crawl) return Outcome::kDuplicate;
  const std::uint8_t registry = InternName(registries_, end.registry);
  const std::uint8_t scope = end.scope.empty() ? 0 : InternName(scopes_, end.scope);
  for (auto& [key, ad] : ads_) {
    if (ad.registry != registry) continue;
    if (scope != 0 && ad.scope != 0 && ad.scope != scope) continue;
    if (ad.scope == 0) ad.scope = scope;
    CrawlTracker::Reconcile(*crawl, ad.presence);
  }
  return Outcome::kApplied;
}

void PartitionState::AddTo(Figures& f, EpochSeconds watermark) const {
  const std::size_t none_theme = options_->theme_count;
  for (std::size_t e = 0; e < campaign_to_date_.size(); ++e) {
    f.campaign_to_date[e] += campaign_to_date_[e];
    f.corrections[e] += corrections_[e];
  }
  // Index registries of this partition into the snapshot once.
  // Create every registry entry first: Registry() may insert and move earlier entries.
  for (const std::string& name : registries_) f.Registry(name);
  std::vector<RegistryFigures*> regs;
  regs.reserve(registries_.size());
  for (const std::string& name : registries_) regs.push_back(&f.Registry(name));

  for (const auto& [key, ad] : ads_) {
    const std::size_t e = Slot(ad.entity);
    if (ad.spend_seen_at != kNever && ad.spend.open_ended) ++f.open_ended_ads[e];
    RegistryFigures& r = *regs[ad.registry];
    ++r.known[e];
    if (ad.presence.missing()) {
      ++r.missing[e];
      r.unlisted[e] += ad.presence.presence == Presence::kUnlisted;
      r.removed[e] += ad.presence.presence == Presence::kRemoved;
      r.missing_spend[e] += Amounts{{ad.spend.lower, ad.spend.upper, ad.spend.Mid()}};
    }
    const bool started = ad.delivery_start == kNever || ad.delivery_start <= watermark;
    const bool running = ad.delivery_stop == kNever || watermark < ad.delivery_stop + 86400;
    if (watermark != kNever && started && running && ad.presence.presence != Presence::kRemoved) {
      if (ad.themes == 0) ++f.Active(e, none_theme);
      for (std::size_t th = 0; th < options_->theme_count; ++th) {
        if (ad.themes >> th & 1U) ++f.Active(e, th);
      }
    }
  }
  for (const auto& [name, status] : tracker_.registries()) {
    RegistryFigures& r = f.Registry(name);
    if (!r.last_crawl_end || status.last_crawl_end >= *r.last_crawl_end) {
      r.last_crawl_end = status.last_crawl_end;
      r.ads_listed = status.ads_listed;
    }
  }
  if (watermark == kNever) return;
  for (std::size_t w = 0; w < options_->windows.size(); ++w) {
    const EpochSeconds from = watermark - options_->windows[w].seconds;
    windows_.ForEachShare(from, watermark, [&](const WindowIncrement& inc, const Amounts& share) {
      const std::size_t e = Slot(inc.entity);
      f.Window(e, w) += share;
      if (inc.themes == 0) f.ThemeWindow(e, none_theme, w) += share;
      for (std::size_t th = 0; th < options_->theme_count; ++th) {
        if (inc.themes >> th & 1U) f.ThemeWindow(e, th, w) += share;
      }
    });
  }
}

}  // namespace adwatch
