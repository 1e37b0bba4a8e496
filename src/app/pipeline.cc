#include "app/pipeline.h"

#include <algorithm>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

namespace adwatch {
namespace {

constexpr std::size_t kCheckpointMessages = 50000;
constexpr auto kCheckpointInterval = std::chrono::milliseconds(1000);

std::uint64_t Fnv1a(std::string_view s, std::uint64_t h = 1469598103934665603ULL) {
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ULL;
  return h;
}

// The Kafka key must agree with the body (SPEC §2): an observation is keyed `<registry>:<ad id>`
// (so that one ad lives in one partition and is counted once), a report
// `<registry>:<advertiser id>` (so that all releases of one advertiser meet in one partition's
// ledger); a crawl_end, which its producer sends to every partition explicitly, has no key (null
// or empty). Anything else is a `key_mismatch` reject: e.g. the same ad under a second key would
// land on another partition and be counted twice.
bool IsKeyOf(std::string_view key, std::string_view registry, std::string_view id) {
  return key.size() == registry.size() + 1 + id.size() && key.starts_with(registry) &&
         key[registry.size()] == ':' && key.ends_with(id);
}

std::optional<Rejection> CheckKey(std::string_view key, const Message& message) {
  if (const auto* o = std::get_if<Observation>(&message)) {
    if (IsKeyOf(key, o->registry, o->ad_id)) return std::nullopt;
    // The detail names neither the key nor the id (up to limits.max_string_bytes each).
    return Rejection{RejectReason::kKeyMismatch,
                     key.empty() ? "observation without a key (expected registry:id)"
                                 : "key is not the body's registry:id"};
  }
  if (const auto* r = std::get_if<Report>(&message)) {
    if (IsKeyOf(key, r->registry, r->advertiser_id)) return std::nullopt;
    return Rejection{RejectReason::kKeyMismatch, "report key is not registry:advertiser_id"};
  }
  if (key.empty()) return std::nullopt;
  return Rejection{RejectReason::kKeyMismatch, "crawl_end with a key (expected none)"};
}

}  // namespace

Pipeline::ConfigEnricher::ConfigEnricher(const Config& config)
    : attributor_(config.entities), classifier_(config.themes) {}

void Pipeline::ConfigEnricher::Enrich(std::string_view registry, const AdContent& ad,
                                      EntityId* entity, ThemeMask* themes) const {
  *entity = attributor_.Attribute(registry, ad);
  *themes = classifier_.Classify(ad);
}

Pipeline::Pipeline(const Config& config, const Clock& clock)
    : config_(config),
      clock_(clock),
      decoder_(
          MakeDecoder(config.kafka.format, DecoderOptions{config.limits, config.currency}, clock)),
      enricher_(config_),
      state_(StateOptions::FromConfig(config_)),
      collector_(std::make_shared<FiguresCollector>(config_, [this] { return *Published(); })) {
  Publish();  // never a null Published()
}

namespace {

// One `path=value` line per state-relevant config key; strings are length-prefixed so that no
// value can imitate another line.
class FingerprintText {
 public:
  void Add(std::string_view path, std::string_view value) {
    text_.append(path).append("=").append(value).append("\n");
  }
  void Add(std::string_view path, long long value) { Add(path, std::to_string(value)); }
  static std::string Str(std::string_view s) {
    std::string out = std::to_string(s.size());
    out.append(":").append(s);
    return out;
  }
  static std::string List(const std::vector<std::string>& values) {
    std::string out = "[";
    for (const std::string& v : values) out.append(Str(v)).append(",");
    return out + "]";
  }
  std::string Take() { return std::move(text_); }

