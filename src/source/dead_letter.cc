#include "source/dead_letter.h"

#include "source/kafka_conf.h"

namespace adwatch {

std::unique_ptr<DeadLetterProducer> DeadLetterProducer::Create(
    const std::string& brokers, const std::string& topic,
    const std::vector<std::pair<std::string, std::string>>& properties, std::string* error) {
  std::unique_ptr<DeadLetterProducer> p(new DeadLetterProducer());
  p->topic_ = topic;
  KafkaProperties props = {
      {"bootstrap.servers", brokers}, {"linger.ms", "50"}, {"message.max.bytes", "10000000"}};
  for (const auto& kv : properties) {
    // Consumer-only properties of the shared kafka section do not apply to a producer.
    if (kv.first.rfind("sasl.", 0) == 0 || kv.first.rfind("ssl.", 0) == 0 ||
        kv.first == "security.protocol" || kv.first == "client.id") {
      props.push_back(kv);
    }
  }
  rd_kafka_conf_t* conf = MakeKafkaConf(props, "dead-letter producer", error);
  if (conf == nullptr) return nullptr;
  rd_kafka_conf_set_opaque(conf, p.get());
  rd_kafka_conf_set_dr_msg_cb(conf, &DeadLetterProducer::OnDelivery);
  p->rk_ = NewKafkaClient(RD_KAFKA_PRODUCER, conf, "dead-letter producer", error);
  if (p->rk_ == nullptr) return nullptr;
  return p;
}

DeadLetterProducer::~DeadLetterProducer() {
  if (rk_ == nullptr) return;
  rd_kafka_flush(rk_, 5000);
  rd_kafka_destroy(rk_);
}

void DeadLetterProducer::OnDelivery(rd_kafka_t* /*rk*/, const rd_kafka_message_t* message,
                                    void* opaque) {
  if (message->err == RD_KAFKA_RESP_ERR_NO_ERROR) return;
  auto* self = static_cast<DeadLetterProducer*>(opaque);
  long long suppressed = 0;
  if (self->failures_.Allow(&suppressed)) {
    Log(LogLevel::kWarn, "dead_letter_failed",
        {{"error", rd_kafka_err2str(message->err)}, {"suppressed", std::to_string(suppressed)}});
  }
}

void DeadLetterProducer::Send(const InputRecord& record, std::string_view reason,
                              std::string_view detail) {
  const std::string partition = std::to_string(record.partition);
  const std::string offset = std::to_string(record.offset);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wold-style-cast"  // librdkafka's RD_KAFKA_V_* macros
  const rd_kafka_resp_err_t err = rd_kafka_producev(
      rk_, RD_KAFKA_V_TOPIC(topic_.c_str()),
      RD_KAFKA_V_VALUE(const_cast<char*>(record.value.data()), record.value.size()),
      RD_KAFKA_V_KEY(const_cast<char*>(record.key.data()), record.key.size()),
      RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
      RD_KAFKA_V_HEADER("adwatch-reason", reason.data(), static_cast<ssize_t>(reason.size())),
      RD_KAFKA_V_HEADER("adwatch-detail", detail.data(), static_cast<ssize_t>(detail.size())),
      RD_KAFKA_V_HEADER("adwatch-topic", record.topic.data(),
                        static_cast<ssize_t>(record.topic.size())),
      RD_KAFKA_V_HEADER("adwatch-partition", partition.data(),
                        static_cast<ssize_t>(partition.size())),
      RD_KAFKA_V_HEADER("adwatch-offset", offset.data(), static_cast<ssize_t>(offset.size())),
      RD_KAFKA_V_END);
#pragma GCC diagnostic pop
  rd_kafka_poll(rk_, 0);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    long long suppressed = 0;
    if (failures_.Allow(&suppressed)) {
      Log(LogLevel::kWarn, "dead_letter_failed",
          {{"error", rd_kafka_err2str(err)}, {"suppressed", std::to_string(suppressed)}});
    }
  }
}

}  // namespace adwatch
