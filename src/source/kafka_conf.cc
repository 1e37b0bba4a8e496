#include "source/kafka_conf.h"

#include "core/log.h"

namespace adwatch {
namespace {

void LogfmtLog(const rd_kafka_t* rk, int level, const char* facility, const char* message) {
  const char* name = rk != nullptr ? rd_kafka_name(rk) : "rdkafka";
  Log(level <= 3 ? LogLevel::kError : level <= 4 ? LogLevel::kWarn : LogLevel::kInfo, "rdkafka",
      {{"client", name}, {"facility", facility}, {"msg", message}});
}

}  // namespace

rd_kafka_conf_t* MakeKafkaConf(const KafkaProperties& properties, std::string_view client,
                               std::string* error) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char errstr[512] = {0};
  for (const auto& [key, value] : properties) {
    if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), errstr, sizeof errstr) !=
        RD_KAFKA_CONF_OK) {
      *error = std::string(client) + ": kafka property " + key + ": " + errstr;
      rd_kafka_conf_destroy(conf);
      return nullptr;
    }
  }
  rd_kafka_conf_set_log_cb(conf, &LogfmtLog);
  return conf;
}

rd_kafka_t* NewKafkaClient(rd_kafka_type_t type, rd_kafka_conf_t* conf, std::string_view client,
                           std::string* error) {
  char errstr[512] = {0};
  rd_kafka_t* rk = rd_kafka_new(type, conf, errstr, sizeof errstr);
  if (rk == nullptr) {
    rd_kafka_conf_destroy(conf);
    *error = std::string(client) + ": cannot create Kafka client: " + errstr;
  }
  return rk;
}

}  // namespace adwatch
