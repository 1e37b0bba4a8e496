#include "source/kafka_conf.h"

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "core/log.h"

namespace adwatch {
namespace {

constexpr std::string_view kTokenFile = "file:";
constexpr std::string_view kTokenCommand = "command:";

void LogfmtLog(const rd_kafka_t* rk, int level, const char* facility, const char* message) {
  const char* name = rk != nullptr ? rd_kafka_name(rk) : "rdkafka";
  Log(level <= 3   ? LogLevel::kError
      : level <= 4 ? LogLevel::kWarn
                   : LogLevel::kInfo,
      "rdkafka", {{"client", name}, {"facility", facility}, {"msg", message}});
}

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

std::string Trim(std::string s) {
  const auto space = [](char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; };
  while (!s.empty() && space(s.back())) s.pop_back();
  std::size_t start = 0;
  while (start < s.size() && space(s[start])) ++start;
  return s.substr(start);
}

// librdkafka's OAUTHBEARER refresh callback: called at start and at 80% of the token lifetime.
void RefreshOAuthBearerToken(rd_kafka_t* rk, const char* config, void* /*opaque*/) {
  std::string error;
  const auto token = ReadOAuthBearerToken(config != nullptr ? config : "", &error);
  if (!token) {
    rd_kafka_oauthbearer_set_token_failure(rk, error.c_str());
    return;
  }
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  const std::int64_t expiry_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now).count() +
      std::int64_t{kOAuthBearerRefreshSeconds} * 1000;
  char errstr[512] = {0};
  // The principal is informational on the client side; the broker takes it from the token.
  if (rd_kafka_oauthbearer_set_token(rk, token->c_str(), expiry_ms, "adwatch", nullptr, 0, errstr,
                                     sizeof errstr) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    rd_kafka_oauthbearer_set_token_failure(rk, errstr);
  }
}

}  // namespace

bool IsSecretProperty(std::string_view name) {
  std::string lower(name);
  for (char& c : lower) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  for (const std::string_view word : {"password", "secret", "token", "key", "jaas"}) {
    if (lower.find(word) != std::string::npos) return true;
  }
  return lower == "sasl.oauthbearer.config";
}

std::string DescribeProperties(const KafkaProperties& properties) {
  std::string out;
  for (const auto& [name, value] : properties) {
    if (!out.empty()) out += ' ';
    out += name;
    out += '=';
    out += IsSecretProperty(name) ? std::string("[redacted]") : value;
  }
  return out;
}

std::optional<std::string> ReadOAuthBearerToken(std::string_view config, std::string* error) {
  std::string token;
  if (StartsWith(config, kTokenFile)) {
    const std::string path(config.substr(kTokenFile.size()));
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    if (!in || in.bad()) {
      *error = "cannot read the OAUTHBEARER token file " + path;
      return std::nullopt;
    }
    token = Trim(text.str());
  } else if (StartsWith(config, kTokenCommand)) {
    const std::string command(config.substr(kTokenCommand.size()));
    FILE* pipe = ::popen(command.c_str(), "r");
    if (pipe == nullptr) {
      *error = "cannot run the OAUTHBEARER token command";
      return std::nullopt;
    }
    char buf[4096];
    std::size_t n = 0;
    while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0 && token.size() < (1u << 20)) {
      token.append(buf, n);
    }
    const int status = ::pclose(pipe);
    if (status != 0) {
      *error = "the OAUTHBEARER token command failed (status " + std::to_string(status) + ")";
      return std::nullopt;
    }
    token = Trim(std::move(token));
  } else {
    *error = "sasl.oauthbearer.config must be file:PATH or command:CMD";
    return std::nullopt;
  }
  if (token.empty()) {
    *error = "the OAUTHBEARER token is empty";
    return std::nullopt;
  }
  return token;
}

rd_kafka_conf_t* MakeKafkaConf(const KafkaProperties& properties, std::string_view client,
                               std::string* error) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char errstr[512] = {0};
  bool token_source = false;
  for (const auto& [key, value] : properties) {
    if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), errstr, sizeof errstr) !=
        RD_KAFKA_CONF_OK) {
      // librdkafka's message may quote the value.
      *error = std::string(client) + ": kafka property " + key + ": " +
               (IsSecretProperty(key) ? std::string("invalid value (secret, not shown)") : errstr);
      rd_kafka_conf_destroy(conf);
      return nullptr;
    }
    if (key == "sasl.oauthbearer.config") {
      token_source = StartsWith(value, kTokenFile) || StartsWith(value, kTokenCommand);
    }
  }
  if (token_source) rd_kafka_conf_set_oauthbearer_token_refresh_cb(conf, &RefreshOAuthBearerToken);
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
