// Building a librdkafka configuration from (property, value) pairs, shared by every Kafka
// client of adwatch (consumer, replay producer, dead-letter producer), with librdkafka's own
// log lines routed to logfmt on stderr.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <librdkafka/rdkafka.h>

namespace adwatch {

using KafkaProperties = std::vector<std::pair<std::string, std::string>>;

/// A new conf with `properties` applied in order (later ones win). nullptr and `error` naming
/// the property when librdkafka refuses one. `client` prefixes errors and names log lines.
rd_kafka_conf_t* MakeKafkaConf(const KafkaProperties& properties, std::string_view client,
                               std::string* error);

/// rd_kafka_new with the conf; destroys the conf on failure (librdkafka only owns it on success).
rd_kafka_t* NewKafkaClient(rd_kafka_type_t type, rd_kafka_conf_t* conf, std::string_view client,
                           std::string* error);

}  // namespace adwatch
