#include "export/pipeline_metrics.h"

namespace adwatch {

PipelineMetrics::PipelineMetrics() : registry_(std::make_shared<prometheus::Registry>()) {
  auto& outcomes = prometheus::BuildCounter()
                       .Name("adwatch_events_total")
                       .Help("Input messages by outcome")
                       .Register(*registry_);
  for (int i = 0; i < kOutcomeCount; ++i) {
    outcomes_[i] = &outcomes.Add({{"outcome", std::string(kOutcomeNames[i])}});
  }
  auto& rejects = prometheus::BuildCounter()
                      .Name("adwatch_rejected_total")
                      .Help("Rejected input messages by reason")
                      .Register(*registry_);
  for (int i = 0; i < kRejectReasonCount; ++i) {
    rejects_[i] =
        &rejects.Add({{"reason", std::string(RejectReasonName(static_cast<RejectReason>(i)))}});
  }
  delay_ = &prometheus::BuildHistogram()
                .Name("adwatch_event_delay_seconds")
                .Help("Processing time minus observed_at")
                .Register(*registry_)
                .Add({}, prometheus::Histogram::BucketBoundaries{
                             1, 10, 60, 300, 900, 3600, 4 * 3600, 86400, 2 * 86400, 7 * 86400,
                             30 * 86400, 365 * 86400});
  lag_family_ = &prometheus::BuildGauge()
                     .Name("adwatch_consumer_lag_messages")
                     .Help("High watermark minus the next offset to consume, per partition")
                     .Register(*registry_);
  prometheus::BuildGauge()
      .Name("adwatch_build_info")
      .Help("Build information")
      .Register(*registry_)
      .Add({{"version", ADWATCH_VERSION}})
      .Set(1);
}

void PipelineMetrics::SetLag(const std::string& topic, std::int32_t partition, std::int64_t lag) {
  std::lock_guard lock(lag_mutex_);
  auto& gauge = lag_[{topic, partition}];
  if (gauge == nullptr) {
    gauge = &lag_family_->Add({{"topic", topic}, {"partition", std::to_string(partition)}});
  }
  gauge->Set(static_cast<double>(lag));
}

void PipelineMetrics::ClearLag(const std::string& topic, std::int32_t partition) {
  std::lock_guard lock(lag_mutex_);
  auto it = lag_.find({topic, partition});
  if (it == lag_.end()) return;
  lag_family_->Remove(it->second);
  lag_.erase(it);
}

}  // namespace adwatch
