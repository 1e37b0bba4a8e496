// Building a librdkafka configuration from (property, value) pairs, shared by every Kafka
// client of adwatch (consumer, replay producer, dead-letter producer), with librdkafka's own
// log lines routed to logfmt on stderr, secret values kept out of errors and logs, and
// OAUTHBEARER tokens read from a file or a command (`sasl.oauthbearer.config: file:PATH` or
// `command:CMD`), re-read every kOAuthBearerRefreshSeconds.
#pragma once

#include <librdkafka/rdkafka.h>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace adwatch {

using KafkaProperties = std::vector<std::pair<std::string, std::string>>;

/// A new conf with `properties` applied in order (later ones win). nullptr and `error` naming
/// the property when librdkafka refuses one (never echoing a secret value). `client` prefixes
/// errors and names log lines.
rd_kafka_conf_t* MakeKafkaConf(const KafkaProperties& properties, std::string_view client,
                               std::string* error);

/// rd_kafka_new with the conf; destroys the conf on failure (librdkafka only owns it on success).
rd_kafka_t* NewKafkaClient(rd_kafka_type_t type, rd_kafka_conf_t* conf, std::string_view client,
                           std::string* error);

/// True for a property whose value must never be shown: its name contains password, secret,
/// token, key or jaas, or it is sasl.oauthbearer.config (case-insensitive).
bool IsSecretProperty(std::string_view name);

/// `name=value` pairs separated by spaces for logs, secret values as `[redacted]`.
std::string DescribeProperties(const KafkaProperties& properties);

/// How long a token read by the OAUTHBEARER refresh is declared valid; librdkafka re-reads it
/// at 80% of this.
inline constexpr int kOAuthBearerRefreshSeconds = 600;

/// The token for `sasl.oauthbearer.config` `file:PATH` (the file's content) or `command:CMD`
/// (its standard output; it must exit 0), surrounding whitespace removed. nullopt and `error`
/// (never containing the token) when it cannot be read, is empty, or `config` has neither form.
std::optional<std::string> ReadOAuthBearerToken(std::string_view config, std::string* error);

}  // namespace adwatch
