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
  o.max_ads = config.limits.max_ads_per_partition;
  o.max_lead_seconds = config.event_time.max_lead_seconds;
  o.lead_quorum = static_cast<std::size_t>(config.event_time.quorum);
  o.registration_thresholds = RegistrationThresholdsPence(config);
  return o;
}

std::array<Pence, kNationCount> RegistrationThresholdsPence(const Config& config) {
  std::array<Pence, kNationCount> t{};
  for (int n = 0; n < kNationCount; ++n) {
    t[n] = config.registration_thresholds[n].value_or(std::numeric_limits<Pence>::max());
  }
  return t;
}

EpochSeconds StateOptions::LongestWindow() const {
  EpochSeconds longest = 0;
  for (const WindowSpec& w : windows) longest = std::max(longest, w.seconds);
  return longest;
}

bool PartitionState::KnownEntity(EntityId id) const {
  return id == kUnattributed || Index(id) < options_->entity_count;
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

EpochSeconds PartitionState::Horizon() const {
  return watermark_ - options_->LongestWindow();
}


void PartitionState::CollectAdvertisers(std::optional<EpochSeconds> watermark,
                                        AdvertiserMerge* merged) const {
  std::vector<EpochSeconds> lengths;
  for (const WindowSpec& w : options_->windows) lengths.push_back(w.seconds);
  advertisers_.Collect(registries_, lengths, watermark, merged);
}

PartitionState::AdHandle PartitionState::FindAd(std::string_view registry,
                                                std::string_view id) const {
  const auto name = std::find(registries_.begin(), registries_.end(), registry);
  if (name == registries_.end()) return AdMap::kNone;
  return ads_.Find(static_cast<std::uint8_t>(name - registries_.begin()), id);
}

void PartitionState::FindAds(const AdFilter& filter, std::vector<AdRef>* out) const {
  const auto registry = std::find(registries_.begin(), registries_.end(), filter.registry);
  if (!filter.registry.empty() && registry == registries_.end()) return;
  for (AdHandle h = 0; h < ads_.size(); ++h) {
    const AdRecord& ad = ads_[h];
    if (!filter.presence[static_cast<std::size_t>(ad.presence.presence)]) continue;
    if (!filter.registry.empty() && ad.registry != registry - registries_.begin()) continue;
    if (filter.entity && *filter.entity != Slot(ad.entity)) continue;
    out->push_back({ad.spend_seen_at == kNever ? Pence{-1} : ad.spend.lower, h, this});
  }
}

bool AdKeyLess(const AdRef& a, const AdRef& b) {
  AdIdBuffer buf_a, buf_b;
  const std::string_view id_a = a.partition->ads_.keys().IdView(a.ad, buf_a);
  const std::string_view id_b = b.partition->ads_.keys().IdView(b.ad, buf_b);
  const std::string_view reg_a = a.partition->registries_[a.partition->ads_[a.ad].registry];
  const std::string_view reg_b = b.partition->registries_[b.partition->ads_[b.ad].registry];
  if (reg_a == reg_b) return id_a < id_b;
  // Different registries: compare the joined texts "registry:id" character by character.
  const auto at = [](std::string_view reg, std::string_view id, std::size_t i) {
    return i < reg.size() ? reg[i] : i == reg.size() ? ':' : id[i - reg.size() - 1];
  };
  const std::size_t len_a = reg_a.size() + 1 + id_a.size(), len_b = reg_b.size() + 1 + id_b.size();
  for (std::size_t i = 0; i < std::min(len_a, len_b); ++i) {
    const auto ca = static_cast<unsigned char>(at(reg_a, id_a, i));
    const auto cb = static_cast<unsigned char>(at(reg_b, id_b, i));
    if (ca != cb) return ca < cb;
  }
  return len_a < len_b;
}

AdListing PartitionState::Listing(const AdRef& ref) const {
  const AdRecord& ad = ads_[ref.ad];
  const std::string& registry = registries_[ad.registry];
  return {registry,
          ads_.keys().Id(ref.ad),
          Slot(ad.entity),
          ad.presence.presence,
          advertisers_.page_name(ad.advertiser),
          advertisers_.bylines(ad.advertiser),
          ad.first_observed,
          ad.last_observed,
          ad.spend_seen_at == kNever ? std::nullopt : std::optional(ad.spend),
          ad.themes};
}

AdFacts PartitionState::Facts(const AdRecord& ad) const {
  return {ad.registry,
          Slot(ad.entity),
          ad.themes,
          ad.presence.presence,
          ad.spend_seen_at != kNever,
          ad.spend,
          ad.delivery_start,
          ad.delivery_stop};
}

void PartitionState::MarkDirty(AdHandle h) {
  AdRecord& ad = ads_[h];
  if (ad.dirty || !options_->track_changes) return;
  ad.dirty = true;
  dirty_.push_back(h);
}

void PartitionState::RecordReject(RejectReason reason) {
  last_reject_ = reason;
  ++rejects_[static_cast<int>(reason)];
  Count(Outcome::kRejected);
}

Outcome PartitionState::Apply(const Message& message, const Enricher& enricher) {
  if (const auto* obs = std::get_if<Observation>(&message)) return ApplyObservation(*obs, enricher);
  const CrawlEnd& end = std::get<CrawlEnd>(message);
  if (end.completed_at < end.started_at) {
    RecordReject(RejectReason::kBadTimestamp);
    return Outcome::kRejected;
  }
  // Before any event time, a crawl_end anchors nothing by itself: held until the stream
  // corroborates it (or a sighting anchors event time).
  if (watermark_ == kNever || Ahead(end.completed_at)) return Hold(end, enricher);
  AdvanceTo(end.completed_at, end.completed_at, enricher);
  crawl_time_ = true;
  return ApplyCrawlEndNow(end, /*count=*/true);
}

bool PartitionState::Ahead(EpochSeconds t) const {
  return watermark_ != kNever && t - watermark_ > options_->max_lead_seconds;
}

Outcome PartitionState::Hold(Message message, const Enricher& enricher) {
  if (held_.full()) {
    RecordReject(RejectReason::kAheadOfWatermark);
    return Outcome::kRejected;
  }
  const EpochSeconds t = EventTime(message);
  held_from_ = held_.empty() ? t : std::min(held_from_, t);
  held_.Hold(std::move(message));
  held_changed_ = true;
  Count(Outcome::kHeld);
  // Enough distinct ads and crawls dated ahead: the stream supports that time. Event time
  // moves there, and what no longer leads it by more than max_lead is applied in arrival order.
  while (const auto corroborated = held_.CorroboratedTime(options_->lead_quorum)) {
    if (watermark_ != kNever && *corroborated <= watermark_) break;
    watermark_ = *corroborated;
    while (Release(watermark_ + options_->max_lead_seconds, enricher)) {
    }
  }
  return Outcome::kHeld;
}

void PartitionState::AdvanceTo(EpochSeconds t, EpochSeconds release, const Enricher& enricher) {
  if (watermark_ == kNever || t > watermark_) watermark_ = t;
  Release(release, enricher);
}

bool PartitionState::Release(EpochSeconds release, const Enricher& enricher) {
  if (held_.empty() || held_from_ > release) return false;
  std::deque<Message> pending = held_.TakeAll();
  held_changed_ = true;
  held_from_ = kNever;
  for (Message& m : pending) {
    const EpochSeconds at = EventTime(m);
    if (at > release) {
      held_from_ = held_.empty() ? at : std::min(held_from_, at);
      held_.Hold(std::move(m));
    } else if (const auto* obs = std::get_if<Observation>(&m)) {
      if (!crawl_time_) watermark_ = std::max(watermark_, at);
      ApplyObservationNow(*obs, enricher, /*count=*/false);
    } else {
      watermark_ = std::max(watermark_, at);
      crawl_time_ = true;
      ApplyCrawlEndNow(std::get<CrawlEnd>(m), /*count=*/false);
    }
  }
  return true;
}

Outcome PartitionState::ApplyObservation(const Observation& obs, const Enricher& enricher) {
  bool refused = false;  // a new ad beyond the cap: rejected below, moves nothing
  if (obs.status != AdStatus::kNotFound && ads_.size() >= MaxAds()) {
    refused = FindAd(obs.registry, obs.ad_id) == AdMap::kNone;
  }
  if (!refused && Ahead(obs.observed_at)) return Hold(obs, enricher);
  // Sightings move event time only until the first crawl_end (streams without crawls).
  if (!refused && !crawl_time_) AdvanceTo(obs.observed_at, obs.observed_at, enricher);
  return ApplyObservationNow(obs, enricher, /*count=*/true);
}

Outcome PartitionState::ApplyObservationNow(const Observation& obs, const Enricher& enricher,
                                            bool count) {
  const auto counted = [&](Outcome o) {
    if (count) Count(o);
    return o;
  };
  AdHandle h = FindAd(obs.registry, obs.ad_id);
  if (h == AdMap::kNone) {
    if (obs.status == AdStatus::kNotFound) return counted(Outcome::kApplied);  // nothing to change
    if (ads_.size() >= MaxAds()) {  // memory stays bounded; the new ad is refused
      if (count) {
        RecordReject(RejectReason::kTooManyAds);
      } else {
        ++rejects_[static_cast<int>(RejectReason::kTooManyAds)];
      }
      return Outcome::kRejected;
    }
    AdRecord record;
    enricher.Enrich(obs.registry, obs.content, &record.entity, &record.themes);
    record.no_disclaimer = RanWithoutDisclaimer(obs.registry, obs.content);
    record.registry = InternName(registries_, obs.registry);
    record.advertiser =
        advertisers_.Intern(record.registry, Slot(record.entity), obs.content.page_id,
                            obs.content.page_name, obs.content.bylines, obs.observed_at);
    h = ads_.Insert(record.registry, obs.ad_id, record);
    figures_.Add(Facts(record));
    active_.Change(Facts(record), +1);
  }
  AdRecord& ad = ads_[h];
  if (ad.last_observed != kNever && obs.observed_at <= ad.last_observed) {
    return counted(obs.observed_at == ad.last_observed ? Outcome::kDuplicate : Outcome::kStale);
  }
  const AdFacts facts_before = Facts(ad);
  MarkDirty(h);
  const bool late = obs.observed_at < watermark_ - options_->grace_seconds;
  ad.last_observed = obs.observed_at;
  if (ad.first_observed == kNever) ad.first_observed = obs.observed_at;  // sightings only grow
  if (!obs.scope.empty()) ad.scope = InternName(scopes_, obs.scope);
  if (obs.status == AdStatus::kPresent) {
    const NationShares shares_before = ad.nations;
    if (obs.nations) ad.nations = *obs.nations;  // applies to this sighting's increment on
    ad.delivery_start = obs.delivery_start.value_or(ad.delivery_start);
    ad.delivery_stop = obs.delivery_stop.value_or(kNever);
    if (obs.spend) {
      ApplySpend(ad, *obs.spend, obs.observed_at, shares_before);
    } else if (ad.nations != shares_before && ad.spend_seen_at != kNever) {
      // The advertiser's nations follow the ad's latest bounds and shares (README Advertisers).
      advertisers_.ChangeSpend(ad.advertiser, ad.spend, shares_before, ad.spend, ad.nations);
    }
  }
  tracker_.RecordSighting(obs, ad.presence);
  CountChange(facts_before, Facts(ad));
  return counted(late ? Outcome::kLate : Outcome::kApplied);
}

Amounts WindowCredit(AdRecord& ad, const SpendRange& spend) {
  const Pence lower0 = ad.credit_lower, upper0 = ad.credit_upper;
  ad.peak_lower = std::max(ad.peak_lower, spend.lower);
  ad.credit_upper = std::max(ad.credit_upper, spend.upper);
  // The lower credit follows the lower high-water mark only as far as the upper credit grows
  // in the same sighting: every increment then has lower <= mid <= upper.
  ad.credit_lower = std::max(lower0, std::min(ad.peak_lower, lower0 + (ad.credit_upper - upper0)));
  const auto mid = [](Pence lower, Pence upper) { return SpendRange{lower, upper, false}.Mid(); };
  return Amounts{{ad.credit_lower - lower0, ad.credit_upper - upper0,
                  mid(ad.credit_lower, ad.credit_upper) - mid(lower0, upper0)}};
}

void PartitionState::ApplySpend(AdRecord& ad, const SpendRange& spend, EpochSeconds t,
                                const NationShares& shares_before) {
  EpochSeconds t0 = ad.spend_seen_at;
  if (t0 == kNever)
    t0 = ad.delivery_start != kNever && ad.delivery_start < t ? ad.delivery_start : t;
  const std::optional<SpendRange> seen =
      ad.spend_seen_at == kNever ? std::nullopt : std::optional(ad.spend);
  const SpendRange before = seen.value_or(SpendRange{});
  const Amounts delta{
      {spend.lower - before.lower, spend.upper - before.upper, spend.Mid() - before.Mid()}};
  ad.spend = spend;
  ad.spend_seen_at = t;

  if (campaign_to_date_.empty()) {
    campaign_to_date_.resize(options_->entity_count + 1);
    nation_ctd_.resize((options_->entity_count + 1) * kNationCount);
    corrections_.resize(options_->entity_count + 1);
  }
  const std::size_t slot = Slot(ad.entity);
  const bool no_disclaimer = ad.no_disclaimer && ad.entity == kUnattributed;
  WindowIncrement inc{t0, t, WindowCredit(ad, spend), ad.entity, ad.themes, ad.nations};
  const EpochSeconds horizon = Horizon();  // watermark_ is set
  advertisers_.ApplySpend(ad.advertiser, seen, shares_before, spend, ad.nations, t0, t, inc.amount,
                          horizon);
  bool correction = false;
  for (int b = 0; b < kBoundCount; ++b) {
    const Pence d = delta.v[b];
    const auto& period = options_->regulated_period;
    const Pence in_period = period ? SpreadWithin(d, t0, t, period->start, period->end) : d;
    campaign_to_date_[slot].v[b] += in_period;
    const auto parts = SplitByShares(in_period, ad.nations);
    for (std::size_t n = 0; n < kNationCount; ++n) {
      nation_ctd_[slot * kNationCount + n].v[b] += parts[n];
    }
    if (no_disclaimer) no_disclaimer_.v[b] += in_period;
    correction |= d < 0;
  }
  const bool grows = inc.amount.v[1] > 0;  // the upper credit grows whenever anything does
  if (correction) ++corrections_[slot];
  if (!grows) return;
  if (inc.t <= horizon) return;  // can fall in no window, now or later
  windows_.Add(inc, horizon);
  if (options_->track_changes) {
    new_increments_.push_back(inc);
    new_increment_names_.push_back(ad.advertiser);
  }
  if (windows_.size() >= prune_at_) {
    windows_.Prune(horizon);
    prune_at_ = std::max<std::size_t>(4096, windows_.size() * 2);
  }
}

Outcome PartitionState::ApplyCrawlEndNow(const CrawlEnd& end, bool count) {
  const auto crawl = tracker_.BeginCrawlEnd(end);
  if (!crawl) {
    if (count) Count(Outcome::kDuplicate);
    return Outcome::kDuplicate;
  }
  const std::uint8_t registry = InternName(registries_, end.registry);
  const std::uint8_t scope = end.scope.empty() ? 0 : InternName(scopes_, end.scope);
  for (AdHandle h = 0; h < ads_.size(); ++h) {
    AdRecord& ad = ads_[h];
    if (ad.registry != registry) continue;
    const AdRecord before = ad;
    // An ad whose sightings carried no scope takes the scope of the crawl it was seen in.
    if (ad.scope == 0 &&
        (ad.presence.last_listed_crawl == *crawl || ad.presence.by_id_crawl == *crawl)) {
      ad.scope = scope;
    }
    // Only that scope's ads are reconciled; a crawl_end without scope, only ads without one.
    if (ad.scope != scope) continue;
    CrawlTracker::Reconcile(*crawl, ad.presence);
    if (ad.scope != before.scope || ad.presence.presence != before.presence.presence) {
      MarkDirty(h);
    }
    if (ad.presence.presence != before.presence.presence) CountChange(Facts(before), Facts(ad));
  }
  if (count) Count(Outcome::kApplied);
  return Outcome::kApplied;
}

void PartitionState::AddTo(Figures& f, EpochSeconds watermark) const {
  const std::size_t none_theme = options_->theme_count;
  for (std::size_t e = 0; e < campaign_to_date_.size(); ++e) {
    f.campaign_to_date[e] += campaign_to_date_[e];
    f.corrections[e] += corrections_[e];
    for (std::size_t n = 0; n < kNationCount; ++n) {
      f.NationCtd(e, n) += nation_ctd_[e * kNationCount + n];
    }
  }
  f.no_disclaimer += no_disclaimer_;
  for (int o = 0; o < kOutcomeCount; ++o) f.outcomes[o] += outcomes_[o];
  for (int r = 0; r < kRejectReasonCount; ++r) f.rejects[r] += rejects_[r];
  f.ads_tracked += static_cast<std::int64_t>(ads_.size());
  f.events_held += static_cast<std::int64_t>(held_.size());
  figures_.AddTo(f, registries_);
  if (watermark != kNever) {
    if (!active_.MoveTo(watermark)) {  // behind the cursor (a partition was dropped): recount
      active_.Reset(watermark);
      for (const AdRecord& ad : ads_) active_.Change(Facts(ad), +1);
    }
    active_.AddTo(f);
  }
  for (const auto& [name, status] : tracker_.registries()) {
    RegistryFigures& r = f.Registry(name);
    if (!r.last_crawl_end || status.last_crawl_end >= *r.last_crawl_end) {
      r.last_crawl_end = status.last_crawl_end;
    }
    for (const auto& [scope, listing] : status.scopes) {
      if (!listing.ads_listed) continue;
      auto [it, inserted] =
          r.ads_listed.try_emplace(scope, listing.completed_at, *listing.ads_listed);
      if (!inserted && listing.completed_at > it->second.first) {
        it->second = {listing.completed_at, *listing.ads_listed};
      }
    }
  }
  if (watermark == kNever) return;
  for (std::size_t w = 0; w < options_->windows.size(); ++w) {
    const EpochSeconds from = watermark - options_->windows[w].seconds;
    windows_.ForEachShare(from, watermark, [&](const WindowIncrement& inc, const Amounts& share) {
      const std::size_t e = Slot(inc.entity);
      f.Window(e, w) += share;
      for (int b = 0; b < kBoundCount; ++b) {
        const auto parts = SplitByShares(share.v[b], inc.nations);
        for (std::size_t n = 0; n < kNationCount; ++n) f.NationWindow(e, n, w).v[b] += parts[n];
      }
      if (inc.themes == 0) f.ThemeWindow(e, none_theme, w) += share;
      for (std::size_t th = 0; th < options_->theme_count; ++th) {
        if (inc.themes >> th & 1U) f.ThemeWindow(e, th, w) += share;
      }
    });
  }
}

}  // namespace adwatch

