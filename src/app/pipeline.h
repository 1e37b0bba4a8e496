// The processing pipeline for one input message: decode → attribute → classify → state
// (ledger, windows, registry) → outcome counts, plus the durable side: checkpoints of every
// partition's state together with the input offset it reflects, and restore on assignment.
// Source-agnostic: the Kafka consumer, the benchmark and tests feed it InputRecords.
// Thread-safety: Process, Checkpoint, Restore, Drop and Publish are called from one thread (the
// consumer's); Snapshot and ListAds may be used from any thread (state is guarded by an internal
// mutex, the ingestion lock); Published, metrics and the collector from any thread without ever
// taking that lock: they read the figures the consumer last published (README "Scrapes").
// (The tiny mutex guarding the published pointer is held only to copy or swap it.)
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

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
#include "store/state_store.h"

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

  // ---- Durability ----
  /// Opens the state store in `dir`. False with `error` (corruption, fingerprint mismatch, I/O).
  bool OpenStore(const std::string& dir, StateStore::OpenMode mode, std::string* error);
  bool durable() const { return store_ != nullptr; }
  /// Restores a newly assigned partition and returns the input offset to resume from; nullopt
  /// when there is no stored state for it (the caller replays it from the earliest offset).
  /// A stored state that fails its checksums is an error (`error` set, nullopt returned).
  std::optional<std::int64_t> RestorePartition(std::int32_t partition, std::string* error);
  /// Discards a partition's state in memory and in the store, to rebuild it from scratch.
  bool ResetPartition(std::int32_t partition, std::string* error);
  /// True when enough has changed since the last checkpoint (count or time).
  bool CheckpointDue() const;
  /// Persists every partition's changes and offsets in one transaction (all partitions, or
  /// only `only`). Without a store it just resets the change sets. False with `error`.
  bool Checkpoint(std::string* error, std::optional<std::int32_t> only = std::nullopt);
  /// Next offset this pipeline has applied for a partition (-1 unknown).
  std::int64_t next_offset(std::int32_t partition) const;
  std::int64_t persisted_offset(std::int32_t partition) const;

  /// A consistent snapshot of every figure, taken now under the ingestion lock (tests, the
  /// final count of a run). Scrapes read Published() instead.
  Figures Snapshot() const;
  /// The figures as last published; never waits on the ingestion lock. What `/metrics`,
  /// `/api/v1/summary` and the live page serve.
  std::shared_ptr<const Figures> Published() const;
  /// Takes a snapshot (under the ingestion lock; its cost no longer depends on tracked ads) and
  /// publishes it. Called by the thread that calls Process, e.g. at the end of a run.
  void Publish();
  /// Publishes when anything changed since the last publication and at least the publication
  /// interval has passed since it: max(kPublishInterval, 20 × the last publication's cost), so
  /// publishing takes at most ~5% of the consumer's time. True when it published.
  bool PublishIfDue(std::chrono::steady_clock::time_point now);
  static constexpr std::chrono::milliseconds kPublishInterval{100};
  /// Holds the ingestion lock until the returned lock is released (tests: what never waits).
  std::unique_lock<std::mutex> LockStateForTest() const { return std::unique_lock(mu_); }
  /// One page of the ads matching `filter` across this instance's partitions (see
  /// MonitorState::ListAds); holds the state lock while it sorts references.
  AdPage ListAds(const AdFilter& filter, std::size_t offset, std::size_t limit) const;
  /// A page of advertisers (MonitorState::ListAdvertisers), under the state lock.
  AdvertiserPage ListAdvertisers(const AdvertiserQuery& query, std::size_t offset,
                                 std::size_t limit) const;
  /// Forgets a partition's state in memory (revoked or lost); the store keeps what it has.
  void DropPartition(std::int32_t partition);
  std::size_t ad_count() const;

  const Config& config() const { return config_; }
  PipelineMetrics& metrics() { return metrics_; }
  const std::shared_ptr<FiguresCollector>& collector() const { return collector_; }

  /// What the stored bytes mean: a hash of StateFingerprintText (`v2-<16 hex>`).
  static std::string StateFingerprint(const Config& config);
  /// The canonical text hashed: one `key=value` line per state-relevant config key (format
  /// version, windows, grace, period, entities, themes, currency, limits, input format and
  /// isolation level). A stored state is refused under any other.
  static std::string StateFingerprintText(const Config& config);

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
  DecodeResult decoded_;  // Process's scratch (Decoder::DecodeInto), one thread
  ConfigEnricher enricher_;
  PipelineMetrics metrics_;
  mutable std::mutex mu_;
  MonitorState state_;
  std::shared_ptr<FiguresCollector> collector_;
  LogRateLimiter reject_log_{10};
  RejectSink reject_sink_;

  // Publication: `changes_` counts changes of the state (under mu_); the consumer publishes
  // what it reached into `published_` (under published_mu_, held only to copy or swap it).
  std::uint64_t changes_ = 0, published_changes_ = 0;
  std::chrono::steady_clock::time_point last_publish_{};
  std::chrono::steady_clock::duration publish_interval_ = kPublishInterval;
  mutable std::mutex published_mu_;
  std::shared_ptr<const Figures> published_;

  std::unique_ptr<StateStore> store_;
  std::map<std::int32_t, std::int64_t> next_offset_;       // applied
  std::map<std::int32_t, std::int64_t> persisted_offset_;  // in the store
  std::size_t since_checkpoint_ = 0;
  std::chrono::steady_clock::time_point last_checkpoint_ = std::chrono::steady_clock::now();
};

}  // namespace adwatch
