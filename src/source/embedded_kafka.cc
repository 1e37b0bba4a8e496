#include "source/embedded_kafka.h"

#include <algorithm>
#include <cstdio>
#include <string>

namespace adwatch {
namespace {

// The host handle never connects anywhere; keep its notices (e.g. "no bootstrap.servers")
// and the mock's per-connection warnings out of the terminal. Errors still show, one line each.
void QuietLog(const rd_kafka_t* /*rk*/, int level, const char* fac, const char* buf) {
  if (level > 3) return;
  std::string msg;
  for (const char* c = buf; *c != '\0'; ++c) {
    if (*c == '"' || *c == '\\') msg.push_back('\\');
    msg.push_back(*c == '\n' ? ' ' : *c);
  }
  std::fprintf(stderr, "level=error component=embedded_kafka facility=%s msg=\"%s\"\n", fac,
               msg.c_str());
}

}  // namespace

std::unique_ptr<EmbeddedKafka> EmbeddedKafka::Start(const Options& options, std::string* error) {
  if (options.brokers < 1 || options.brokers > 1000) {
    *error = "embedded kafka: brokers must be in [1, 1000], got " + std::to_string(options.brokers);
    return nullptr;
  }
  if (options.partitions < 1 || options.partitions > 1000) {
    *error = "embedded kafka: partitions must be in [1, 1000], got " +
             std::to_string(options.partitions);
    return nullptr;
  }
  for (const auto& topic : options.topics) {
    if (topic.empty()) {
      *error = "embedded kafka: empty topic name";
      return nullptr;
    }
  }

  char errstr[512] = {0};
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  if (rd_kafka_conf_set(conf, "client.id", "adwatch-embedded-kafka", errstr, sizeof(errstr)) !=
      RD_KAFKA_CONF_OK) {
    rd_kafka_conf_destroy(conf);
    *error = std::string("embedded kafka: ") + errstr;
    return nullptr;
  }
  rd_kafka_conf_set_log_cb(conf, QuietLog);
  rd_kafka_t* host = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
  if (host == nullptr) {  // conf is still ours on failure
    rd_kafka_conf_destroy(conf);
    *error = std::string("embedded kafka: cannot create host handle: ") + errstr;
    return nullptr;
  }

  std::unique_ptr<EmbeddedKafka> kafka(new EmbeddedKafka());
  kafka->options_ = options;
  kafka->host_ = host;
  kafka->mock_ = rd_kafka_mock_cluster_new(host, options.brokers);
  if (kafka->mock_ == nullptr) {
    *error = "embedded kafka: cannot create the mock cluster";
    return nullptr;  // the destructor releases the host handle
  }
  const int replication = std::min(options.brokers, 3);
  for (const auto& topic : options.topics) {
    const rd_kafka_resp_err_t err =
        rd_kafka_mock_topic_create(kafka->mock_, topic.c_str(), options.partitions, replication);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      *error = "embedded kafka: cannot create topic " + topic + ": " + rd_kafka_err2str(err);
      return nullptr;
    }
  }
  const char* bootstraps = rd_kafka_mock_cluster_bootstraps(kafka->mock_);
  kafka->bootstrap_ = bootstraps != nullptr ? bootstraps : "";
  if (kafka->bootstrap_.empty()) {
    *error = "embedded kafka: the mock cluster has no bootstrap address";
    return nullptr;
  }
  return kafka;
}

EmbeddedKafka::~EmbeddedKafka() {
  if (mock_ != nullptr) rd_kafka_mock_cluster_destroy(mock_);
  if (host_ != nullptr) rd_kafka_destroy(host_);
}

}  // namespace adwatch
