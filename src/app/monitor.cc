#include "app/monitor.h"

#include <chrono>

#include "core/log.h"

namespace adwatch {

Monitor::Monitor(const Config& config, const Clock& clock)
    : config_(config), pipeline_(config, clock) {}

Monitor::~Monitor() {
  if (server_) server_->Stop();
}

bool Monitor::Start(std::string* error) {
  server_ = std::make_unique<HttpServer>(
      std::vector<std::shared_ptr<prometheus::Collectable>>{pipeline_.metrics().registry(),
                                                            pipeline_.collector()},
      [this] { return NotReadyReason(); });
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
  consumer_->OnAssigned([this](const std::vector<std::int32_t>& parts) {
    assigned_ += static_cast<int>(parts.size());
  });
  consumer_->OnRevoked([this](const std::vector<std::int32_t>& parts) {
    assigned_ -= static_cast<int>(parts.size());
    for (std::int32_t p : parts) {
      pipeline_.DropPartition(p);
      pipeline_.metrics().ClearLag(config_.kafka.topic, p);
    }
  });
  started_ = true;
  Log(LogLevel::kInfo, "started",
      {{"brokers", config_.kafka.brokers},
       {"topic", config_.kafka.topic},
       {"group", config_.kafka.group},
       {"metrics", "http://" + config_.listen.substr(0, config_.listen.rfind(':')) + ":" +
                       std::to_string(server_->port()) + "/metrics"}});
  return true;
}

std::optional<std::string> Monitor::NotReadyReason() const {
  if (!started_) return "starting";
  if (assigned_ <= 0) return "no partitions assigned yet";
  return std::nullopt;
}

void Monitor::UpdateLag() {
  for (const auto& [partition, lag] : consumer_->Lags()) {
    if (lag >= 0) pipeline_.metrics().SetLag(config_.kafka.topic, partition, lag);
  }
}

void Monitor::Run(const std::atomic<bool>& stop) {
  auto next_lag = std::chrono::steady_clock::now();
  const auto handler = [this](const InputRecord& record) { pipeline_.Process(record); };
  while (!stop.load(std::memory_order_relaxed)) {
    consumer_->Poll(100, handler);
    const auto now = std::chrono::steady_clock::now();
    if (now >= next_lag) {
      UpdateLag();
      next_lag = now + std::chrono::seconds(1);
    }
  }
  Log(LogLevel::kInfo, "stopping", {{"ads", std::to_string(pipeline_.ad_count())}});
  consumer_->Close();
  started_ = false;
}

}  // namespace adwatch
