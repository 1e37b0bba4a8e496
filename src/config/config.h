// The configuration (SPEC §5): what `deploy/adwatch.yaml` holds, parsed and validated.
// Parsing collects every problem with file, line and key; it never throws on bad input.
#pragma once

#include <array>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/money.h"
#include "core/nation.h"
#include "core/time.h"

namespace adwatch {

enum class EntityType : std::uint8_t {
  kParty,
  kNonPartyCampaigner,
  kCandidate,
  kGovernment,
  kOther
};
/// `party`, `non_party_campaigner`, `candidate`, `government`, `other`.
std::string_view EntityTypeName(EntityType type);

/// A party or campaigner and the rules that attribute ads to it.
struct EntityConfig {
  std::string name;  // as people say it: "Conservative", "Labour", ...
  EntityType type = EntityType::kOther;
  std::optional<Pence> spending_limit;  // statutory limit for the regulated period
  /// Statutory limits per UK nation (indexed by Nation; `unknown` never has one): a party's
  /// per-constituency amount x the seats it contests there, a campaigner's per-part limit.
  /// nullopt: none configured for that nation (`adwatch_spend_limit_nation_gbp` not exported).
  std::array<std::optional<Pence>, kNationCount> nation_spending_limits{};
  std::vector<std::string> page_ids;    // Meta page ids (exact)
  std::vector<std::string> bylines;     // Meta "Paid for by" texts (normalised, exact)
  std::vector<std::string> page_names;  // Meta page-name and byline patterns (whole words)
  std::vector<std::string> candidates;  // candidates' names: patterns like page_names
  std::vector<std::string> google_advertiser_ids;    // exact
  std::vector<std::string> google_advertiser_names;  // normalised, exact
  /// Exclusions: a text matching one of these patterns (page_names syntax) is never attributed
  /// to this entity by its patterns ("Green Party of Ireland" is not the Green Party); a Google
  /// row with one of these advertiser ids never by any rule (a foreign party of the same name).
  std::vector<std::string> not_names;
  std::vector<std::string> not_google_advertiser_ids;
};

/// One theme rule: a phrase (words matched whole, after both it and the ad text are
/// normalised; see enrich/normalize.h) or a pattern (a Hyperscan regular expression matched
/// against the normalised text, on word boundaries), with its weight towards the threshold.
struct ThemeRule {
  std::string text;
  bool pattern = false;
  double weight = 1.0;  // > 0; unused for exclusions
  int line = 0;         // where it is in the config file; 0 when not from a file
  std::string key;      // its dotted path, e.g. `themes[1].phrases[3]`
};

/// A messaging theme. An ad carries it when the weights of its distinct rules that match
/// (outside every match of the theme's exclusions) add up to at least `threshold`.
struct ThemeConfig {
  std::string name;
  std::string description;            // one line: what the theme is, for people
  std::vector<ThemeRule> rules;       // phrases, then patterns, in config order
  std::vector<ThemeRule> exclusions;  // a match cancels the theme's rule matches it overlaps
  double threshold = 1.0;
};

struct WindowSpec {
  std::string name;  // label value: "1h", "24h", "7d"
  EpochSeconds seconds = 0;
};

/// The regulated period in event time: spend spread to an instant x counts when start < x <= end
/// (the same half-open rule as every spread share; see core/spread.h).
struct Period {
  EpochSeconds start = 0;
  EpochSeconds end = 0;
};

enum class InputFormat : std::uint8_t { kJson, kProtobuf };

struct KafkaConfig {
  std::string brokers = "localhost:9092";
  std::string group = "adwatch";
  std::string topic = "adwatch.observations";
  InputFormat format = InputFormat::kJson;
  std::string dead_letter_topic;  // empty: no dead-letter copies
  /// librdkafka properties passed through verbatim (values may come from ${ENV} or
  /// ${file:PATH}). Turning certificate checks off needs `allow_insecure_tls`.
  std::vector<std::pair<std::string, std::string>> properties;
  bool allow_insecure_tls = false;
  /// How long `adwatch run` waits, at shutdown, for the consumer to leave the group; past it
  /// the close is abandoned (librdkafka #3740: with the brokers gone it can wait forever).
  std::int64_t close_timeout_seconds = 5;
};

/// A conversion to the reporting currency: amount * numerator / denominator, floored.
struct Rate {
  std::int64_t numerator = 1;
  std::int64_t denominator = 1;
};

struct CurrencyConfig {
  std::string reporting = "GBP";
  std::map<std::string, Rate, std::less<>> conversion;  // other ISO codes accepted
};

/// Caps applied to every input message before and during decoding. A message beyond one is
/// rejected (`too_large`, `too_deep`, `future_timestamp`), counted and skipped.
struct LimitsConfig {
  std::size_t max_message_bytes = 1 << 20;
  int max_depth = 32;
  std::size_t max_string_bytes = 64 * 1024;  // any one string: ids, names, one body text
  std::size_t max_array_items = 1024;        // any one array: bodies, titles, bylines, regions
  /// Ads tracked per partition (~300 bytes each); a new ad beyond is rejected (too_many_ads).
  std::size_t max_ads_per_partition = 1'000'000;
  EpochSeconds future_tolerance_seconds = 86400;  // observed_at beyond now + this: rejected
};

/// The listener's in-process TLS: the exporter-toolkit web-config `tls_server_config` (PEM
/// files; checked by the parser: readable, key matching the certificate).
struct TlsServerConfig {
  enum class ClientAuth {
    kNoClientCert,
    kRequestClientCert,           // asked for, not checked
    kRequireAnyClientCert,        // must be sent, not checked
    kVerifyClientCertIfGiven,     // checked against client_ca_file when sent
    kRequireAndVerifyClientCert,  // must be sent and chain to client_ca_file
  };
  enum class Version { kTls10, kTls11, kTls12, kTls13 };
  std::string cert_file;
  std::string key_file;
  ClientAuth client_auth = ClientAuth::kNoClientCert;
  std::string client_ca_file;  // required by the two verifying kinds
  Version min_version = Version::kTls12;
};

/// Who may use the metrics listener, and how: the Prometheus exporter-toolkit web-config file
/// (`basic_auth_users: {name: bcrypt hash}`, `tls_server_config`). No users: no
/// authentication; no tls_server_config: plain HTTP.
struct WebConfig {
  std::string file;                                                  // empty: none configured
  std::map<std::string, std::string, std::less<>> basic_auth_users;  // name -> $2y$... hash
  std::optional<TlsServerConfig> tls;
};

/// How far one message may lead its partition's event time (README "What the figures mean").
struct EventTimeConfig {
  EpochSeconds max_lead_seconds = 12 * 3600;  // dated further ahead than this: held
  std::int64_t quorum = 5;  // distinct held ads/crawls that corroborate a time beyond it
};

/// Registration thresholds by nation (indexed by Nation): a campaigner spending more than this in
/// a nation must register with the Electoral Commission (PPERA s.94(5): £20,000 in England,
/// £10,000 in each other nation). nullopt: no threshold (the default for `unknown`).
using RegistrationThresholds = std::array<std::optional<Pence>, kNationCount>;
inline constexpr RegistrationThresholds kDefaultRegistrationThresholds = {
    Pence{20000} * kPencePerPound, Pence{10000} * kPencePerPound, Pence{10000} * kPencePerPound,
    Pence{10000} * kPencePerPound, std::nullopt};

struct Config {
  KafkaConfig kafka;
  std::string listen = "127.0.0.1:9464";
  WebConfig web;
  std::string state_dir;
  std::vector<WindowSpec> windows;  // default 1h, 24h, 7d
  EpochSeconds grace_seconds = 3600;
  EventTimeConfig event_time;
  std::optional<Period> regulated_period;
  std::vector<EntityConfig> entities;
  RegistrationThresholds registration_thresholds = kDefaultRegistrationThresholds;
  std::vector<ThemeConfig> themes;
  CurrencyConfig currency;
  LimitsConfig limits;
};

/// One problem in a config file: `file:line: key: message`.
struct ConfigProblem {
  std::string file;
  int line = 0;     // 1-based; 0 when the problem is the file itself
  std::string key;  // dotted path, e.g. `entities[3].spending_limit`
  std::string message;
  std::string ToString() const;
};

struct ConfigResult {
  Config config;
  std::vector<ConfigProblem> problems;  // empty when valid
  bool ok() const { return problems.empty(); }
};

/// Parses and validates YAML text; `file_name` is used in problems only.
ConfigResult ParseConfig(std::string_view yaml_text, std::string_view file_name);
/// Reads and parses a file; an unreadable file is one problem naming it.
ConfigResult LoadConfigFile(const std::string& path);
/// The built-in default: `deploy/adwatch.yaml` compiled in. Aborts if it does not parse (tests
/// guarantee it does).
const Config& DefaultConfig();
std::string_view DefaultConfigText();

/// Resolves every `${NAME}` in `text` from the environment and every `${file:PATH}` from a
/// file (one trailing newline dropped), as config values are (Kafka secrets, crawler tokens).
/// nullopt with one entry in `problems` per bad reference; a problem never contains a secret.
std::optional<std::string> ExpandSecretReferences(std::string_view text,
                                                  std::vector<std::string>* problems);

}  // namespace adwatch
