// All the state of one adwatch instance: a PartitionState per assigned input partition and the
// event-time watermark. This is the seam for durability: partitions are added, dropped and
// (later) persisted and restored independently.
// Not thread-safe: callers serialise access (the pipeline holds a mutex).
#pragma once

#include <cstdint>
#include <map>
#include <memory>

#include "core/observation.h"
#include "state/figures.h"
#include "state/partition_state.h"

namespace adwatch {

class MonitorState {
 public:
  explicit MonitorState(StateOptions options) : options_(std::move(options)) {}

  /// Applies a decoded message from `partition`, advancing the watermark on observations.
  Outcome Apply(std::int32_t partition, const Message& message, const Enricher& enricher);

  /// Forgets a partition (revoked or lost); its figures leave this instance's exports.
  void DropPartition(std::int32_t partition) { partitions_.erase(partition); }

  Figures Snapshot() const;

  EpochSeconds watermark() const { return watermark_; }
  std::size_t ad_count() const;
  const StateOptions& options() const { return options_; }

 private:
  StateOptions options_;
  std::map<std::int32_t, std::unique_ptr<PartitionState>> partitions_;
  EpochSeconds watermark_ = kNever;
};

}  // namespace adwatch
