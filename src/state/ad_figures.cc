#include "state/ad_figures.h"

#include <limits>

namespace adwatch {
namespace {

constexpr EpochSeconds kUnknown = std::numeric_limits<EpochSeconds>::min();
constexpr EpochSeconds kForever = std::numeric_limits<EpochSeconds>::max();
constexpr EpochSeconds kDay = 86400;

// The ad's activity interval [from, until): active at W when from <= W < until. An unknown
// start is no lower bound (kUnknown, before every W); an unknown stop no upper (kForever).
struct Interval {
  EpochSeconds from, until;
};

Interval ActiveInterval(const AdFacts& ad) {
  const EpochSeconds until = ad.delivery_stop == kUnknown         ? kForever
                             : ad.delivery_stop > kForever - kDay ? kForever
                                                                  : ad.delivery_stop + kDay;
  return {ad.delivery_start, until};
}

bool SameInterval(const AdFacts& a, const AdFacts& b) {
  return a.entity == b.entity && a.themes == b.themes &&
         (a.presence == Presence::kRemoved) == (b.presence == Presence::kRemoved) &&
         a.delivery_start == b.delivery_start && a.delivery_stop == b.delivery_stop;
}

}  // namespace

ActiveAds::ActiveAds(std::size_t entity_slots, std::size_t theme_count)
    : entity_slots_(entity_slots),
      theme_count_(theme_count),
      counts_(entity_slots * (theme_count + 1)) {}

void ActiveAds::Count(std::size_t entity, ThemeMask themes, std::int64_t delta) {
  const std::size_t row = entity * (theme_count_ + 1);
  if (themes == 0) {
    counts_[row + theme_count_] += delta;
    return;
  }
  for (std::size_t th = 0; th < theme_count_; ++th) {
    if (themes >> th & 1U) counts_[row + th] += delta;
  }
}

void ActiveAds::Pend(EpochSeconds t, std::size_t entity, ThemeMask themes, std::int64_t delta) {
  auto [it, inserted] = pending_.try_emplace(Key{t, entity, themes}, delta);
  if (inserted) return;
  it->second += delta;
  if (it->second == 0) pending_.erase(it);
}

void ActiveAds::Change(const AdFacts& ad, int sign) {
  if (ad.presence == Presence::kRemoved) return;
  const Interval i = ActiveInterval(ad);
  if (i.from >= i.until) return;     // stopped over a day before it started: never active
  if (i.from <= cursor_) {           // started at the cursor
    if (i.until <= cursor_) return;  // and no longer running
    Count(ad.entity, ad.themes, sign);
  } else {
    Pend(i.from, ad.entity, ad.themes, sign);
  }
  if (i.until != kForever) Pend(i.until, ad.entity, ad.themes, -sign);
}

void ActiveAds::Update(const AdFacts& before, const AdFacts& after) {
  if (SameInterval(before, after)) return;
  Change(before, -1);
  Change(after, +1);
}

bool ActiveAds::MoveTo(EpochSeconds w) {
  if (w < cursor_) return false;
  while (!pending_.empty() && std::get<0>(pending_.begin()->first) <= w) {
    const auto& [key, delta] = *pending_.begin();
    Count(std::get<1>(key), std::get<2>(key), delta);
    pending_.erase(pending_.begin());
  }
  cursor_ = w;
  return true;
}

void ActiveAds::Reset(EpochSeconds w) {
  pending_.clear();
  counts_.assign(counts_.size(), 0);
  cursor_ = w;
}

void ActiveAds::AddTo(Figures& f) const {
  for (std::size_t e = 0; e < entity_slots_; ++e) {
    for (std::size_t th = 0; th <= theme_count_; ++th) {
      f.Active(e, th) += counts_[e * (theme_count_ + 1) + th];
    }
  }
}

AdFigures::AdFigures(std::size_t entity_slots)
    : entity_slots_(entity_slots), open_ended_(entity_slots) {}

void AdFigures::Change(const AdFacts& ad, int sign) {
  const std::size_t e = ad.entity;
  const bool open_ended = ad.spend_known && ad.spend.open_ended;
  open_ended_[e] += sign * static_cast<int>(open_ended);
  if (counts_.size() < (ad.registry + 1) * entity_slots_) {
    counts_.resize((ad.registry + 1) * entity_slots_);
  }
  Counts& c = counts_[ad.registry * entity_slots_ + e];
  c.known += sign;
  if (ad.presence >= Presence::kMissing) {  // AdPresence::missing()
    c.missing += sign;
    c.unlisted += sign * static_cast<int>(ad.presence == Presence::kUnlisted);
    c.removed += sign * static_cast<int>(ad.presence == Presence::kRemoved);
    const Amounts spend{{ad.spend.lower, ad.spend.upper, ad.spend.Mid()}};
    for (int b = 0; b < kBoundCount; ++b) c.missing_spend.v[b] += sign * spend.v[b];
  } else {  // shown: compared with the registry's own reports (state/report_ledger.h)
    c.shown += sign;
    c.shown_upper += sign * ad.spend.upper;
    c.shown_open_ended += sign * static_cast<int>(open_ended);
  }
}

void AdFigures::AddTo(Figures& f, const std::vector<std::string>& registry_names) const {
  for (std::size_t e = 0; e < entity_slots_; ++e) f.open_ended_ads[e] += open_ended_[e];
  // Create every registry entry first: Registry() may insert and move earlier entries.
  for (const std::string& name : registry_names) f.Registry(name);
  for (std::size_t r = 0; r < registry_names.size(); ++r) {
    if (counts_.size() < (r + 1) * entity_slots_) break;
    RegistryFigures& out = f.Registry(registry_names[r]);
    for (std::size_t e = 0; e < entity_slots_; ++e) {
      const Counts& c = counts_[r * entity_slots_ + e];
      out.known[e] += c.known;
      out.missing[e] += c.missing;
      out.unlisted[e] += c.unlisted;
      out.removed[e] += c.removed;
      out.missing_spend[e] += c.missing_spend;
      out.shown[e] += c.shown;
      out.shown_upper[e] += c.shown_upper;
      out.shown_open_ended[e] += c.shown_open_ended;
    }
  }
}

}  // namespace adwatch
