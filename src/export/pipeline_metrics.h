// The pipeline's own counters (SPEC §4): events by outcome, rejects by reason, event delay,
// consumer lag and build info, registered in a prometheus-cpp Registry.
// Thread-safety: all methods may be called from any thread (prometheus-cpp metrics are atomic).
#pragma once

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "core/outcome.h"
#include "core/reject_reason.h"
#include "core/time.h"

namespace adwatch {

class PipelineMetrics {
 public:
  PipelineMetrics();

  void Count(Outcome outcome) { outcomes_[static_cast<int>(outcome)]->Increment(); }
  void Reject(RejectReason reason) {
    rejects_[static_cast<int>(reason)]->Increment();
    Count(Outcome::kRejected);
  }
  /// Processing time minus event time, in seconds.
  void ObserveDelay(EpochSeconds delay) { delay_->Observe(static_cast<double>(delay)); }
  void SetLag(const std::string& topic, std::int32_t partition, std::int64_t lag);
  void ClearLag(const std::string& topic, std::int32_t partition);

  double outcome_count(Outcome outcome) const {
    return outcomes_[static_cast<int>(outcome)]->Value();
  }
  double reject_count(RejectReason reason) const {
    return rejects_[static_cast<int>(reason)]->Value();
  }

  std::shared_ptr<prometheus::Registry> registry() const { return registry_; }

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  std::array<prometheus::Counter*, kOutcomeCount> outcomes_{};
  std::array<prometheus::Counter*, kRejectReasonCount> rejects_{};
  prometheus::Histogram* delay_ = nullptr;
  prometheus::Family<prometheus::Gauge>* lag_family_ = nullptr;
  std::mutex lag_mutex_;
  std::map<std::pair<std::string, std::int32_t>, prometheus::Gauge*> lag_;
};

}  // namespace adwatch