 private:
  std::string text_;
};

std::string Rules(const std::vector<ThemeRule>& rules) {
  std::string out = "[";
  for (const ThemeRule& r : rules) {
    char weight[40];
    std::snprintf(weight, sizeof weight, "%.17g", r.weight);
    // Appended piece by piece: `"r" + std::string` draws a false GCC 12 -O2 -Wrestrict.
    out.append(r.pattern ? "r" : "p").append(FingerprintText::Str(r.text));
    out.append("*").append(weight).append(",");
  }
  return out + "]";
}

}  // namespace

std::string Pipeline::StateFingerprintText(const Config& c) {
  // Every config key that changes what a stored byte means, how figures were accumulated or
  // which messages were accepted. A key that is not here must be in this list of deliberate
  // exclusions, with the reason:
  //   kafka.brokers, kafka.group, kafka.dead_letter_topic, kafka.allow_insecure_tls and every
  //     kafka.properties entry but isolation.level: how to connect, not what is read;
  //   kafka.topic: the store keys every row by topic already (another topic: no stored state);
  //   listen, web_config, state: where to serve and store, not what;
  //   entities[].type, entities[].spending_limit, entities[].nation_spending_limits,
  //     registration_thresholds, themes[].description, rule line/key: applied at export (or
  //     only for people), never stored.
  // Adding a key: one `t.Add` line (and a row in the table of tests/unit/app/fingerprint_test).
  FingerprintText t;
  t.Add("state_format", PartitionState::kFormatVersion);  // byte formats: state/partition_state.cc
  t.Add("kafka.format", c.kafka.format == InputFormat::kProtobuf ? "protobuf" : "json");
  std::string isolation = "read_committed";  // librdkafka's default
  for (const auto& [key, value] : c.kafka.properties) {
    if (key == "isolation.level") isolation = value;
  }
  t.Add("kafka.properties.isolation.level", isolation);
  for (const WindowSpec& w : c.windows)
    t.Add("windows", FingerprintText::Str(w.name) + "=" + std::to_string(w.seconds));
  t.Add("grace", c.grace_seconds);
  t.Add("event_time.max_lead", c.event_time.max_lead_seconds);
  t.Add("event_time.quorum", static_cast<long long>(c.event_time.quorum));
  if (c.regulated_period) {
    t.Add("regulated_period", std::to_string(c.regulated_period->start) + "-" +
                                  std::to_string(c.regulated_period->end));
  }
  for (const EntityConfig& e : c.entities) {
    t.Add("entities", FingerprintText::Str(e.name) + FingerprintText::List(e.page_ids) +
                          FingerprintText::List(e.bylines) + FingerprintText::List(e.page_names) +
                          FingerprintText::List(e.candidates) +
                          FingerprintText::List(e.google_advertiser_ids) +
                          FingerprintText::List(e.google_advertiser_names) +
                          FingerprintText::List(e.not_names) +
                          FingerprintText::List(e.not_google_advertiser_ids));
  }
  for (const ThemeConfig& th : c.themes) {
    char threshold[40];
    std::snprintf(threshold, sizeof threshold, "%.17g", th.threshold);
    t.Add("themes", FingerprintText::Str(th.name) + ">=" + threshold + Rules(th.rules) +
                        Rules(th.exclusions));
  }
  t.Add("currency.reporting", c.currency.reporting);
  for (const auto& [code, rate] : c.currency.conversion) {
    t.Add("currency.conversion", FingerprintText::Str(code) + std::to_string(rate.numerator) + "/" +
                                     std::to_string(rate.denominator));
  }
  t.Add("limits.max_message_bytes", static_cast<long long>(c.limits.max_message_bytes));
  t.Add("limits.max_depth", c.limits.max_depth);
  t.Add("limits.max_string_bytes", static_cast<long long>(c.limits.max_string_bytes));
  t.Add("limits.max_array_items", static_cast<long long>(c.limits.max_array_items));
  t.Add("limits.max_ads_per_partition", static_cast<long long>(c.limits.max_ads_per_partition));
  t.Add("limits.future_tolerance", c.limits.future_tolerance_seconds);
  return t.Take();
}

std::string Pipeline::StateFingerprint(const Config& config) {
  char hex[32];
  std::snprintf(hex, sizeof hex, "%016llx",
                static_cast<unsigned long long>(Fnv1a(StateFingerprintText(config))));
  // Appended piece by piece: `"v" + std::string` draws a false GCC 12 -O2 -Wrestrict.
  std::string out = std::to_string(PartitionState::kFormatVersion);
  out.insert(0, 1, 'v');
  return out.append("-").append(hex);
}

Outcome Pipeline::Process(const InputRecord& record) {
  DecodeResult& decoded = decoded_;  // reused: a repeat sighting allocates no strings
  decoder_->DecodeInto(record.value, &decoded);
  if (const auto* message = std::get_if<Message>(&decoded)) {
    if (auto mismatch = CheckKey(record.key, *message)) decoded = std::move(*mismatch);
  }
  Outcome outcome = Outcome::kRejected;
  const Rejection* rejection = std::get_if<Rejection>(&decoded);
  {
    std::lock_guard lock(mu_);
    if (rejection != nullptr) {
      state_.RecordReject(record.partition, rejection->reason);
    } else {
      outcome = state_.Apply(record.partition, std::get<Message>(decoded), enricher_);
      if (outcome == Outcome::kRejected) {  // rejected by the state: too_many_ads, ...
        const RejectReason reason = state_.Partition(record.partition).last_reject();
        decoded =
            Rejection{reason, reason == RejectReason::kTooManyAds
                                  ? "partition already tracks limits.max_ads_per_partition ads"
                                  : "rejected by the event-time rules"};
        rejection = std::get_if<Rejection>(&decoded);
      }
    }
    next_offset_[record.partition] = record.offset + 1;
    ++changes_;
  }
  ++since_checkpoint_;
  if (rejection != nullptr) {
    LogReject(record, *rejection);
    if (reject_sink_) reject_sink_(record, *rejection);
  } else if (const auto* obs = std::get_if<Observation>(&std::get<Message>(decoded))) {
    metrics_.ObserveDelay(clock_.Now() - obs->observed_at);
  }
  return outcome;
}

void Pipeline::LogReject(const InputRecord& record, const Rejection& rejection) {
  long long suppressed = 0;
  if (!reject_log_.Allow(&suppressed)) return;
  Log(LogLevel::kWarn, "rejected",
      {{"reason", std::string(RejectReasonName(rejection.reason))},
       {"detail", rejection.detail},
       {"topic", std::string(record.topic)},
       {"partition", std::to_string(record.partition)},
       {"offset", std::to_string(record.offset)},
       {"prefix", Prefix(record.value)},
       {"suppressed", std::to_string(suppressed)}});
}

bool Pipeline::OpenStore(const std::string& dir, StateStore::OpenMode mode, std::string* error) {
  store_ = StateStore::Open(dir, StateFingerprint(config_), mode, error);
  if (store_) state_.TrackChanges();
  return store_ != nullptr;
}

std::optional<std::int64_t> Pipeline::RestorePartition(std::int32_t partition, std::string* error) {
  if (!store_) return std::nullopt;
  auto snapshot = store_->Load(config_.kafka.topic, partition, error);
  if (!snapshot) return std::nullopt;
  // Report rows (state/report_ledger.h) share the ads table under keys no ad key can have.
  auto reports = std::make_unique<ReportLedger>(&state_.options());
  const auto first_ad =
      std::stable_partition(snapshot->ads.begin(), snapshot->ads.end(),
                            [](const auto& row) { return ReportLedger::IsRow(row.first); });
  for (auto row = snapshot->ads.begin(); row != first_ad; ++row) {
    if (!reports->RestoreRow(row->first, row->second, error)) {
      *error = "partition " + std::to_string(partition) + " of " + store_->path() + ": " + *error;
      return std::nullopt;
    }
  }
  snapshot->ads.erase(snapshot->ads.begin(), first_ad);
  auto state = PartitionState::Restore(&state_.options(), *snapshot, error);
  if (!state) {
    *error = "partition " + std::to_string(partition) + " of " + store_->path() + ": " + *error;
    return std::nullopt;
  }
  std::lock_guard lock(mu_);
  state_.SetPartition(partition, std::move(state));
  state_.Reports(partition) = std::move(*reports);
  ++changes_;
  next_offset_[partition] = snapshot->next_offset;
  persisted_offset_[partition] = snapshot->next_offset;
  return snapshot->next_offset;
}

bool Pipeline::ResetPartition(std::int32_t partition, std::string* error) {
  {
    std::lock_guard lock(mu_);
    state_.DropPartition(partition);
    ++changes_;
    next_offset_.erase(partition);
    persisted_offset_.erase(partition);
  }
  return !store_ || store_->Forget(config_.kafka.topic, partition, error);
}

bool Pipeline::CheckpointDue() const {
  return since_checkpoint_ >= kCheckpointMessages ||
         (since_checkpoint_ > 0 &&
          std::chrono::steady_clock::now() - last_checkpoint_ >= kCheckpointInterval);
}

bool Pipeline::Checkpoint(std::string* error, std::optional<std::int32_t> only) {
  const auto start = std::chrono::steady_clock::now();
  if (!store_) {
    since_checkpoint_ = 0;
    last_checkpoint_ = start;
    return true;
  }
  std::vector<PartitionDelta> deltas;
  {
    std::lock_guard lock(mu_);
    state_.ForEachPartition([&](std::int32_t partition, PartitionState& state) {
      if (only && *only != partition) return;
      const auto next = next_offset_.find(partition);
      if (next == next_offset_.end()) return;
      const auto persisted = persisted_offset_.find(partition);
      if (persisted != persisted_offset_.end() && persisted->second == next->second) return;
      deltas.push_back(state.TakeDelta(config_.kafka.topic, partition, next->second));
      state_.Reports(partition).TakeDelta(&deltas.back().ads);
    });
  }
  if (!only) since_checkpoint_ = 0;
  last_checkpoint_ = start;
  if (deltas.empty()) return true;
  if (!store_->Commit(deltas, error)) return false;
  std::int64_t bytes = 0;
  for (const PartitionDelta& d : deltas) {
    persisted_offset_[d.partition] = d.next_offset;
    bytes += static_cast<std::int64_t>(d.meta.size());
    for (const auto& [name, part] : d.meta_parts)
      bytes += static_cast<std::int64_t>(name.size() + part.size());
    for (const auto& [key, record] : d.ads)
      bytes += static_cast<std::int64_t>(key.size() + record.size());
    for (const std::string& inc : d.increments) bytes += static_cast<std::int64_t>(inc.size());
    metrics_.persisted_offset().Set(config_.kafka.topic, d.partition,
                                    static_cast<double>(d.next_offset));
  }
  metrics_.ObserveCheckpoint(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), bytes,
      store_->DiskBytes());
  return true;
}

