// Messages a partition holds back because they are dated too far ahead of its event time
// (README "What the figures mean", event time): kept in arrival order, bounded, persisted with
// the partition's checkpoint, and the witnesses that may corroborate a later event time.
// A witness is one ad (`registry:id`, for sightings) or one crawl (`registry/scope/crawl_id`,
// for crawl_ends), at the latest time it was held with: a time is corroborated when `quorum`
// distinct witnesses are dated at or after it.
// Not thread-safe: owned by one PartitionState.
#pragma once

#include <cstddef>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "core/bytes.h"
#include "core/observation.h"

namespace adwatch {

/// The event time a message carries: a sighting's observed_at, a crawl's completed_at.
EpochSeconds EventTime(const Message& message);

class HeldMessages {
 public:
  /// Messages held at most per partition; beyond, a message is refused (ahead_of_watermark).
  static constexpr std::size_t kCapacity = 4096;

  bool full() const { return held_.size() >= kCapacity; }
  std::size_t size() const { return held_.size(); }
  bool empty() const { return held_.empty(); }

  /// Holds `message` (the caller checked `full()`).
  void Hold(Message message);

  /// The latest time at least `quorum` distinct witnesses are dated at or after, if any.
  std::optional<EpochSeconds> CorroboratedTime(std::size_t quorum) const;

  /// The earliest event time held (kNever-like INT64_MIN when none: check empty() first).
  EpochSeconds Earliest() const;

  /// Takes every held message out, oldest first, and forgets the witnesses.
  std::deque<Message> TakeAll();

  void Encode(ByteWriter& out) const;
  bool Decode(ByteReader& in);

 private:
  void Witness(const Message& message);

  std::deque<Message> held_;
  std::map<std::string, EpochSeconds, std::less<>> witness_;  // witness -> latest time
  std::multiset<EpochSeconds> times_;                         // the values of witness_
};

}  // namespace adwatch
