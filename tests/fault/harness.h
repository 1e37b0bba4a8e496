// The fault-test harness: a standalone `adwatch kafka` cluster process (3 brokers, a control
// channel on its stdin), a generated stream with its oracle, and `adwatch run` instances as
// separate processes with their own --state directories, which the scenarios start, stop,
// kill -9, SIGSTOP and SIGCONT. Drain() waits until the instances have accounted for every
// message in the topic; CheckFigures() then compares the SUM over instances of every figure
// with the oracle, exactly in pence, and runs promtool on each scrape.
//
// Test-only, single-threaded except the optional background producer (StartProducing).
// Everything lives under a temporary directory that the destructor removes, after killing
// every process it started.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "config/config.h"
#include "source/replay.h"
#include "stream_generator.h"
#include "test_support.h"

namespace adwatch::fault {

constexpr const char* kTopic = "adwatch.observations";

/// `adwatch kafka --brokers B --partitions P` as its own process, so it outlives the monitors.
class Cluster {
 public:
  Cluster(int partitions, int brokers);
  ~Cluster();
  /// Empty when the cluster did not start (then Log() says why).
  const std::string& bootstrap() const { return bootstrap_; }
  /// Sends one control command and returns its answer line (`ok`, `error: ...`), or an empty
  /// string when no answer came within `seconds`.
  std::string Control(const std::string& command, double seconds = 10);
  std::string Log() const { return proc_->Stderr(); }
  int partitions() const { return partitions_; }
  /// `broker up -1`, then waits until every broker accepts TCP connections again, repeating
  /// the command every 2 s while one refuses (librdkafka 2.0.2's mock broker occasionally does
  /// not reopen its listener on the first `up`). Returns how many `up` commands it took, or 0
  /// when the brokers still refuse after `seconds`.
  int BringAllBrokersUp(double seconds = 30);

 private:
  std::unique_ptr<testing::Subprocess> proc_;
  std::string bootstrap_;
  int partitions_;
  size_t answers_ = 0;
};

class Harness;

/// One `adwatch run` process slot with a fixed --state directory; it may be started many times.
class Instance {
 public:
  Instance(Harness* harness, std::string name, std::string state_dir);
  ~Instance();

  /// Starts `adwatch run` (plus `extra` arguments) and waits for its `event=started` line.
  /// False (with the log in *why) when it exits or does not start within 60 s.
  bool Start(const std::vector<std::string>& extra = {}, std::string* why = nullptr);
  /// Starts and waits for the process to exit; returns its exit code (-1: did not exit in 60 s).
  int RunExpectingExit(const std::vector<std::string>& extra = {});
  void Kill();    // SIGKILL, reaped
  int Stop();     // SIGTERM; returns the exit code (expected 0)
  void Pause();   // SIGSTOP
  void Resume();  // SIGCONT
  bool running() const { return proc_ != nullptr && !proc_->exited() && !paused_; }
  /// True when the process was started and has since exited on its own (reaps it).
  bool Died();
  bool paused() const { return paused_; }
  int port() const { return port_; }
  const std::string& name() const { return name_; }
  const std::string& state_dir() const { return state_dir_; }
  /// stderr of the current process.
  std::string Log() const;
  /// stderr of every process this slot ran, each headed by its start (for failure messages).
  std::string History() const;

  /// The current scrape (empty when not running or unreachable).
  std::string Metrics() const;
  int Readyz(std::string* body = nullptr) const;

 private:
  void Retire();  // keep the log of a finished process in history_

  Harness* harness_;
  std::string name_, state_dir_;
  std::unique_ptr<testing::Subprocess> proc_;
  int port_ = 0;
  bool paused_ = false;
  int runs_ = 0;
  std::string history_;
};

struct HarnessOptions {
  int partitions = 4;
  int brokers = 3;
  std::uint64_t seed = 7;
  int ads = 150;
  int crawls = 16;
  /// The consumer's session.timeout.ms (via the config file's kafka.properties).
  int session_timeout_ms = 6000;
};

class Harness {
 public:
  explicit Harness(const HarnessOptions& options);
  ~Harness();
  Harness(const Harness&) = delete;
  Harness& operator=(const Harness&) = delete;

  /// False (and a reason in error()) when the cluster or the producer could not start.
  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }

  Cluster& cluster() { return *cluster_; }
  /// Replaces the cluster process with a new, empty one (new bootstrap address); the produced
  /// count starts again from zero. Instances started afterwards use the new cluster.
  bool RestartCluster();

  const Config& config() const { return config_; }
  const HarnessOptions& options() const { return options_; }
  const std::vector<testing::GeneratedMessage>& messages() const { return messages_; }
  const testing::Expected& expected() const { return expected_; }
  /// Kafka messages the stream holds: observations + crawl_ends x partitions.
  long long stream_messages() const;

  /// Produces messages_[from, to) and waits for their delivery; false on any delivery error.
  bool Produce(size_t from, size_t to);
  bool ProduceAll() { return Produce(0, messages_.size()); }
  /// Produces `value` to `partition` with no key (extra messages outside the generated stream).
  bool ProduceRaw(const std::string& value, int partition, int count);
  /// Produces the whole stream in a background thread at `rate` messages per second.
  void StartProducing(double rate);
  /// Joins the background producer; false on delivery errors.
  bool FinishProducing();
  /// Kafka messages delivered to the topic of the current cluster so far.
  long long produced() const { return produced_.load(); }

  Instance& AddInstance(const std::string& name);
  std::vector<std::unique_ptr<Instance>>& instances() { return instances_; }

  /// Sum of adwatch_events_total over the running instances (-1 when a scrape failed).
  double EventsTotal() const;
  /// Waits until the running instances together have accounted for every produced message and
  /// each answers /readyz 200, stable over two polls; false with a description on timeout, or
  /// early when an instance died or has had a partition in incident for 10 s.
  bool Drain(double seconds, std::string* why);
  /// Compares the sum over running instances of every figure with the oracle, the sum of
  /// adwatch_events_total with the produced count, each instance's watermark, and runs promtool
  /// on each scrape. Records GoogleTest failures with every instance's log.
  void CheckFigures();

  /// The arguments of `adwatch run` for an instance (without the extra ones).
  std::vector<std::string> RunArgs(const Instance& instance) const;
  const std::string& dir() const { return dir_; }
  /// Every instance's history and the cluster log, for failure messages.
  std::string Logs() const;

 private:
  bool MakeReplayer();

  HarnessOptions options_;
  std::string dir_, config_path_, group_;
  std::string error_;
  Config config_;
  std::unique_ptr<Cluster> cluster_;
  std::unique_ptr<Replayer> replayer_;
  std::vector<testing::GeneratedMessage> messages_;
  testing::Expected expected_;
  std::atomic<long long> produced_{0};
  std::atomic<bool> producing_failed_{false};
  std::thread producer_;
  std::vector<std::unique_ptr<Instance>> instances_;
};

/// The seed count of the kill -9 sweep: ADWATCH_FAULT_SEEDS when set, else `fallback`.
int SeedsFromEnv(int fallback);

}  // namespace adwatch::fault
