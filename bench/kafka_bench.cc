// End to end through the embedded Kafka cluster (SPEC §6): a fresh consumer group consuming the
// whole simulated topic through KafkaConsumer + Pipeline, beside kcat's raw consume rate of the
// same topic, a raw librdkafka consume loop and KafkaConsumer with a no-op handler. Timing of
// each run starts at its first message (group join and connection set-up are excluded) and
// ends at the last; the counters also give the whole duration.
#include "kafka_bench.h"

#include <benchmark/benchmark.h>
#include <librdkafka/rdkafka.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "app/pipeline.h"
#include "bench_data.h"
#include "config/config.h"
#include "source/kafka_consumer.h"
#include "source/replay.h"

namespace adwatch::bench {
namespace {

using SteadyClock = std::chrono::steady_clock;

double Seconds(SteadyClock::time_point a, SteadyClock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

std::unique_ptr<KafkaFixture>& FixtureSlot() {
  static std::unique_ptr<KafkaFixture> fixture;
  return fixture;
}

// Sums the topic's watermarks into `messages` and `trimmed`.
bool QueryWatermarks(KafkaFixture& f) {
  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", f.cluster->bootstrap().c_str(), errstr,
                    sizeof errstr);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (rk == nullptr) {
    f.error = errstr;
    return false;
  }
  f.messages = f.trimmed = 0;
  bool ok = true;
  for (std::int32_t p = 0; p < f.partitions; ++p) {
    std::int64_t low = 0, high = 0;
    const rd_kafka_resp_err_t err =
        rd_kafka_query_watermark_offsets(rk, f.topic.c_str(), p, &low, &high, 10000);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      f.error = std::string("watermarks: ") + rd_kafka_err2str(err);
      ok = false;
      break;
    }
    f.messages += high - low;
    f.trimmed += low;
  }
  rd_kafka_destroy(rk);
  return ok;
}

// Produces the longest prefix of the simulated stream that keeps every partition's estimated
// log under ADWATCH_BENCH_PARTITION_KIB (default 4096): the mock keeps only ~5 MiB each.
void Produce(KafkaFixture& f) {
  const SimDataset& data = Sim();
  const auto budget = static_cast<std::int64_t>(EnvOr("ADWATCH_BENCH_PARTITION_KIB", 4096)) * 1024;
  constexpr std::int64_t kRecordOverhead = 80;  // record + amortised batch headers
  std::vector<std::int64_t> bytes(static_cast<std::size_t>(f.partitions), 0);
  std::size_t n = 0;
  for (; n < data.lines.size(); ++n) {
    const auto size = static_cast<std::int64_t>(data.lines[n].size()) + kRecordOverhead;
    std::vector<std::int64_t> next = bytes;
    if (data.crawl_end[n]) {
      for (auto& b : next) b += size;
    } else {
      const std::string& key = data.keys[n];
      const std::int32_t p = rd_kafka_msg_partitioner_murmur2(nullptr, key.data(), key.size(),
                                                              f.partitions, nullptr, nullptr);
      next[static_cast<std::size_t>(p)] += size + static_cast<std::int64_t>(key.size());
    }
    bool fits = true;
    for (auto b : next) fits = fits && b <= budget;
    if (!fits) break;
    bytes.swap(next);
  }
  for (auto b : bytes) f.max_partition_bytes = std::max(f.max_partition_bytes, b);
  f.lines = n;

  std::string error;
  ReplayOptions options;
  options.brokers = f.cluster->bootstrap();
  options.topic = f.topic;
  auto replayer = Replayer::Create(options, &error);
  if (!replayer) {
    f.error = "replayer: " + error;
    return;
  }
  const auto start = SteadyClock::now();
  for (std::size_t i = 0; i < n; ++i) {
    replayer->Send(data.lines[i]);
    f.value_bytes +=
        static_cast<std::int64_t>(data.lines[i].size()) * (data.crawl_end[i] ? f.partitions : 1);
  }
  if (!replayer->Flush(120000)) {
    f.error = "replayer: flush timed out";
    return;
  }
  f.produce_seconds = Seconds(start, SteadyClock::now());
  const ReplayStats stats = replayer->stats();
  if (stats.delivery_errors != 0) {
    f.error = "replayer: " + std::to_string(stats.delivery_errors) +
              " delivery errors, first: " + replayer->first_error();
    return;
  }
  replayer.reset();
  if (!QueryWatermarks(f)) return;
  if (f.messages != stats.messages) {
    f.error = "topic holds " + std::to_string(f.messages) + " messages, produced " +
              std::to_string(stats.messages) + " (the mock dropped some: lower the budget)";
  }
}

// The figures every Kafka benchmark reports.
void Report(benchmark::State& state, const KafkaFixture& f, std::int64_t consumed,
            double timed_seconds, double total_seconds) {
  state.SetIterationTime(timed_seconds);
  state.SetItemsProcessed(consumed);
  state.counters["msgs"] = static_cast<double>(consumed);
  state.counters["msgs_per_s"] =
      benchmark::Counter(static_cast<double>(consumed), benchmark::Counter::kIsRate);
  state.counters["total_s"] = total_seconds;
  state.counters["avg_msg_bytes"] =
      static_cast<double>(f.value_bytes) / static_cast<double>(f.messages);
  if (consumed != f.messages) {
    state.SkipWithError(
        ("consumed " + std::to_string(consumed) + " of " + std::to_string(f.messages) + " messages")
            .c_str());
  }
}

KafkaFixture* ReadyFixture(benchmark::State& state) {
  KafkaFixture& f = Kafka();
  if (!f.error.empty()) {
    state.SkipWithError(f.error.c_str());
    return nullptr;
  }
  return &f;
}

std::string UniqueGroup(const char* what) {
  static int counter = 0;
  return std::string("bench-") + what + "-" + std::to_string(getpid()) + "-" +
         std::to_string(++counter);
}

// Gives up when nothing arrives for this long.
constexpr double kIdleLimitSeconds = 30;

void BM_KafkaKcat(benchmark::State& state) {
  KafkaFixture* f = ReadyFixture(state);
  if (f == nullptr) return;
  for (auto _ : state) {
    const std::string cmd = "kcat -C -b " + f->cluster->bootstrap() + " -t " + f->topic +
                            " -o beginning -e -q -f '%o\\n' 2>/dev/null";
    const auto start = SteadyClock::now();
    FILE* pipe = popen(cmd.c_str(), "r");
    if (pipe == nullptr) {
      state.SkipWithError("cannot run kcat");
      return;
    }
    std::int64_t lines = 0;
    SteadyClock::time_point first{}, last{};
    char buf[1 << 16];
    std::size_t got = 0;
    while ((got = std::fread(buf, 1, sizeof buf, pipe)) > 0) {
      if (lines == 0) first = SteadyClock::now();
      for (std::size_t i = 0; i < got; ++i) lines += buf[i] == '\n' ? 1 : 0;
      last = SteadyClock::now();
    }
    const int status = pclose(pipe);
    const auto end = SteadyClock::now();
    if (lines == 0) {
      state.SkipWithError(("kcat printed nothing, status " + std::to_string(status)).c_str());
      return;
    }
    Report(state, *f, lines, Seconds(first, last), Seconds(start, end));
  }
}
BENCHMARK(BM_KafkaKcat)
    ->Iterations(1)
    ->Repetitions(3)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

// librdkafka's consumer API without KafkaConsumer or the pipeline: assign every partition from
// the beginning (no group join), poll and drop. Same prefetch settings as KafkaConsumer.
void BM_KafkaRawLibrdkafka(benchmark::State& state) {
  KafkaFixture* f = ReadyFixture(state);
  if (f == nullptr) return;
  for (auto _ : state) {
    char errstr[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    const std::string group = UniqueGroup("raw");
    const std::pair<const char*, const char*> props[] = {
        {"bootstrap.servers", f->cluster->bootstrap().c_str()},
        {"group.id", group.c_str()},
        {"enable.auto.commit", "false"},
        {"enable.partition.eof", "false"},
        {"queued.min.messages", "200000"},
        {"queued.max.messages.kbytes", "262144"},
        {"fetch.wait.max.ms", "100"},
    };
    for (const auto& [k, v] : props) rd_kafka_conf_set(conf, k, v, errstr, sizeof errstr);
    const auto start = SteadyClock::now();
    rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);
    if (rk == nullptr) {
      state.SkipWithError(errstr);
      return;
    }
    rd_kafka_poll_set_consumer(rk);
    rd_kafka_topic_partition_list_t* parts = rd_kafka_topic_partition_list_new(f->partitions);
    for (std::int32_t p = 0; p < f->partitions; ++p) {
      rd_kafka_topic_partition_list_add(parts, f->topic.c_str(), p)->offset =
          RD_KAFKA_OFFSET_BEGINNING;
    }
    rd_kafka_assign(rk, parts);
    rd_kafka_topic_partition_list_destroy(parts);
    std::int64_t count = 0;
    std::int64_t bytes = 0;
    SteadyClock::time_point first{}, last = SteadyClock::now();
    while (count < f->messages && Seconds(last, SteadyClock::now()) < kIdleLimitSeconds) {
      rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 100);
      if (m == nullptr) continue;
      if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        if (count == 0) first = SteadyClock::now();
        ++count;
        bytes += static_cast<std::int64_t>(m->len);
        last = SteadyClock::now();
      }
      rd_kafka_message_destroy(m);
    }
    const auto end = SteadyClock::now();
    benchmark::DoNotOptimize(bytes);
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    Report(state, *f, count, Seconds(first, last), Seconds(start, end));
  }
}
BENCHMARK(BM_KafkaRawLibrdkafka)
    ->Iterations(1)
    ->Repetitions(3)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