std::int64_t Pipeline::next_offset(std::int32_t partition) const {
  std::lock_guard lock(mu_);
  const auto it = next_offset_.find(partition);
  return it == next_offset_.end() ? -1 : it->second;
}

std::int64_t Pipeline::persisted_offset(std::int32_t partition) const {
  const auto it = persisted_offset_.find(partition);
  return it == persisted_offset_.end() ? -1 : it->second;
}

Figures Pipeline::Snapshot() const {
  std::lock_guard lock(mu_);
  return state_.Snapshot();
}

std::shared_ptr<const Figures> Pipeline::Published() const {
  std::lock_guard lock(published_mu_);
  return published_;
}

void Pipeline::Publish() {
  const auto start = std::chrono::steady_clock::now();
  std::shared_ptr<const Figures> figures;
  {
    std::lock_guard lock(mu_);
    figures = std::make_shared<const Figures>(state_.Snapshot());
    published_changes_ = changes_;
  }
  {
    std::lock_guard lock(published_mu_);
    published_.swap(figures);
  }
  figures.reset();  // the previous figures are freed outside both locks (or by their last reader)
  const auto cost = std::chrono::steady_clock::now() - start;
  last_publish_ = start;
  publish_interval_ = std::max<std::chrono::steady_clock::duration>(kPublishInterval, 20 * cost);
}

bool Pipeline::PublishIfDue(std::chrono::steady_clock::time_point now) {
  if (now - last_publish_ < publish_interval_) return false;
  {
    std::lock_guard lock(mu_);
    if (changes_ == published_changes_) return false;
  }
  Publish();
  return true;
}

AdPage Pipeline::ListAds(const AdFilter& filter, std::size_t offset, std::size_t limit) const {
  std::lock_guard lock(mu_);
  return state_.ListAds(filter, offset, limit);
}

AdvertiserPage Pipeline::ListAdvertisers(const AdvertiserQuery& query, std::size_t offset,
                                         std::size_t limit) const {
  std::lock_guard lock(mu_);
  return state_.ListAdvertisers(query, offset, limit);
}

void Pipeline::DropPartition(std::int32_t partition) {
  std::lock_guard lock(mu_);
  state_.DropPartition(partition);
  ++changes_;
  next_offset_.erase(partition);
  persisted_offset_.erase(partition);
}

std::size_t Pipeline::ad_count() const {
  std::lock_guard lock(mu_);
  return state_.ad_count();
}

}  // namespace adwatch
