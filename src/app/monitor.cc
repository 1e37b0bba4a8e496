#include "app/monitor.h"

#include <librdkafka/rdkafka.h>

#include <chrono>

#include "core/log.h"
#include "export/ads_api.h"
#include "export/advertisers_api.h"
#include "source/kafka_conf.h"

namespace adwatch {

Monitor::Monitor(const Config& config, const Clock& clock, MonitorOptions options)
    : config_(config), options_(options), pipeline_(config, clock) {}

Monitor::~Monitor() {
  if (server_) server_->Stop();
}

bool Monitor::Start(std::string* error) {
  if (!config_.state_dir.empty()) {
    const auto mode = options_.rebuild_state ? StateStore::OpenMode::kRecreate
                                             : StateStore::OpenMode::kOpenOrCreate;
    if (!pipeline_.OpenStore(config_.state_dir, mode, error)) return false;
  }
  server_ = std::make_unique<HttpServer>(
      std::vector<std::shared_ptr<prometheus::Collectable>>{pipeline_.metrics().registry(),
                                                            pipeline_.collector()},
      [this] { return NotReadyReason(); });
  auto ads_api = std::make_shared<AdsApi>(
      config_, [this](const AdFilter& filter, std::size_t offset, std::size_t limit) {
        return pipeline_.ListAds(filter, offset, limit);
      });
  server_->Route("/api/v1/ads", [ads_api](const HttpRequest& r) { return ads_api->Handle(r); });
  auto advertisers_api = std::make_shared<AdvertisersApi>(
      config_, [this](const AdvertiserQuery& query, std::size_t offset, std::size_t limit) {
        return pipeline_.ListAdvertisers(query, offset, limit);
      });
  server_->Route("/api/v1/advertisers",
                 [advertisers_api](const HttpRequest& r) { return advertisers_api->Handle(r); });
  live_page_ = std::make_unique<LivePage>(
      pipeline_.collector(), [this] { return *pipeline_.Published(); },
      [this] { return Incidents(); });
  live_page_->Install(*server_);
  live_page_->StartSampling(1000);
  server_->RequireBasicAuth(config_.web.basic_auth_users);
  if (config_.web.tls) server_->UseTls(*config_.web.tls);
  if (!server_->Start(config_.listen, error)) return false;
  if (!config_.kafka.dead_letter_topic.empty()) {
    dead_letter_ = DeadLetterProducer::Create(
        config_.kafka.brokers, config_.kafka.dead_letter_topic, config_.kafka.properties, error);
    if (!dead_letter_) return false;
    pipeline_.SetRejectSink([this](const InputRecord& record, const Rejection& rejection) {
      dead_letter_->Send(record, RejectReasonName(rejection.reason), rejection.detail);
    });
  }
  consumer_ = KafkaConsumer::Create(ConsumerOptions{config_.kafka.brokers, config_.kafka.group,
                                                    config_.kafka.topic, config_.kafka.properties},
                                    error);
  if (!consumer_) return false;
  consumer_->OnAssigned([this](const auto& parts) { return OnAssigned(parts); });
  consumer_->OnRevoked([this](const auto& parts, bool lost) { OnRevoked(parts, lost); });
  consumer_->OnIncident([this](std::int32_t p, const std::string& why, bool rebuild_helps) {
    OnIncident(p, why, rebuild_helps);
  });
  started_ = true;
  Log(LogLevel::kInfo, "started",
      {{"brokers", config_.kafka.brokers},
       {"topic", config_.kafka.topic},
       {"group", config_.kafka.group},
       {"kafka_properties", DescribeProperties(config_.kafka.properties)},
       {"state", config_.state_dir.empty() ? std::string("memory") : config_.state_dir},
       {"metrics", "http://" + config_.listen.substr(0, config_.listen.rfind(':')) + ":" +
                       std::to_string(server_->port()) + "/metrics"}});
  return true;
}

std::vector<std::int64_t> Monitor::OnAssigned(const std::vector<std::int32_t>& partitions) {
  pipeline_.metrics().CountRebalance();
  std::vector<std::int64_t> offsets;
  for (std::int32_t p : partitions) {
    std::string error;
    std::optional<std::int64_t> offset = pipeline_.RestorePartition(p, &error);
    if (!error.empty()) {
      Fail("state of partition " + std::to_string(p) + " is corrupted: " + error +
           "; restart with --rebuild-state to rebuild it from the input topic");
      offsets.push_back(RD_KAFKA_OFFSET_BEGINNING);
      continue;
    }
    if (offset) {
      Log(LogLevel::kInfo, "partition_restored",
          {{"partition", std::to_string(p)}, {"offset", std::to_string(*offset)}});
      offsets.push_back(*offset);
    } else {
      // No local state: the input topic is the log of record, replay it from the start.
      pipeline_.metrics().CountRebuild();
      Log(LogLevel::kInfo, "partition_rebuild",
          {{"partition", std::to_string(p)}, {"from", "earliest"}});
      offsets.push_back(RD_KAFKA_OFFSET_BEGINNING);
      std::lock_guard lock(status_mu_);
      catching_up_.insert(p);
    }
    std::lock_guard lock(status_mu_);
    assigned_.insert(p);
  }
  return offsets;
}

void Monitor::OnRevoked(const std::vector<std::int32_t>& partitions, bool lost) {
  pipeline_.metrics().CountRebalance();
  for (std::int32_t p : partitions) {
    if (!lost && !failed_) {
      std::string error;
      if (!pipeline_.Checkpoint(&error, p)) Fail("checkpoint on revoke failed: " + error);
    }
    pipeline_.DropPartition(p);
    pipeline_.metrics().RemovePartition(config_.kafka.topic, p);
    std::lock_guard lock(status_mu_);
    assigned_.erase(p);
    catching_up_.erase(p);
    incidents_.erase(p);
  }
  std::lock_guard lock(status_mu_);
  pipeline_.metrics().SetIncidents(static_cast<int>(incidents_.size()));
}

void Monitor::OnIncident(std::int32_t partition, const std::string& why, bool rebuild_helps) {
  // Lost input (the topic truncated) stays an incident even with --on-out-of-range=rebuild: a
  // rebuild would only start late, silently.
  if (options_.rebuild_out_of_range && rebuild_helps) {
    std::string error;
    if (!pipeline_.ResetPartition(partition, &error)) {
      Fail("cannot reset partition " + std::to_string(partition) + ": " + error);
      return;
    }
    pipeline_.metrics().CountRebuild();
    Log(LogLevel::kWarn, "partition_rebuild",
        {{"partition", std::to_string(partition)}, {"from", "earliest"}, {"because", why}});
    if (consumer_->RestartFromBeginning(partition)) {
      std::lock_guard lock(status_mu_);
      catching_up_.insert(partition);
      return;
    }
  }
  std::lock_guard lock(status_mu_);
  incidents_[partition] = rebuild_helps ? why +
                                              "; restart with --on-out-of-range=rebuild to "
                                              "replay it from the earliest offset"
                                        : why;
  pipeline_.metrics().SetIncidents(static_cast<int>(incidents_.size()));
}

void Monitor::Fail(const std::string& why) {
  Log(LogLevel::kError, "fatal", {{"error", why}});
  std::lock_guard lock(status_mu_);
  if (fatal_.empty()) fatal_ = why;
  failed_ = true;
}

std::optional<std::string> Monitor::NotReadyReason() const {
  if (!started_) return "starting";
  std::lock_guard lock(status_mu_);
  if (!fatal_.empty()) return fatal_;
  if (assigned_.empty()) return "no partitions assigned yet";
  if (!incidents_.empty()) {
    return "partition " + std::to_string(incidents_.begin()->first) + " in incident (" +
           incidents_.begin()->second + ")";
  }
  if (!catching_up_.empty()) {
    return "rebuilding partition " + std::to_string(*catching_up_.begin()) +
           " from the earliest offset";
  }
  return std::nullopt;
}

std::vector<std::string> Monitor::Incidents() const {
  std::vector<std::string> out;
  std::lock_guard lock(status_mu_);
  if (!fatal_.empty()) out.push_back(fatal_);
  for (const auto& [partition, why] : incidents_) {
    out.push_back("partition " + std::to_string(partition) + " stopped: " + why);
  }
  for (std::int32_t partition : catching_up_) {
    out.push_back("partition " + std::to_string(partition) + " being rebuilt from the input topic");
  }
  return out;
}

void Monitor::UpdateLag() {
  const auto lags = consumer_->Lags();
  for (const auto& [partition, lag] : lags) {
    if (lag < 0) continue;
    pipeline_.metrics().lag().Set(config_.kafka.topic, partition, static_cast<double>(lag));
    const std::int64_t next = pipeline_.next_offset(partition);
    const std::int64_t persisted = pipeline_.persisted_offset(partition);
    if (pipeline_.durable() && next >= 0 && persisted >= 0) {
      pipeline_.metrics().persisted_lag().Set(config_.kafka.topic, partition,
                                              static_cast<double>(lag + next - persisted));
    }
    if (lag == 0) {
      std::lock_guard lock(status_mu_);
      catching_up_.erase(partition);
    }
  }
}

bool Monitor::CheckpointNow() {
  std::string error;
  if (!pipeline_.Checkpoint(&error)) {
    Fail("checkpoint failed: " + error);
    return false;
  }
  std::map<std::int32_t, std::int64_t> offsets;
  {
    std::lock_guard lock(status_mu_);
    for (std::int32_t p : assigned_) offsets[p] = pipeline_.persisted_offset(p);
  }
  consumer_->CommitOffsets(offsets);
  return true;
}

bool Monitor::Run(const std::atomic<bool>& stop) {
  auto next_lag = std::chrono::steady_clock::now();
  const auto handler = [this](const InputRecord& record) { pipeline_.Process(record); };
  while (!stop.load(std::memory_order_relaxed) && !failed_) {
    consumer_->Poll(100, handler);
    if (pipeline_.CheckpointDue() && !CheckpointNow()) break;
    const auto now = std::chrono::steady_clock::now();
    pipeline_.PublishIfDue(now);  // what scrapes serve (never under the ingestion lock)
    if (now >= next_lag) {
      UpdateLag();
      next_lag = now + std::chrono::seconds(1);
    }
  }
  if (!failed_) CheckpointNow();
  pipeline_.Publish();  // the final figures, before the partitions are revoked
  Log(LogLevel::kInfo, "stopping", {{"ads", std::to_string(pipeline_.ad_count())}});
  // The state is checkpointed: a broker outage must not turn leaving the group into a shutdown
  // that never ends.
  consumer_->CloseWithin(std::chrono::seconds(config_.kafka.close_timeout_seconds));
  started_ = false;
  return !failed_;
}

}  // namespace adwatch
