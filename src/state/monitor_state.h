// All the state of one adwatch instance: a PartitionState per assigned input partition. This is
// the seam for durability: partitions are added, dropped, checkpointed and restored
// independently. The instance watermark is the latest of its partitions' watermarks.
// Not thread-safe: callers serialise access (the pipeline holds a mutex).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <utility>

#include "core/observation.h"
#include "state/figures.h"
#include "state/partition_state.h"
#include "state/report_ledger.h"

namespace adwatch {

class MonitorState {
 public:
  explicit MonitorState(StateOptions options) : options_(std::move(options)) {}

  /// Applies a decoded message from `partition` and counts its outcome.
  Outcome Apply(std::int32_t partition, const Message& message, const Enricher& enricher);
  /// Counts a message of `partition` the decoder rejected.
  void RecordReject(std::int32_t partition, RejectReason reason);

  /// The partition's state, created empty if absent.
  PartitionState& Partition(std::int32_t partition);
  /// Replaces a partition's state (restored from the store).
  void SetPartition(std::int32_t partition, std::unique_ptr<PartitionState> state);
  /// Forgets a partition (revoked or lost); its figures leave this instance's exports.
  void DropPartition(std::int32_t partition) {
    partitions_.erase(partition);
    reports_.erase(partition);
  }
  /// The partition's report ledger (the registries' own reports), created empty if absent.
  ReportLedger& Reports(std::int32_t partition);
  bool HasPartition(std::int32_t partition) const { return partitions_.count(partition) != 0; }

  template <typename F>
  void ForEachPartition(F&& f) {
    for (auto& [partition, state] : partitions_) f(partition, *state);
  }
  template <typename F>
  void ForEachPartition(F&& f) const {
    for (const auto& [partition, state] : partitions_) f(partition, std::as_const(*state));
  }

  Figures Snapshot() const;

  /// Page [offset, offset + limit) of the ads matching `filter` over every partition, largest
  /// lower spend bound first, then by `registry:id`. Only the page's ads are copied out.
  AdPage ListAds(const AdFilter& filter, std::size_t offset, std::size_t limit) const;

  /// Page [offset, offset + limit) of the advertisers matching `query`, merged over every
  /// partition (SelectAdvertisers), windows ending at the watermark.
  AdvertiserPage ListAdvertisers(const AdvertiserQuery& query, std::size_t offset,
                                 std::size_t limit) const;

  EpochSeconds watermark() const;
  std::size_t ad_count() const;
  const StateOptions& options() const { return options_; }
  /// Turns change tracking on (before any partition exists), for checkpoints to a store.
  void TrackChanges() { options_.track_changes = true; }

 private:
  // Fills Figures' advertiser counts, threshold counts and top advertisers.
  void AddAdvertiserFigures(Figures& f) const;

  StateOptions options_;
  std::map<std::int32_t, std::unique_ptr<PartitionState>> partitions_;
  std::map<std::int32_t, std::unique_ptr<ReportLedger>> reports_;  // same partitions
};

}  // namespace adwatch
