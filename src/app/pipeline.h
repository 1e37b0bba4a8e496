// The processing pipeline for one input message: decode → attribute → classify → state
// (ledger, windows, registry) → counters. Source-agnostic: the Kafka consumer, the benchmark
// and tests feed it InputRecords.
// Thread-safety: Process is called from one thread; Snapshot, metrics and collectors may be
// used from any thread (state is guarded by an internal mutex).
#pragma once

#include <functional>
#include <memory>
#include <mutex>

#include "config/config.h"
#include "core/log.h"
#include "core/outcome.h"
#include "core/time.h"
#include "decode/decoder.h"
#include "enrich/attributor.h"
#include "enrich/theme_classifier.h"
#include "export/figures_collector.h"
#include "export/pipeline_metrics.h"
#include "source/input_record.h"
#include "state/monitor_state.h"

namespace adwatch {

class Pipeline {
 public:
  Pipeline(const Config& config, const Clock& clock);

  /// Applies one message; bad input is counted under its reason and logged (rate-limited),
  /// never thrown. Returns the message's outcome.
  Outcome Process(const InputRecord& record);

  /// Called with every rejected message after it is counted (e.g. the dead-letter copy).
  using RejectSink = std::function<void(const InputRecord&, const Rejection&)>;
  void SetRejectSink(RejectSink sink) { reject_sink_ = std::move(sink); }

  /// A consistent snapshot of every figure.
  Figures Snapshot() const;
  /// Forgets a partition's state (revoked or lost).
  void DropPartition(std::int32_t partition);
  std::size_t ad_count() const;

  const Config& config() const { return config_; }
  PipelineMetrics& metrics() { return metrics_; }
  const std::shared_ptr<FiguresCollector>& collector() const { return collector_; }

 private:
  class ConfigEnricher : public Enricher {
   public:
    explicit ConfigEnricher(const Config& config);
    void Enrich(std::string_view registry, const AdContent& ad, EntityId* entity,
                ThemeMask* themes) const override;

   private:
    Attributor attributor_;
    ThemeClassifier classifier_;
  };

  void LogReject(const InputRecord& record, const Rejection& rejection);

  Config config_;
  const Clock& clock_;
  std::unique_ptr<Decoder> decoder_;
  ConfigEnricher enricher_;
  PipelineMetrics metrics_;
  mutable std::mutex mu_;
  MonitorState state_;
  std::shared_ptr<FiguresCollector> collector_;
  LogRateLimiter reject_log_{10};
  RejectSink reject_sink_;
};

}  // namespace adwatch