// A fresh consumer group through KafkaConsumer; `with_pipeline` feeds Pipeline::Process,
// otherwise the handler does nothing (the consumer's own cost: offset store, bookkeeping).
void ConsumeGroup(benchmark::State& state, bool with_pipeline) {
  KafkaFixture* f = ReadyFixture(state);
  if (f == nullptr) return;
  for (auto _ : state) {
    FixedClock clock;
    Pipeline pipeline(DefaultConfig(), clock);
    std::string error;
    const auto start = SteadyClock::now();
    auto consumer = KafkaConsumer::Create(
        ConsumerOptions{
            f->cluster->bootstrap(), UniqueGroup(with_pipeline ? "e2e" : "noop"), f->topic, {}},
        &error);
    if (!consumer) {
      state.SkipWithError(error.c_str());
      return;
    }
    std::int64_t count = 0, rejected = 0;
    const KafkaConsumer::Handler handler = [&](const InputRecord& record) {
      if (with_pipeline) rejected += pipeline.Process(record) == Outcome::kRejected ? 1 : 0;
    };
    SteadyClock::time_point first{}, last = SteadyClock::now();
    while (count < f->messages && Seconds(last, SteadyClock::now()) < kIdleLimitSeconds) {
      if (!consumer->Poll(100, handler)) continue;
      if (count == 0) first = SteadyClock::now();
      ++count;
      last = SteadyClock::now();
    }
    const auto end = SteadyClock::now();
    consumer->Close();
    Report(state, *f, count, Seconds(first, last), Seconds(start, end));
    state.counters["rejected"] = static_cast<double>(rejected);
    if (with_pipeline) state.counters["tracked_ads"] = static_cast<double>(pipeline.ad_count());
  }
}

