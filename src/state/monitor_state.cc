#include "state/monitor_state.h"

#include <algorithm>

namespace adwatch {

Outcome MonitorState::Apply(std::int32_t partition, const Message& message,
                            const Enricher& enricher) {
  auto& slot = partitions_[partition];
  if (!slot) slot = std::make_unique<PartitionState>(&options_);
  if (const auto* obs = std::get_if<Observation>(&message)) {
    const Outcome outcome = slot->ApplyObservation(*obs, watermark_, enricher);
    watermark_ = std::max(watermark_, obs->observed_at);
    return outcome;
  }
  return slot->ApplyCrawlEnd(std::get<CrawlEnd>(message));
}

Figures MonitorState::Snapshot() const {
  Figures f(options_.entity_count + 1, options_.theme_count + 1, options_.windows.size());
  if (watermark_ != kNever) f.watermark = watermark_;
  for (const auto& [partition, state] : partitions_) state->AddTo(f, watermark_);
  return f;
}

std::size_t MonitorState::ad_count() const {
  std::size_t n = 0;
  for (const auto& [partition, state] : partitions_) n += state->ad_count();
  return n;
}

}  // namespace adwatch
