// The pipeline's operational metrics (SPEC §4 and the durability metrics of issue 3): event
// delay, consumer lag, checkpoints, persisted offsets, incidents, rebuilds, rebalances and build
// info, registered in a prometheus-cpp Registry. (Business figures and message outcome counts
// live in the state and are exported by FiguresCollector, so that they survive restarts.)
// Thread-safety: all methods may be called from any thread.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "core/time.h"

namespace adwatch {

/// A gauge family with one child per (topic, partition), added and removed as partitions come
/// and go.
class PartitionGauges {
 public:
  explicit PartitionGauges(prometheus::Family<prometheus::Gauge>* family) : family_(family) {}
  void Set(const std::string& topic, std::int32_t partition, double value);
  void Remove(const std::string& topic, std::int32_t partition);

 private:
  prometheus::Family<prometheus::Gauge>* family_;
  std::mutex mu_;
  std::map<std::pair<std::string, std::int32_t>, prometheus::Gauge*> gauges_;
};

class PipelineMetrics {
 public:
  PipelineMetrics();

  /// Processing time minus event time, in seconds.
  void ObserveDelay(EpochSeconds delay) { delay_->Observe(static_cast<double>(delay)); }
  void ObserveCheckpoint(double seconds, std::int64_t bytes, std::int64_t disk_bytes);
  void CountRebuild() { rebuilds_->Increment(); }
  void CountRebalance() { rebalances_->Increment(); }
  void SetIncidents(int partitions) { incidents_->Set(partitions); }

  PartitionGauges& lag() { return *lag_; }
  PartitionGauges& persisted_offset() { return *persisted_offset_; }
  PartitionGauges& persisted_lag() { return *persisted_lag_; }
  /// Forgets every per-partition child of a partition this instance gave up.
  void RemovePartition(const std::string& topic, std::int32_t partition);

  std::shared_ptr<prometheus::Registry> registry() const { return registry_; }

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Histogram* delay_ = nullptr;
  prometheus::Histogram* checkpoint_seconds_ = nullptr;
  prometheus::Gauge* checkpoint_bytes_ = nullptr;
  prometheus::Gauge* disk_bytes_ = nullptr;
  prometheus::Counter* rebuilds_ = nullptr;
  prometheus::Counter* rebalances_ = nullptr;
  prometheus::Gauge* incidents_ = nullptr;
  std::unique_ptr<PartitionGauges> lag_, persisted_offset_, persisted_lag_;
};

}  // namespace adwatch