// ---- Persistence: the byte formats below are version 4 of the state fingerprint. ----

namespace adwatch {
namespace {

// The advertiser's names travel with each ad row (the in-memory table is rebuilt on restore).
void EncodeAd(const AdRecord& ad, std::string_view page_id, std::string_view page_name,
              std::string_view bylines, ByteWriter& out) {
  out.I64(ad.first_observed);
  out.I64(ad.last_observed);
  out.I64(ad.spend_seen_at);
  out.I64(ad.delivery_start);
  out.I64(ad.delivery_stop);
  out.I64(ad.spend.lower);
  out.I64(ad.spend.upper);
  out.U64(ad.spend.open_ended ? 1 : 0);
  out.U64(ad.themes);
  out.U64(Index(ad.entity));
  out.U64(ad.registry);
  out.U64(ad.scope);
  out.U64(ad.presence.last_listed_crawl);
  out.U64(ad.presence.by_id_crawl);
  out.U64(static_cast<std::uint64_t>(ad.presence.by_id_status));
  out.U64(static_cast<std::uint64_t>(ad.presence.presence));
  out.U64(ad.no_disclaimer ? 1 : 0);
  out.I64(ad.peak_lower);
  out.I64(ad.credit_lower);
  out.I64(ad.credit_upper);
  out.Str(page_name);
  out.Str(bylines);
  out.Str(page_id);
  for (std::uint16_t p : ad.nations.parts) out.U64(p);
}

// Parts per 10,000 that sum to the whole (what the decoders produce).
bool DecodeShares(ByteReader& in, NationShares* shares) {
  std::uint64_t sum = 0;
  for (std::uint16_t& p : shares->parts) {
    const std::uint64_t v = in.U64();
    if (v > NationShares::kWhole) return false;
    p = static_cast<std::uint16_t>(v);
    sum += v;
  }
  return sum == NationShares::kWhole;
}

bool DecodeAd(std::string_view bytes, AdRecord* ad, std::string_view* page_id,
              std::string_view* page_name, std::string_view* bylines) {
  ByteReader in(bytes);
  // Times are stored in 5 bytes: each must fit (every parsed timestamp does).
  bool times_fit = true;
  for (PackedTime* t : {&ad->first_observed, &ad->last_observed, &ad->spend_seen_at,
                        &ad->delivery_start, &ad->delivery_stop}) {
    const EpochSeconds v = in.I64();
    times_fit &= PackedTime::Fits(v);
    *t = v;
  }
  ad->spend.lower = in.I64();
  ad->spend.upper = in.I64();
  ad->spend.open_ended = in.U64() != 0;
  ad->themes = in.U64();
  // Narrow fields are range-checked before they are narrowed.
  const std::uint64_t entity = in.U64(), registry = in.U64(), scope = in.U64();
  const std::uint64_t listed = in.U64(), by_id = in.U64(), status = in.U64(), presence = in.U64();
  ad->no_disclaimer = in.U64() != 0;
  ad->peak_lower = in.I64();
  ad->credit_lower = in.I64();
  ad->credit_upper = in.I64();
  *page_name = in.StrView();
  *bylines = in.StrView();
  *page_id = in.StrView();
  if (!DecodeShares(in, &ad->nations)) return false;
  if (!times_fit || entity > 0xFFFF || registry > 0xFF || scope > 0xFF || listed > 0xFFFFFFFF ||
      by_id > 0xFFFFFFFF || status > static_cast<std::uint64_t>(AdStatus::kNotFound) ||
      presence > static_cast<std::uint64_t>(Presence::kRemoved)) {
    return false;
  }
  ad->entity = static_cast<EntityId>(entity);
  ad->registry = static_cast<std::uint8_t>(registry);
  ad->scope = static_cast<std::uint8_t>(scope);
  ad->presence.last_listed_crawl = static_cast<std::uint32_t>(listed);
  ad->presence.by_id_crawl = static_cast<std::uint32_t>(by_id);
  ad->presence.by_id_status = static_cast<AdStatus>(status);
  ad->presence.presence = static_cast<Presence>(presence);
  return in.done();
}

// The increment's advertiser (registry index and page id; its entity is the increment's) follows.
std::string EncodeIncrement(const WindowIncrement& inc, std::uint8_t registry,
                            std::string_view page_id) {
  ByteWriter out;
  out.I64(inc.t0);
  out.I64(inc.t);
  for (Pence v : inc.amount.v) out.I64(v);
  out.U64(Index(inc.entity));
  out.U64(inc.themes);
  for (std::uint16_t p : inc.nations.parts) out.U64(p);
  out.U64(registry);
  out.Str(page_id);
  return std::move(out.bytes());
}

bool DecodeIncrement(std::string_view bytes, WindowIncrement* inc, std::uint64_t* registry,
                     std::string* page_id) {
  ByteReader in(bytes);
  inc->t0 = in.I64();
  inc->t = in.I64();
  for (Pence& v : inc->amount.v) v = in.I64();
  inc->entity = static_cast<EntityId>(in.U64());
  inc->themes = in.U64();
  if (!DecodeShares(in, &inc->nations)) return false;
  *registry = in.U64();
  *page_id = in.Str();
  return in.done();
}

// Names of the metadata parts written only when they change.
constexpr char kHeldPart[] = "held";
constexpr char kCrawlsPart[] = "crawls";

}  // namespace

std::string PartitionState::EncodeMeta() const {
  ByteWriter out;
  out.I64(watermark_);
  out.U64(crawl_time_ ? 1 : 0);
  out.U64(campaign_to_date_.size());
  for (const Amounts& a : campaign_to_date_) {
    for (Pence v : a.v) out.I64(v);
  }
  for (std::int64_t c : corrections_) out.I64(c);
  for (const Amounts& a : nation_ctd_) {
    for (Pence v : a.v) out.I64(v);
  }
  for (Pence v : no_disclaimer_.v) out.I64(v);
  out.U64(kOutcomeCount);
  for (std::int64_t n : outcomes_) out.I64(n);
  out.U64(kRejectReasonCount);
  for (std::int64_t n : rejects_) out.I64(n);
  out.U64(registries_.size());
  for (const std::string& r : registries_) out.Str(r);
  out.U64(scopes_.size());
  for (const std::string& sc : scopes_) out.Str(sc);
  return std::move(out.bytes());
}

bool PartitionState::DecodeMeta(const PartitionSnapshot& snapshot) {
  for (const auto& [name, bytes] : snapshot.meta_parts) {
    ByteReader part(bytes);
    if (name == kHeldPart) {
      if (!held_.Decode(part) || !part.done()) return false;
      held_from_ = held_.Earliest();
    } else if (name == kCrawlsPart) {
      if (!tracker_.Decode(part) || !part.done()) return false;
      crawls_written_ = bytes;
    } else {
      return false;
    }
  }
  ByteReader in(snapshot.meta);
  watermark_ = in.I64();
  crawl_time_ = in.U64() != 0;
  const std::uint64_t entities = in.U64();
  if (!in.ok() || (entities != 0 && entities != options_->entity_count + 1)) return false;
  campaign_to_date_.resize(entities);
  corrections_.resize(entities);
  for (Amounts& a : campaign_to_date_) {
    for (Pence& v : a.v) v = in.I64();
  }
  for (std::int64_t& c : corrections_) c = in.I64();
  nation_ctd_.resize(entities * kNationCount);
  for (Amounts& a : nation_ctd_) {
    for (Pence& v : a.v) v = in.I64();
  }
  for (Pence& v : no_disclaimer_.v) v = in.I64();
  if (in.U64() != kOutcomeCount) return false;
  for (std::int64_t& n : outcomes_) n = in.I64();
  // Reasons are only ever appended: state written before a new one has fewer counts.
  const std::uint64_t reasons = in.U64();
  if (reasons > kRejectReasonCount) return false;
  for (std::uint64_t r = 0; r < reasons; ++r) rejects_[r] = in.I64();
  registries_.clear();
  for (std::uint64_t n = in.U64(); in.ok() && n > 0; --n) registries_.push_back(in.Str());
  scopes_.clear();
  for (std::uint64_t n = in.U64(); in.ok() && n > 0; --n) scopes_.push_back(in.Str());
  return in.done() && !scopes_.empty();
}

PartitionDelta PartitionState::TakeDelta(const std::string& topic, std::int32_t partition,
                                         std::int64_t next_offset) {
  PartitionDelta d;
  d.topic = topic;
  d.partition = partition;
  d.next_offset = next_offset;
  d.meta = EncodeMeta();
  if (held_changed_) {
    ByteWriter out;
    held_.Encode(out);
    d.meta_parts.emplace_back(kHeldPart, std::move(out.bytes()));
    held_changed_ = false;
  }
  {
    // Small (crawls under way and one per scope), so compared rather than tracked.
    ByteWriter out;
    tracker_.Encode(out);
    if (out.bytes() != crawls_written_) {
      crawls_written_ = out.bytes();
      d.meta_parts.emplace_back(kCrawlsPart, std::move(out.bytes()));
    }
  }
  d.ads.reserve(dirty_.size());
  AdIdBuffer id;
  for (const AdHandle h : dirty_) {
    AdRecord& ad = ads_[h];
    ByteWriter out;
    const std::uint32_t name = ad.advertiser;
    EncodeAd(ad, advertisers_.page_id(name), advertisers_.page_name(name),
             advertisers_.bylines(name), out);
    std::string key = registries_[ad.registry];
    key.append(1, ':').append(ads_.keys().IdView(h, id));
    d.ads.emplace_back(std::move(key), std::move(out.bytes()));
    ad.dirty = false;
  }
  dirty_.clear();
  for (std::size_t i = 0; i < new_increments_.size(); ++i) {
    const WindowIncrement& inc = new_increments_[i];
    const std::uint32_t name = new_increment_names_[i];
    d.increments.push_back(
        EncodeIncrement(inc, advertisers_.registry(name), advertisers_.page_id(name)));
    d.increment_times.push_back(inc.t);
  }
  new_increments_.clear();
  new_increment_names_.clear();
  if (watermark_ != kNever) d.prune_increments_before = Horizon();
  pending_messages_ = 0;
  return d;
}

std::unique_ptr<PartitionState> PartitionState::Restore(const StateOptions* options,
                                                        const PartitionSnapshot& snapshot,
                                                        std::string* error) {
  auto state = std::make_unique<PartitionState>(options);
  if (!state->DecodeMeta(snapshot)) {
    *error = "partition metadata does not decode";
    return nullptr;
  }
  state->ads_.Reserve(snapshot.ads.size());
  // Active ads counted from the partition's own event time: only transitions after it pend
  // (the instance watermark a snapshot asks for is never earlier).
  state->active_.Reset(state->watermark_);
  for (const auto& [key, bytes] : snapshot.ads) {
    AdRecord ad;
    std::string_view page_id, page_name, bylines;
    const bool decoded = DecodeAd(bytes, &ad, &page_id, &page_name, &bylines);
    const bool themes_ok = options->theme_count >= 64 || (ad.themes >> options->theme_count) == 0;
    // Crawl numbers are handed out in order and never reused: one at or above the next is
    // not from this tracker.
    const std::uint32_t next_crawl = state->tracker_.next_crawl();
    const bool crawls_ok =
        ad.presence.last_listed_crawl < next_crawl && ad.presence.by_id_crawl < next_crawl;
    const bool registry_ok = decoded && ad.registry < state->registries_.size();
    const std::string_view registry =
        registry_ok ? std::string_view(state->registries_[ad.registry]) : std::string_view();
    if (!decoded || !crawls_ok || !state->KnownEntity(ad.entity) || !themes_ok || !registry_ok ||
        ad.scope >= state->scopes_.size() || key.size() <= registry.size() ||
        !key.starts_with(registry) || key[registry.size()] != ':') {
      *error = "ad record " + key + " does not decode";
      return nullptr;
    }
    ad.advertiser = state->advertisers_.Intern(ad.registry, state->Slot(ad.entity), page_id,
                                               page_name, bylines, ad.first_observed);
    if (ad.spend_seen_at != kNever) {
      state->advertisers_.ChangeSpend(ad.advertiser, std::nullopt, ad.nations, ad.spend,
                                      ad.nations);
    }
    state->ads_.Insert(ad.registry, std::string_view(key).substr(registry.size() + 1), ad);
    state->figures_.Add(state->Facts(ad));
    state->active_.Change(state->Facts(ad), +1);
  }
  // A partition that only ever rejected has no event time: nothing can be pruned.
  const EpochSeconds horizon = state->watermark_ == kNever ? kNever : state->Horizon();
  for (const std::string& bytes : snapshot.increments) {
    WindowIncrement inc;
    std::uint64_t registry = 0;
    std::string page_id;
    if (!DecodeIncrement(bytes, &inc, &registry, &page_id) || !state->KnownEntity(inc.entity) ||
        registry >= state->registries_.size()) {
      *error = "window increment does not decode";
      return nullptr;
    }
    state->windows_.Add(inc, horizon);
    if (inc.t > horizon) {
      state->advertisers_.AddIncrement(static_cast<std::uint8_t>(registry), state->Slot(inc.entity),
                                       page_id, inc.t0, inc.t, inc.amount, horizon);
    }
  }
  return state;
}

}  // namespace adwatch
