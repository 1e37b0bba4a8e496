#include "state/advertiser_ledger.h"

#include <algorithm>
#include <tuple>

#include "core/spread.h"

namespace adwatch {
namespace {

void AppendLength(std::string& key, std::size_t n) { key.append(std::to_string(n)).append(1, ':'); }

// Whether names (at, page_name, bylines) replace the ones shown: the later first sighting,
// ties by the larger names bytewise (so that any order of ads gives the same result).
bool Later(EpochSeconds at, std::string_view name, std::string_view bylines, EpochSeconds shown_at,
           std::string_view shown_name, std::string_view shown_bylines) {
  return std::tie(at, name, bylines) > std::tie(shown_at, shown_name, shown_bylines);
}

// SplitByShares, without its wide arithmetic when one nation has everything (every ad without
// region data, and most ads of a local campaign): the same parts.
std::array<Pence, kNationCount> Split(Pence amount, const NationShares& shares) {
  for (int n = 0; n < kNationCount; ++n) {
    if (shares.parts[n] == NationShares::kWhole) {
      std::array<Pence, kNationCount> parts{};
      parts[n] = amount;
      return parts;
    }
  }
  return SplitByShares(amount, shares);
}

}  // namespace

std::string AdvertiserLedger::MergeKey(std::string_view registry, std::size_t slot,
                                       std::string_view page_id) {
  std::string key;
  AppendLength(key, registry.size());
  key.append(registry).append(std::to_string(slot)).append(1, ':').append(page_id);
  return key;
}

std::uint32_t AdvertiserLedger::FindOrAdd(std::uint8_t registry, std::size_t slot,
                                          std::string_view page_id) {
  key_.assign(1, static_cast<char>(registry)).append(std::to_string(slot)).append(1, ':');
  key_.append(page_id);
  if (const auto it = advertiser_index_.find(key_); it != advertiser_index_.end()) {
    return it->second;
  }
  const auto index = static_cast<std::uint32_t>(advertisers_.size());
  Advertiser& a = advertisers_.emplace_back();
  a.page_id = page_id;
  a.registry = registry;
  a.slot = static_cast<std::uint16_t>(slot);
  a.shown = UINT32_MAX;
  advertiser_index_.emplace(key_, index);
  return index;
}

std::uint32_t AdvertiserLedger::Intern(std::uint8_t registry, std::size_t slot,
                                       std::string_view page_id, std::string_view page_name,
                                       std::string_view bylines, EpochSeconds first_seen) {
  const std::uint32_t advertiser = FindOrAdd(registry, slot, page_id);
  // Length-prefixed, so that no choice of names (control characters included) collides.
  key_.assign(std::to_string(advertiser)).append(1, ':');
  AppendLength(key_, page_name.size());
  key_.append(page_name).append(bylines);
  std::uint32_t name;
  if (const auto it = name_index_.find(key_); it != name_index_.end()) {
    name = it->second;
  } else {
    name = static_cast<std::uint32_t>(names_.size());
    names_.push_back({std::string(page_name), std::string(bylines), advertiser});
    name_index_.emplace(key_, name);
  }
  Advertiser& a = advertisers_[advertiser];
  ++a.ads;
  if (a.shown == UINT32_MAX || Later(first_seen, page_name, bylines, a.shown_at,
                                     names_[a.shown].page_name, names_[a.shown].bylines)) {
    a.shown = name;
    a.shown_at = first_seen;
  }
  return name;
}

void AdvertiserLedger::ChangeSpend(std::uint32_t name, const std::optional<SpendRange>& before,
                                   const NationShares& before_shares, const SpendRange& after,
                                   const NationShares& after_shares) {
  if (before && *before == after && before_shares == after_shares) return;  // a repeat sighting
  Advertiser& a = advertisers_[names_[name].advertiser];
  const auto add = [&](const SpendRange& s, const NationShares& shares, Pence sign) {
    const Pence bounds[kBoundCount] = {s.lower, s.upper, s.Mid()};
    for (int b = 0; b < kBoundCount; ++b) {
      a.campaign_to_date.v[b] += sign * bounds[b];
      const auto parts = Split(bounds[b], shares);
      for (int n = 0; n < kNationCount; ++n) a.nations[n].v[b] += sign * parts[n];
    }
    a.open_ended += s.open_ended ? sign : 0;
  };
  if (before) add(*before, before_shares, -1);
  add(after, after_shares, 1);
}

void AdvertiserLedger::ApplySpend(std::uint32_t name, const std::optional<SpendRange>& before,
                                  const NationShares& before_shares, const SpendRange& after,
                                  const NationShares& after_shares, EpochSeconds t0, EpochSeconds t,
                                  const Amounts& credit, EpochSeconds horizon) {
  ChangeSpend(name, before, before_shares, after, after_shares);
  if (credit.v[static_cast<int>(Bound::kUpper)] > 0 && t > horizon) {
    AddIncrement(name, t0, t, credit, horizon);
  }
}

void AdvertiserLedger::Add(Advertiser& a, EpochSeconds t0, EpochSeconds t, const Amounts& amount,
                           EpochSeconds horizon) {
  if (a.increments.size() >= a.prune_at) {
    std::erase_if(a.increments, [&](const Increment& inc) { return inc.t <= horizon; });
    a.prune_at = std::max<std::size_t>(8, a.increments.size() * 2);
  }
  // Kept sorted by (t, t0); increments over the same interval (ads of one advertiser seen in
  // the same crawl) are one amount, whatever order they came in (README → Advertisers).
  const auto at =
      std::lower_bound(a.increments.begin(), a.increments.end(), std::pair(t, t0),
                       [](const Increment& inc, const std::pair<EpochSeconds, EpochSeconds>& key) {
                         return std::pair(inc.t, inc.t0) < key;
                       });
  if (at != a.increments.end() && at->t == t && at->t0 == t0) {
    at->amount += amount;
  } else {
    a.increments.insert(at, {t0, t, amount});
  }
}

void AdvertiserLedger::AddIncrement(std::uint32_t name, EpochSeconds t0, EpochSeconds t,
                                    const Amounts& amount, EpochSeconds horizon) {
  Add(advertisers_[names_[name].advertiser], t0, t, amount, horizon);
}

bool AdvertiserLedger::AddIncrement(std::uint8_t registry, std::size_t slot,
                                    std::string_view page_id, EpochSeconds t0, EpochSeconds t,
                                    const Amounts& amount, EpochSeconds horizon) {
  key_.assign(1, static_cast<char>(registry)).append(std::to_string(slot)).append(1, ':');
  key_.append(page_id);
  const auto it = advertiser_index_.find(key_);
  if (it == advertiser_index_.end()) return false;
  Add(advertisers_[it->second], t0, t, amount, horizon);
  return true;
}

void AdvertiserLedger::Collect(const std::vector<std::string>& registries,
                               const std::vector<EpochSeconds>& window_seconds,
                               std::optional<EpochSeconds> watermark,
                               AdvertiserMerge* merged) const {
  const EpochSeconds edge = watermark ? *watermark : 0;
  for (const Advertiser& a : advertisers_) {
    const std::string& registry = registries[a.registry];
    auto [it, inserted] = merged->try_emplace(MergeKey(registry, a.slot, a.page_id));
    AdvertiserTotals& t = it->second;
    const Name& shown = names_[a.shown];
    if (inserted) {
      t.registry = registry;
      t.page_id = a.page_id;
      t.entity = a.slot;
      t.windows.resize(window_seconds.size());
    }
    if (inserted ||
        Later(a.shown_at, shown.page_name, shown.bylines, t.names_at, t.page_name, t.bylines)) {
      t.page_name = shown.page_name;
      t.bylines = shown.bylines;
      t.names_at = a.shown_at;
    }
    t.ads += a.ads;
    t.open_ended_ads += a.open_ended;
    t.campaign_to_date += a.campaign_to_date;
    for (int n = 0; n < kNationCount; ++n) t.nations[n] += a.nations[n];
    if (!watermark) continue;
    for (std::size_t w = 0; w < window_seconds.size(); ++w) {
      const EpochSeconds from = edge - window_seconds[w];
      for (const Increment& inc : a.increments) {
        if (inc.t <= from) continue;
        for (int b = 0; b < kBoundCount; ++b) {
          t.windows[w].v[b] += SpreadWithin(inc.amount.v[b], inc.t0, inc.t, from, edge);
        }
      }
    }
  }
}

Pence SortKey(const AdvertiserTotals& a, const AdvertiserQuery& query) {
  const auto b = static_cast<int>(query.bound);
  if (query.window) return a.windows[*query.window].v[b];
  if (query.nation) return a.nations[static_cast<int>(*query.nation)].v[b];
  return a.campaign_to_date.v[b];
}

AdvertiserPage SelectAdvertisers(AdvertiserMerge merged, const AdvertiserQuery& query,
                                 std::size_t offset, std::size_t limit) {
  std::vector<AdvertiserTotals*> matches;
  matches.reserve(merged.size());
  for (auto& [key, a] : merged) {
    if (!query.registry.empty() && a.registry != query.registry) continue;
    if (query.entity && *query.entity != a.entity) continue;
    if (query.nation &&
        a.nations[static_cast<int>(*query.nation)].v[static_cast<int>(Bound::kUpper)] <= 0) {
      continue;
    }
    matches.push_back(&a);
  }
  AdvertiserPage page;
  page.total = matches.size();
  const std::size_t first = std::min(offset, matches.size());
  const std::size_t last = first + std::min(limit, matches.size() - first);
  std::partial_sort(matches.begin(), matches.begin() + static_cast<std::ptrdiff_t>(last),
                    matches.end(), [&](const AdvertiserTotals* x, const AdvertiserTotals* y) {
                      const Pence kx = SortKey(*x, query), ky = SortKey(*y, query);
                      if (kx != ky) return kx > ky;
                      return std::tie(x->registry, x->page_id, x->entity) <
                             std::tie(y->registry, y->page_id, y->entity);
                    });
  for (std::size_t i = first; i < last; ++i) page.advertisers.push_back(std::move(*matches[i]));
  return page;
}

}  // namespace adwatch
