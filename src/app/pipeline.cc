#include "app/pipeline.h"

#include <string>

namespace adwatch {
namespace {

constexpr std::size_t kCheckpointMessages = 50000;
constexpr auto kCheckpointInterval = std::chrono::milliseconds(1000);

std::uint64_t Fnv1a(std::string_view s, std::uint64_t h = 1469598103934665603ULL) {
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ULL;
  return h;
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
      collector_(std::make_shared<FiguresCollector>(config_, [this] { return Snapshot(); })) {}

std::string Pipeline::StateFingerprint(const Config& config) {
  // Everything that decides what a stored byte means or how figures were accumulated:
  // entity and theme order and rules, the regulated period, the grace, limits and currency.
  std::string text = "adwatch-state-v2";
  for (const EntityConfig& e : config.entities) {
    text += "|e:" + e.name;
    for (const auto* list : {&e.page_ids, &e.bylines, &e.page_names, &e.candidates,
                             &e.google_advertiser_ids, &e.google_advertiser_names}) {
      for (const std::string& v : *list) text += "," + v;
      text += ";";
    }
  }
  for (const ThemeConfig& t : config.themes) {
    text += "|t:" + t.name + ">=" + std::to_string(t.threshold);
    for (const auto* list : {&t.rules, &t.exclusions}) {
      for (const ThemeRule& r : *list) {
        text += (r.pattern ? ",r:" : ",p:") + r.text + "*" + std::to_string(r.weight);
      }
      text += ";";
    }
  }
  if (config.regulated_period) {
    text += "|p:" + std::to_string(config.regulated_period->start) + "-" +
            std::to_string(config.regulated_period->end);
  }
  text += "|g:" + std::to_string(config.grace_seconds);
  text += "|s" + std::to_string(PartitionState::kFormatVersion) + ":" +
          std::to_string(config.event_time.max_lead_seconds) + "/" +
          std::to_string(config.event_time.quorum);
  text += "|c:" + config.currency.reporting;
  for (const auto& [code, rate] : config.currency.conversion) {
    text +=
        "," + code + "=" + std::to_string(rate.numerator) + "/" + std::to_string(rate.denominator);
  }
  char hex[32];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(Fnv1a(text)));
  return std::string("v2-") + hex;
}

Outcome Pipeline::Process(const InputRecord& record) {
  DecodeResult decoded = decoder_->Decode(record.value);
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
  const auto snapshot = store_->Load(config_.kafka.topic, partition, error);
  if (!snapshot) return std::nullopt;
  auto state = PartitionState::Restore(&state_.options(), *snapshot, error);
  if (!state) {
    *error = "partition " + std::to_string(partition) + " of " + store_->path() + ": " + *error;
    return std::nullopt;
  }
  std::lock_guard lock(mu_);
  state_.SetPartition(partition, std::move(state));
  next_offset_[partition] = snapshot->next_offset;
  persisted_offset_[partition] = snapshot->next_offset;
  return snapshot->next_offset;
}

bool Pipeline::ResetPartition(std::int32_t partition, std::string* error) {
  {
    std::lock_guard lock(mu_);
    state_.DropPartition(partition);
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

AdPage Pipeline::ListAds(const AdFilter& filter, std::size_t offset, std::size_t limit) const {
  std::lock_guard lock(mu_);
  return state_.ListAds(filter, offset, limit);
}

void Pipeline::DropPartition(std::int32_t partition) {
  std::lock_guard lock(mu_);
  state_.DropPartition(partition);
  next_offset_.erase(partition);
  persisted_offset_.erase(partition);
}

std::size_t Pipeline::ad_count() const {
  std::lock_guard lock(mu_);
  return state_.ad_count();
}

}  // namespace adwatch