void BM_KafkaConsumerNoop(benchmark::State& state) { ConsumeGroup(state, false); }
BENCHMARK(BM_KafkaConsumerNoop)
    ->Iterations(1)
    ->Repetitions(3)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

void BM_KafkaEndToEnd(benchmark::State& state) { ConsumeGroup(state, true); }
BENCHMARK(BM_KafkaEndToEnd)
    ->Iterations(1)
    ->Repetitions(3)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace

KafkaFixture& Kafka() {
  auto& slot = FixtureSlot();
  if (slot) return *slot;
  slot = std::make_unique<KafkaFixture>();
  KafkaFixture& f = *slot;
  std::string error;
  f.cluster = EmbeddedKafka::Start(
      EmbeddedKafka::Options{1, f.partitions, std::vector<std::string>{f.topic}}, &error);
  if (!f.cluster) {
    f.error = "embedded kafka: " + error;
    return f;
  }
  Produce(f);
  std::fprintf(stderr,
               "kafka fixture: %zu lines -> %lld messages (%lld trimmed), %.1f MiB values, fullest "
               "partition ~%.2f MiB, produced in %.1f s%s%s\n",
               f.lines, static_cast<long long>(f.messages), static_cast<long long>(f.trimmed),
               static_cast<double>(f.value_bytes) / 1048576.0,
               static_cast<double>(f.max_partition_bytes) / 1048576.0, f.produce_seconds,
               f.error.empty() ? "" : ": ", f.error.c_str());
  return f;
}

void ShutdownKafka() { FixtureSlot().reset(); }

}  // namespace adwatch::bench
