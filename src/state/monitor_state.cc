#include "state/monitor_state.h"

#include <algorithm>

namespace adwatch {

PartitionState& MonitorState::Partition(std::int32_t partition) {
  auto& slot = partitions_[partition];
  if (!slot) slot = std::make_unique<PartitionState>(&options_);
  return *slot;
}

ReportLedger& MonitorState::Reports(std::int32_t partition) {
  auto& slot = reports_[partition];
  if (!slot) slot = std::make_unique<ReportLedger>(&options_);
  return *slot;
}

void MonitorState::SetPartition(std::int32_t partition, std::unique_ptr<PartitionState> state) {
  partitions_[partition] = std::move(state);
}

Outcome MonitorState::Apply(std::int32_t partition, const Message& message,
                            const Enricher& enricher) {
  // The partition exists even when it has seen only reports: checkpoints walk partitions.
  PartitionState& state = Partition(partition);
  if (const auto* report = std::get_if<Report>(&message)) {
    return Reports(partition).Apply(*report, enricher);  // never moves the watermark
  }
  return state.Apply(message, enricher);
}

void MonitorState::RecordReject(std::int32_t partition, RejectReason reason) {
  Partition(partition).RecordReject(reason);
}

EpochSeconds MonitorState::watermark() const {
  EpochSeconds w = kNever;
  for (const auto& [partition, state] : partitions_) w = std::max(w, state->watermark());
  return w;
}

Figures MonitorState::Snapshot() const {
  Figures f(options_.entity_count + 1, options_.theme_count + 1, options_.windows.size());
  const EpochSeconds w = watermark();
  if (w != kNever) f.watermark = w;
  for (const auto& [partition, state] : partitions_) state->AddTo(f, w);
  for (const auto& [partition, ledger] : reports_) ledger->AddTo(f);
  AddAdvertiserFigures(f);
  return f;
}

void MonitorState::AddAdvertiserFigures(Figures& f) const {
  AdvertiserMerge merged;
  for (const auto& [partition, state] : partitions_) {
    state->CollectAdvertisers(std::nullopt, &merged);
  }
  const std::size_t unattributed = options_.entity_count;
  const auto lower = static_cast<int>(Bound::kLower);
  for (const auto& [key, a] : merged) {
    ++f.advertisers[a.entity];
    if (a.entity != unattributed) continue;
    for (int n = 0; n < kNationCount; ++n) {
      f.unregistered_over_threshold[n] +=
          a.nations[n].v[lower] > options_.registration_thresholds[n];
    }
  }
  AdvertiserPage top =
      SelectAdvertisers(std::move(merged), AdvertiserQuery{}, 0, Figures::kTopAdvertisers);
  f.top_advertisers = std::move(top.advertisers);
}

AdvertiserPage MonitorState::ListAdvertisers(const AdvertiserQuery& query, std::size_t offset,
                                             std::size_t limit) const {
  AdvertiserMerge merged;
  const EpochSeconds w = watermark();
  for (const auto& [partition, state] : partitions_) {
    state->CollectAdvertisers(w == kNever ? std::nullopt : std::optional(w), &merged);
  }
  return SelectAdvertisers(std::move(merged), query, offset, limit);
}

std::size_t MonitorState::ad_count() const {
  std::size_t n = 0;
  for (const auto& [partition, state] : partitions_) n += state->ad_count();
  return n;
}

AdPage MonitorState::ListAds(const AdFilter& filter, std::size_t offset, std::size_t limit) const {
  std::vector<AdRef> refs;
  for (const auto& [partition, state] : partitions_) state->FindAds(filter, &refs);
  AdPage page;
  page.total = refs.size();
  const std::size_t first = std::min(offset, refs.size());
  const std::size_t last = first + std::min(limit, refs.size() - first);
  std::partial_sort(refs.begin(), refs.begin() + static_cast<std::ptrdiff_t>(last), refs.end(),
                    [](const AdRef& a, const AdRef& b) {
                      return a.lower != b.lower ? a.lower > b.lower : AdKeyLess(a, b);
                    });
  for (std::size_t i = first; i < last; ++i)
    page.ads.push_back(refs[i].partition->Listing(refs[i]));
  return page;
}

}  // namespace adwatch
