#include "app/pipeline.h"

#include <string>

namespace adwatch {

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

Outcome Pipeline::Process(const InputRecord& record) {
  DecodeResult decoded = decoder_->Decode(record.value);
  if (auto* rejection = std::get_if<Rejection>(&decoded)) {
    metrics_.Reject(rejection->reason);
    LogReject(record, *rejection);
    if (reject_sink_) reject_sink_(record, *rejection);
    return Outcome::kRejected;
  }
  const Message& message = std::get<Message>(decoded);
  Outcome outcome;
  {
    std::lock_guard lock(mu_);
    outcome = state_.Apply(record.partition, message, enricher_);
  }
  metrics_.Count(outcome);
  if (const auto* obs = std::get_if<Observation>(&message)) {
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

Figures Pipeline::Snapshot() const {
  std::lock_guard lock(mu_);
  return state_.Snapshot();
}

void Pipeline::DropPartition(std::int32_t partition) {
  std::lock_guard lock(mu_);
  state_.DropPartition(partition);
}

std::size_t Pipeline::ad_count() const {
  std::lock_guard lock(mu_);
  return state_.ad_count();
}

}  // namespace adwatch
