#include "source/replay.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <thread>

#include "core/rapidjson.h"
#include "source/kafka_conf.h"

namespace adwatch {
namespace {

constexpr std::size_t kMaxParsedLine = 1 << 20;  // longer lines are sent unkeyed, unparsed

std::string_view StringMember(const rapidjson::Value& object, const char* name) {
  if (!object.IsObject()) return {};
  const auto it = object.FindMember(name);
  if (it == object.MemberEnd() || !it->value.IsString()) return {};
  return {it->value.GetString(), it->value.GetStringLength()};
}

}  // namespace

std::string Replayer::KeyOf(std::string_view json_line, bool* is_crawl_end) {
  *is_crawl_end = false;
  if (json_line.size() > kMaxParsedLine) return {};
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag>(
      json_line.data(), json_line.size());
  if (doc.HasParseError() || !doc.IsObject()) return {};
  const auto kind_it = doc.FindMember("kind");
  if (kind_it != doc.MemberEnd()) {
    if (!kind_it->value.IsString()) return {};
    const std::string_view kind(kind_it->value.GetString(), kind_it->value.GetStringLength());
    if (kind == "crawl_end") {
      *is_crawl_end = true;
      return {};
    }
    if (kind == "report") {  // keyed registry:advertiser_id
      const std::string_view registry = StringMember(doc, "registry");
      const std::string_view advertiser = StringMember(doc, "advertiser_id");
      if (registry.empty() || advertiser.empty()) return {};
      return std::string(registry).append(":").append(advertiser);
    }
    if (kind != "observation") return {};
  }
  const std::string_view registry = StringMember(doc, "registry");
  if (registry.empty()) return {};
  const auto ad_it = doc.FindMember("ad");
  if (ad_it == doc.MemberEnd() || !ad_it->value.IsObject()) return {};
  std::string_view id;
  if (registry == "google") id = StringMember(ad_it->value, "Ad_ID");
  if (id.empty()) id = StringMember(ad_it->value, "id");
  if (id.empty()) return {};
  std::string key;
  key.reserve(registry.size() + 1 + id.size());
  key.append(registry).append(":").append(id);
  return key;
}

std::unique_ptr<Replayer> Replayer::Create(const ReplayOptions& options, std::string* error) {
  if (options.brokers.empty()) {
    *error = "replay: no brokers given";
    return nullptr;
  }
  if (options.topic.empty()) {
    *error = "replay: no topic given";
    return nullptr;
  }
  if (!(options.rate >= 0) || !std::isfinite(options.rate)) {
    *error = "replay: rate must be a finite number >= 0";
    return nullptr;
  }

  std::unique_ptr<Replayer> replayer(new Replayer());
  replayer->options_ = options;

  KafkaProperties properties = {
      {"bootstrap.servers", options.brokers}, {"client.id", "adwatch-replay"},
      {"enable.idempotence", "true"},         {"linger.ms", "5"},
      {"partitioner", "murmur2_random"},      {"queue.buffering.max.messages", "200000"},
  };
  properties.insert(properties.end(), options.properties.begin(), options.properties.end());
  rd_kafka_conf_t* conf = MakeKafkaConf(properties, "replay", error);
  if (conf == nullptr) return nullptr;
  rd_kafka_conf_set_dr_msg_cb(conf, &Replayer::OnDelivery);
  rd_kafka_conf_set_opaque(conf, replayer.get());

  replayer->rk_ = NewKafkaClient(RD_KAFKA_PRODUCER, conf, "replay", error);
  if (replayer->rk_ == nullptr) return nullptr;
  replayer->rkt_ = rd_kafka_topic_new(replayer->rk_, options.topic.c_str(), nullptr);
  if (replayer->rkt_ == nullptr) {
    *error = "replay: cannot create topic handle for " + options.topic + ": " +
             rd_kafka_err2str(rd_kafka_last_error());
    return nullptr;
  }

  // Partition count from metadata; the topic may still be appearing (auto-create), so retry.
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::milliseconds(std::max(options.metadata_timeout_ms, 1));
  std::string last = "timed out";
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now())
                          .count();
    if (left <= 0) break;
    const rd_kafka_metadata_t* metadata = nullptr;
    const rd_kafka_resp_err_t err = rd_kafka_metadata(replayer->rk_, 0, replayer->rkt_, &metadata,
                                                      static_cast<int>(std::min<long>(left, 2000)));
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR && metadata != nullptr) {
      if (metadata->topic_cnt == 1 && metadata->topics[0].err == RD_KAFKA_RESP_ERR_NO_ERROR &&
          metadata->topics[0].partition_cnt > 0) {
        replayer->partitions_ = metadata->topics[0].partition_cnt;
      } else if (metadata->topic_cnt == 1) {
        last = rd_kafka_err2str(metadata->topics[0].err);
      }
      rd_kafka_metadata_destroy(metadata);
      if (replayer->partitions_ > 0) break;
    } else {
      last = rd_kafka_err2str(err);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (replayer->partitions_ <= 0) {
    *error =
        "replay: no metadata for topic " + options.topic + " from " + options.brokers + ": " + last;
    return nullptr;
  }
  replayer->pace_start_ = std::chrono::steady_clock::now();
  return replayer;
}

