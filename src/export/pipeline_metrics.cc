#include "export/pipeline_metrics.h"

namespace adwatch {

void PartitionGauges::Set(const std::string& topic, std::int32_t partition, double value) {
  std::lock_guard lock(mu_);
  auto& gauge = gauges_[{topic, partition}];
  if (gauge == nullptr) {
    gauge = &family_->Add({{"topic", topic}, {"partition", std::to_string(partition)}});
  }
  gauge->Set(value);
}

void PartitionGauges::Remove(const std::string& topic, std::int32_t partition) {
  std::lock_guard lock(mu_);
  auto it = gauges_.find({topic, partition});
  if (it == gauges_.end()) return;
  family_->Remove(it->second);
  gauges_.erase(it);
}

PipelineMetrics::PipelineMetrics() : registry_(std::make_shared<prometheus::Registry>()) {
  auto gauge = [this](const char* name, const char* help) {
    return &prometheus::BuildGauge().Name(name).Help(help).Register(*registry_);
  };
  auto counter = [this](const char* name, const char* help) {
    return &prometheus::BuildCounter().Name(name).Help(help).Register(*registry_).Add({});
  };
  delay_ = &prometheus::BuildHistogram()
                .Name("adwatch_event_delay_seconds")
                .Help("Processing time minus observed_at")
                .Register(*registry_)
                .Add({}, prometheus::Histogram::BucketBoundaries{
                             1, 10, 60, 300, 900, 3600, 4 * 3600, 86400, 2 * 86400, 7 * 86400,
                             30 * 86400, 365 * 86400});
  checkpoint_seconds_ =
      &prometheus::BuildHistogram()
           .Name("adwatch_checkpoint_duration_seconds")
           .Help("Time to persist one checkpoint of state and offsets")
           .Register(*registry_)
           .Add({}, prometheus::Histogram::BucketBoundaries{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                            0.1, 0.25, 0.5, 1, 2.5});
  checkpoint_bytes_ =
      &gauge("adwatch_checkpoint_size_bytes", "Bytes of state written by the latest checkpoint")
           ->Add({});
  disk_bytes_ = &gauge("adwatch_state_disk_bytes", "Size of the state store on disk")->Add({});
  rebuilds_ = counter("adwatch_state_rebuilds_total",
                      "Partitions rebuilt from the earliest retained input offset");
  rebalances_ = counter("adwatch_rebalances_total", "Consumer-group rebalances seen");
  incidents_ = &gauge("adwatch_partitions_in_incident",
                      "Partitions stopped by an incident (offset out of range or gap) until the "
                      "operator chooses")
                    ->Add({});
  lag_ = std::make_unique<PartitionGauges>(
      gauge("adwatch_consumer_lag_messages",
            "High watermark minus the next offset to consume, per partition"));
  persisted_offset_ = std::make_unique<PartitionGauges>(gauge(
      "adwatch_state_persisted_offset", "Next input offset reflected by the persisted state"));
  persisted_lag_ = std::make_unique<PartitionGauges>(
      gauge("adwatch_state_persisted_lag_messages",
            "High watermark minus the persisted offset: what a crash now would replay"));
  gauge("adwatch_build_info", "Build information")->Add({{"version", ADWATCH_VERSION}}).Set(1);
}

void PipelineMetrics::ObserveCheckpoint(double seconds, std::int64_t bytes,
                                        std::int64_t disk_bytes) {
  checkpoint_seconds_->Observe(seconds);
  checkpoint_bytes_->Set(static_cast<double>(bytes));
  disk_bytes_->Set(static_cast<double>(disk_bytes));
}

void PipelineMetrics::RemovePartition(const std::string& topic, std::int32_t partition) {
  lag_->Remove(topic, partition);
  persisted_offset_->Remove(topic, partition);
  persisted_lag_->Remove(topic, partition);
}

}  // namespace adwatch
