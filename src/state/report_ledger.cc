#include "state/report_ledger.h"

#include "core/bytes.h"
#include "core/spread.h"

namespace adwatch {
namespace {

constexpr EpochSeconds kDay = 86400;
constexpr std::string_view kRowPrefix = "#report:";  // + registry:advertiser_id
constexpr std::string_view kCountsRow = "#report";   // outcome counts
constexpr std::uint64_t kRowVersion = 1;

}  // namespace

std::size_t ReportLedger::Slot(EntityId id) const {
  return id == kUnattributed || Index(id) >= options_->entity_count ? options_->entity_count
                                                                    : Index(id);
}

Pence ReportLedger::InPeriod(Pence amount, EpochSeconds t0, EpochSeconds t) const {
  const auto& period = options_->regulated_period;
  return period ? SpreadWithin(amount, t0, t, period->start, period->end) : amount;
}

void ReportLedger::MarkDirty(Map::value_type& entry) {
  if (entry.second.dirty || !options_->track_changes) return;
  entry.second.dirty = true;
  dirty_.push_back(&entry);
}

Outcome ReportLedger::Apply(const Report& r, const Enricher& enricher) {
  key_.assign(r.registry).append(":").append(r.advertiser_id);
  auto it = advertisers_.find(key_);
  if (it == advertisers_.end()) {
    if (advertisers_.size() >= options_->max_ads) {
      ++too_many_;
      return Count(Outcome::kRejected);
    }
    Advertiser a;
    a.registry = r.registry;
    AdContent content;
    content.page_id = r.advertiser_id;
    content.page_name = r.advertiser_name;
    content.bylines = r.disclaimer;
    ThemeMask themes = 0;
    enricher.Enrich(r.registry, content, &a.entity, &themes);
    a.name = r.advertiser_name;
    a.disclaimer = r.disclaimer;
    it = advertisers_.emplace(key_, std::move(a)).first;
  }
  Advertiser& a = it->second;
  const Outcome o = r.kind == ReportKind::kWeekly ? ApplyWeekly(a, r) : ApplyToDate(a, r);
  // The ads count follows the newest release of its kind, whatever became of the amount.
  const int k = static_cast<int>(r.kind);
  if (r.ads_in_library && r.observed_at >= a.ads_observed[k] &&
      (r.observed_at != a.ads_observed[k] || *r.ads_in_library != a.ads[k])) {
    a.ads_observed[k] = r.observed_at;
    a.ads[k] = *r.ads_in_library;
    MarkDirty(*it);
  }
  if (o == Outcome::kApplied) MarkDirty(*it);
  return Count(o);
}

Outcome ReportLedger::ApplyWeekly(Advertiser& a, const Report& r) {
  const EpochSeconds start = *r.period_start;
  const EpochSeconds end = r.period_end + kDay;
  auto [it, inserted] = a.weeks.try_emplace(start);
  Week& w = it->second;
  if (!inserted && r.observed_at <= w.observed_at) {
    return r.observed_at == w.observed_at && r.amount == w.amount && end == w.end
               ? Outcome::kDuplicate
               : Outcome::kStale;
  }
  a.weekly_lower -= w.share_lower;
  a.weekly_upper -= w.share_upper;
  w.end = end;
  w.observed_at = r.observed_at;
  w.amount = r.amount;
  w.share_lower = InPeriod(r.amount.lower, start, end);
  w.share_upper = InPeriod(r.amount.upper, start, end);
  a.weekly_lower += w.share_lower;
  a.weekly_upper += w.share_upper;
  return Outcome::kApplied;
}

Outcome ReportLedger::ApplyToDate(Advertiser& a, const Report& r) {
  const EpochSeconds end = r.period_end + kDay;
  EpochSeconds t0 = end;
  if (a.to_date_end == kNever) {
    if (r.period_start && *r.period_start < end) t0 = *r.period_start;
  } else if (end < a.to_date_end) {
    return Outcome::kStale;
  } else if (end == a.to_date_end) {
    if (r.observed_at <= a.to_date_observed) {
      return r.observed_at == a.to_date_observed && r.amount == a.to_date ? Outcome::kDuplicate
                                                                          : Outcome::kStale;
    }
    t0 = a.to_date_t0;  // a reissued release: its correction spreads like the release did
  } else {
    t0 = a.to_date_end;
  }
  const SpendRange before = a.to_date_end == kNever ? SpendRange{} : a.to_date;
  a.to_date_lower += InPeriod(r.amount.lower - before.lower, t0, end);
  a.to_date_upper += InPeriod(r.amount.upper - before.upper, t0, end);
  a.to_date = r.amount;
  a.to_date_end = end;
  a.to_date_t0 = t0;
  a.to_date_observed = r.observed_at;
  return Outcome::kApplied;
}

void ReportLedger::AddTo(Figures& f) const {
  for (int o = 0; o < kOutcomeCount; ++o) f.outcomes[o] += outcomes_[o];
  f.rejects[static_cast<int>(RejectReason::kTooManyAds)] += too_many_;
  for (const auto& [key, a] : advertisers_) {
    ReportFigures& r = f.Reports(a.registry);
    const std::size_t e = Slot(a.entity);
    r.spend[e] += a.to_date_end != kNever ? a.to_date_lower : a.weekly_lower;
    const int k = a.ads_observed[static_cast<int>(ReportKind::kToDate)] != kNever
                      ? static_cast<int>(ReportKind::kToDate)
                      : static_cast<int>(ReportKind::kWeekly);
    r.ads[e] += a.ads[k];
  }
}

void ReportLedger::TakeDelta(std::vector<std::pair<std::string, std::string>>* rows) {
  for (Map::value_type* entry : dirty_) {
    const Advertiser& a = entry->second;
    ByteWriter out;
    out.U64(kRowVersion);
    out.Str(a.registry);
    out.U64(Index(a.entity));
    out.Str(a.name);
    out.Str(a.disclaimer);
    out.U64(a.weeks.size());
    for (const auto& [start, w] : a.weeks) {
      for (EpochSeconds v : {start, w.end, w.observed_at, w.amount.lower, w.amount.upper,
                             w.share_lower, w.share_upper}) {
        out.I64(v);
      }
      out.U64(w.amount.open_ended ? 1 : 0);
    }
    for (EpochSeconds v :
         {a.weekly_lower, a.weekly_upper, a.to_date_end, a.to_date_t0, a.to_date_observed,
          a.to_date.lower, a.to_date.upper, a.to_date_lower, a.to_date_upper, a.ads_observed[0],
          a.ads_observed[1], a.ads[0], a.ads[1]}) {
      out.I64(v);
    }
    out.U64(a.to_date.open_ended ? 1 : 0);
    rows->emplace_back(std::string(kRowPrefix) + entry->first, std::move(out.bytes()));
    entry->second.dirty = false;
  }
  dirty_.clear();
  if (counts_dirty_) {
    ByteWriter out;
    out.U64(kRowVersion);
    out.U64(kOutcomeCount);
    for (std::int64_t n : outcomes_) out.I64(n);
    out.I64(too_many_);
    rows->emplace_back(std::string(kCountsRow), std::move(out.bytes()));
    counts_dirty_ = false;
  }
}

bool ReportLedger::RestoreRow(std::string_view key, std::string_view bytes, std::string* error) {
  ByteReader in(bytes);
  const auto fail = [&] {
    *error = "report row " + std::string(key) + " does not decode";
    return false;
  };
  if (in.U64() != kRowVersion) return fail();
  if (key == kCountsRow) {
    if (in.U64() != kOutcomeCount) return fail();
    for (std::int64_t& n : outcomes_) n = in.I64();
    too_many_ = in.I64();
    return in.done() || fail();
  }
  if (!key.starts_with(kRowPrefix)) return fail();
  Advertiser a;
  a.registry = in.Str();
  const std::uint64_t entity = in.U64();
  a.entity = static_cast<EntityId>(entity);
  a.name = in.Str();
  a.disclaimer = in.Str();
  for (std::uint64_t n = in.U64(); in.ok() && n > 0; --n) {
    const EpochSeconds start = in.I64();
    Week& w = a.weeks[start];
    for (EpochSeconds* v : {&w.end, &w.observed_at, &w.amount.lower, &w.amount.upper,
                            &w.share_lower, &w.share_upper}) {
      *v = in.I64();
    }
    w.amount.open_ended = in.U64() != 0;
  }
  for (EpochSeconds* v :
       {&a.weekly_lower, &a.weekly_upper, &a.to_date_end, &a.to_date_t0, &a.to_date_observed,
        &a.to_date.lower, &a.to_date.upper, &a.to_date_lower, &a.to_date_upper, &a.ads_observed[0],
        &a.ads_observed[1], &a.ads[0], &a.ads[1]}) {
    *v = in.I64();
  }
  a.to_date.open_ended = in.U64() != 0;
  const std::string_view id = key.substr(kRowPrefix.size());
  const bool entity_ok = a.entity == kUnattributed || entity < options_->entity_count;
  if (!in.done() || !entity_ok || !id.starts_with(a.registry + ":")) return fail();
  advertisers_[std::string(id)] = std::move(a);
  return true;
}

}  // namespace adwatch