Replayer::~Replayer() {
  if (rk_ != nullptr) rd_kafka_flush(rk_, 2000);
  if (rkt_ != nullptr) rd_kafka_topic_destroy(rkt_);
  if (rk_ != nullptr) rd_kafka_destroy(rk_);
}

void Replayer::OnDelivery(rd_kafka_t* /*rk*/, const rd_kafka_message_t* message, void* opaque) {
  auto* self = static_cast<Replayer*>(opaque);
  if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    self->delivery_errors_.fetch_add(1, std::memory_order_relaxed);
    std::lock_guard<std::mutex> lock(self->error_mu_);
    if (self->first_error_.empty()) self->first_error_ = rd_kafka_err2str(message->err);
  } else {
    self->delivered_.fetch_add(1, std::memory_order_relaxed);
  }
}

void Replayer::Pace() {
  if (options_.rate <= 0) return;
  const auto offset = std::chrono::duration<double>(static_cast<double>(paced_) / options_.rate);
  const auto target =
      pace_start_ + std::chrono::duration_cast<std::chrono::steady_clock::duration>(offset);
  ++paced_;
  for (;;) {
    if (options_.stop != nullptr && options_.stop->load(std::memory_order_relaxed)) return;
    const auto now = std::chrono::steady_clock::now();
    if (now >= target) return;
    rd_kafka_poll(rk_, 0);
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
        target - now, std::chrono::milliseconds(100)));
  }
}

bool Replayer::Produce(std::string_view value, std::int32_t partition, std::string_view key) {
  Pace();
  for (;;) {
    // RD_KAFKA_MSG_F_COPY: librdkafka takes its own copy, so the payload is never written.
    const int rc =
        rd_kafka_produce(rkt_, partition, RD_KAFKA_MSG_F_COPY, const_cast<char*>(value.data()),
                         value.size(), key.empty() ? nullptr : key.data(), key.size(), nullptr);
    if (rc == 0) {
      messages_.fetch_add(1, std::memory_order_relaxed);
      rd_kafka_poll(rk_, 0);
      return true;
    }
    const rd_kafka_resp_err_t err = rd_kafka_last_error();
    if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      rd_kafka_poll(rk_, 100);  // serve delivery reports until there is room
      continue;
    }
    delivery_errors_.fetch_add(1, std::memory_order_relaxed);
    std::lock_guard<std::mutex> lock(error_mu_);
    if (first_error_.empty()) first_error_ = rd_kafka_err2str(err);
    return false;
  }
}

bool Replayer::Send(std::string_view json_line) {
  bool is_crawl_end = false;
  const std::string key = KeyOf(json_line, &is_crawl_end);
  if (is_crawl_end) {
    crawl_ends_.fetch_add(1, std::memory_order_relaxed);
    bool ok = true;
    for (std::int32_t p = 0; p < partitions_; ++p) ok = Produce(json_line, p, {}) && ok;
    return ok;
  }
  if (key.empty()) {
    unkeyed_.fetch_add(1, std::memory_order_relaxed);
  } else {
    observations_.fetch_add(1, std::memory_order_relaxed);
  }
  return Produce(json_line, RD_KAFKA_PARTITION_UA, key);
}

bool Replayer::SendToPartition(std::string_view value, std::int32_t partition,
                               std::string_view key) {
  if (partition < 0 || partition >= partitions_) return false;
  return Produce(value, partition, key);
}

bool Replayer::Flush(int timeout_ms) {
  return rd_kafka_flush(rk_, timeout_ms) == RD_KAFKA_RESP_ERR_NO_ERROR;
}

ReplayStats Replayer::stats() const {
  ReplayStats s;
  s.observations = observations_.load(std::memory_order_relaxed);
  s.crawl_ends = crawl_ends_.load(std::memory_order_relaxed);
  s.unkeyed = unkeyed_.load(std::memory_order_relaxed);
  s.messages = messages_.load(std::memory_order_relaxed);
  s.delivered = delivered_.load(std::memory_order_relaxed);
  s.delivery_errors = delivery_errors_.load(std::memory_order_relaxed);
  return s;
}

std::string Replayer::first_error() const {
  std::lock_guard<std::mutex> lock(error_mu_);
  return first_error_;
}

}  // namespace adwatch
