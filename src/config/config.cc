#include "config/config.h"

#include <gnutls/gnutls.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <limits>
#include <set>
#include <sstream>
#include <system_error>
#include <type_traits>

#include "core/ids.h"

namespace adwatch {

std::string_view EntityTypeName(EntityType type) {
  switch (type) {
    case EntityType::kParty:
      return "party";
    case EntityType::kNonPartyCampaigner:
      return "non_party_campaigner";
    case EntityType::kCandidate:
      return "candidate";
    case EntityType::kGovernment:
      return "government";
    case EntityType::kOther:
      return "other";
  }
  return "other";
}

std::string ConfigProblem::ToString() const {
  std::string out = file;
  out += ':';
  out += std::to_string(line);
  out += ": ";
  if (!key.empty()) {
    out += key;
    out += ": ";
  }
  out += message;
  return out;
}

namespace {

constexpr std::int64_t kMaxPounds = std::numeric_limits<std::int64_t>::max() / 100 / 1000;

std::string Quote(std::string_view s) {
  std::string out = "\"";
  out += s;
  out += '"';
  return out;
}

std::string Join(std::string_view path, std::string_view key) {
  if (path.empty()) return std::string(key);
  std::string out(path);
  out += '.';
  out += key;
  return out;
}

std::string Index(std::string_view path, std::size_t i) {
  std::string out(path);
  out += '[';
  out += std::to_string(i);
  out += ']';
  return out;
}

// Parses an unsigned decimal integer (digits only, no sign) into *out; false on overflow.
bool ParseUnsigned(std::string_view s, std::int64_t* out) {
  if (s.empty() || s.size() > 18) return false;
  std::int64_t v = 0;
  for (const char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return true;
}

// `90m`, `1h`, `24h`, `7d`, `3600s`, `2w`: a positive-or-zero integer and a unit.
std::optional<EpochSeconds> ParseDuration(std::string_view s) {
  if (s.size() < 2) return std::nullopt;
  std::int64_t unit = 0;
  switch (s.back()) {
    case 's':
      unit = 1;
      break;
    case 'm':
      unit = 60;
      break;
    case 'h':
      unit = 3600;
      break;
    case 'd':
      unit = 86400;
      break;
    case 'w':
      unit = 7 * 86400;
      break;
    default:
      return std::nullopt;
  }
  std::int64_t n = 0;
  if (!ParseUnsigned(s.substr(0, s.size() - 1), &n)) return std::nullopt;
  if (n > std::numeric_limits<std::int64_t>::max() / unit / 1000) return std::nullopt;
  return n * unit;
}

// A positive decimal such as `0.86` or `1.1` or `2`, as an exact fraction (not reduced).
std::optional<Rate> ParseRate(std::string_view s) {
  const std::size_t dot = s.find('.');
  const std::string_view whole = s.substr(0, dot);
  const std::string_view frac = dot == std::string_view::npos ? "" : s.substr(dot + 1);
  if (dot != std::string_view::npos && frac.empty()) return std::nullopt;
  if (whole.empty() || whole.size() + frac.size() > 15) return std::nullopt;
  std::int64_t w = 0;
  std::int64_t f = 0;
  if (!ParseUnsigned(whole, &w)) return std::nullopt;
  if (!frac.empty() && !ParseUnsigned(frac, &f)) return std::nullopt;
  Rate rate;
  rate.denominator = 1;
  for (std::size_t i = 0; i < frac.size(); ++i) rate.denominator *= 10;
  rate.numerator = w * rate.denominator + f;
  if (rate.numerator <= 0) return std::nullopt;
  return rate;
}

// `$2a$`, `$2b$` or `$2y$`, a two-digit cost, `$`, 53 characters of bcrypt's base64.
bool IsBcryptHash(std::string_view s) {
  if (s.size() != 60 || s[0] != '$' || s[1] != '2' || s[3] != '$' || s[6] != '$') return false;
  if (s[2] != 'a' && s[2] != 'b' && s[2] != 'y') return false;
  if (s[4] < '0' || s[4] > '3' || s[5] < '0' || s[5] > '9') return false;
  for (const char c : s.substr(7)) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
          c == '/')) {
      return false;
    }
  }
  return true;
}

bool IsCurrencyCode(std::string_view s) {
  if (s.size() != 3) return false;
  for (const char c : s) {
    if (c < 'A' || c > 'Z') return false;
  }
  return true;
}

bool IsThemeName(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  for (const char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

// Label values must be printable: no control characters (they break a whole scrape).
bool IsPrintable(std::string_view s) {
  for (const char c : s) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return false;
  }
  return true;
}

std::optional<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return std::nullopt;
  return text.str();
}

using KeyHandler =
    std::function<void(const std::string& key, const YAML::Node& value, const std::string& path)>;

class Parser {
 public:
  explicit Parser(std::string_view file) : file_(file) {}

  std::vector<ConfigProblem> TakeProblems() { return std::move(problems_); }
  std::size_t ProblemCount() const { return problems_.size(); }

  void Problem(int line, std::string key, std::string message) {
    problems_.push_back(ConfigProblem{file_, line, std::move(key), std::move(message)});
  }

  // 1-based line of a node; the last good line when the node has no mark.
  int Line(const YAML::Node& node) {
    const YAML::Mark mark = node.Mark();
    if (mark.is_null() || mark.line < 0) return last_line_;
    last_line_ = mark.line + 1;
    return last_line_;
  }

  void Problem(const YAML::Node& node, std::string key, std::string message) {
    Problem(Line(node), std::move(key), std::move(message));
  }

  // Walks a mapping: reports a non-mapping, non-scalar or duplicate keys, and unknown keys when
  // `allowed` is given. Null values are treated as absent.
  bool ForEach(const YAML::Node& node, const std::string& path,
               std::initializer_list<std::string_view> allowed, const KeyHandler& handler) {
    return ForEachImpl(node, path, allowed, true, handler);
  }
  bool ForEachAny(const YAML::Node& node, const std::string& path, const KeyHandler& handler) {
    return ForEachImpl(node, path, {}, false, handler);
  }

  // A scalar with ${ENV} references resolved.
  std::optional<std::string> Scalar(const YAML::Node& node, const std::string& path) {
    if (node.IsNull()) {
      Problem(node, path, "missing value");
      return std::nullopt;
    }
    if (!node.IsScalar()) {
      Problem(node, path,
              node.IsSequence() ? "expected a single value, found a list"
                                : "expected a single value, found a mapping");
      return std::nullopt;
    }
    return Substitute(node, path, node.Scalar());
  }

  std::optional<std::string> String(const YAML::Node& node, const std::string& path,
                                    bool allow_empty = false) {
    auto s = Scalar(node, path);
    if (s && s->empty() && !allow_empty) {
      Problem(node, path, "must not be empty");
      return std::nullopt;
    }
    return s;
  }

  // A list of non-empty strings (a single string is accepted as a list of one).
  std::vector<std::string> StringList(const YAML::Node& node, const std::string& path) {
    std::vector<std::string> out;
    if (node.IsScalar()) {
      if (auto s = String(node, path)) out.push_back(std::move(*s));
      return out;
    }
    if (!node.IsSequence()) {
      Problem(node, path, "expected a list of strings");
      return out;
    }
    for (std::size_t i = 0; i < node.size(); ++i) {
      if (auto s = String(node[i], Index(path, i))) out.push_back(std::move(*s));
    }
    return out;
  }

  std::optional<bool> Bool(const YAML::Node& node, const std::string& path) {
    auto s = Scalar(node, path);
    if (!s) return std::nullopt;
    if (*s == "true") return true;
    if (*s == "false") return false;
    Problem(node, path, "expected true or false, got " + Quote(*s));
    return std::nullopt;
  }

  std::optional<std::int64_t> NonNegative(const YAML::Node& node, const std::string& path,
                                          std::int64_t max) {
    auto s = Scalar(node, path);
    if (!s) return std::nullopt;
    if (!s->empty() && (*s)[0] == '-') {
      Problem(node, path, "must not be negative, got " + *s);
      return std::nullopt;
    }
    std::int64_t v = 0;
    if (!ParseUnsigned(*s, &v)) {
      Problem(node, path, "expected a whole number, got " + Quote(*s));
      return std::nullopt;
    }
    if (v > max) {
      Problem(node, path, "too large (at most " + std::to_string(max) + ")");
      return std::nullopt;
    }
    return v;
  }

  std::optional<EpochSeconds> Duration(const YAML::Node& node, const std::string& path,
                                       bool allow_zero) {
    auto s = Scalar(node, path);
    if (!s) return std::nullopt;
    auto d = ParseDuration(*s);
    if (!d) {
      Problem(node, path,
              "expected a duration such as 90m, 1h, 24h, 7d or 3600s, got " + Quote(*s));
      return std::nullopt;
    }
    if (*d == 0 && !allow_zero) {
      Problem(node, path, "must be longer than zero");
      return std::nullopt;
    }
    return d;
  }

  std::optional<EpochSeconds> Time(const YAML::Node& node, const std::string& path) {
    auto s = Scalar(node, path);
    if (!s) return std::nullopt;
    auto t = ParseDateOrTimestamp(*s);
    if (!t) {
      Problem(node, path,
              "expected an RFC 3339 timestamp (2019-12-12T22:00:00Z) or a date (2019-12-12), "
              "got " +
                  Quote(*s));
    }
    return t;
  }

 private:
  bool ForEachImpl(const YAML::Node& node, const std::string& path,
                   std::initializer_list<std::string_view> allowed, bool check_allowed,
                   const KeyHandler& handler) {
    if (node.IsNull()) {
      Problem(node, path, "expected a mapping, found nothing");
      return false;
    }
    if (!node.IsMap()) {
      Problem(node, path,
              node.IsSequence() ? "expected a mapping, found a list"
                                : "expected a mapping, found a single value");
      return false;
    }
    std::set<std::string, std::less<>> seen;
    for (const auto& kv : node) {
      const YAML::Node key_node = kv.first;
      const YAML::Node value = kv.second;
      if (!key_node.IsScalar()) {
        Problem(key_node, path, "keys must be plain strings");
        continue;
      }
      const std::string key = key_node.Scalar();
      const std::string key_path = Join(path, key);
      Line(key_node);
      if (!seen.insert(key).second) {
        Problem(key_node, key_path, "duplicate key");
        continue;
      }
      if (check_allowed) {
        bool known = false;
        for (const std::string_view a : allowed) known = known || a == key;
        if (!known) {
          std::string expected;
          for (const std::string_view a : allowed) {
            if (!expected.empty()) expected += ", ";
            expected += a;
          }
          Problem(key_node, key_path, "unknown key (expected one of: " + expected + ")");
          continue;
        }
      }
      if (value.IsNull()) continue;  // `key:` with no value: the default applies
      handler(key, value, key_path);
    }
    return true;
  }

  // Resolves every ${NAME} in `text` from the environment and every ${file:PATH} from a file.
  std::optional<std::string> Substitute(const YAML::Node& node, const std::string& path,
                                        const std::string& text) {
    std::vector<std::string> problems;
    auto out = ExpandSecretReferences(text, &problems);
    for (const std::string& problem : problems) Problem(node, path, problem);
    return out;
  }

  std::string file_;
  std::vector<ConfigProblem> problems_;
  int last_line_ = 1;
};

// librdkafka properties adwatch owns: overriding them would break exactly-once processing.
constexpr std::string_view kReservedProperties[][2] = {
    {"bootstrap.servers", "use kafka.brokers"},
    {"group.id", "use kafka.group"},
    {"enable.auto.commit", "adwatch commits offsets together with its state"},
    {"enable.auto.offset.store", "adwatch stores offsets together with its state"},
};

// True when a librdkafka property turns off verification of the broker's certificate or name
// (both are on by default in librdkafka 2.x).
bool DisablesCertificateChecks(std::string_view name, std::string_view value) {
  if (name == "enable.ssl.certificate.verification") return value == "false" || value == "0";
  if (name == "ssl.endpoint.identification.algorithm") return value == "none";
  return false;
}

void ParseKafka(Parser& p, const YAML::Node& node, KafkaConfig& kafka) {
  std::vector<std::pair<int, std::string>> insecure;  // line, key
  p.ForEach(node, "kafka",
            {"brokers", "group", "topic", "format", "dead_letter_topic", "properties",
             "allow_insecure_tls", "close_timeout"},
            [&](const std::string& key, const YAML::Node& v, const std::string& path) {
              if (key == "brokers") {
                if (v.IsSequence()) {
                  std::string joined;
                  for (const std::string& b : p.StringList(v, path)) {
                    if (!joined.empty()) joined += ',';
                    joined += b;
                  }
                  if (joined.empty()) {
                    p.Problem(v, path, "needs at least one broker");
                  } else {
                    kafka.brokers = joined;
                  }
                } else if (auto s = p.String(v, path)) {
                  kafka.brokers = *s;
                }
              } else if (key == "group") {
                if (auto s = p.String(v, path)) kafka.group = *s;
              } else if (key == "topic") {
                if (auto s = p.String(v, path)) kafka.topic = *s;
              } else if (key == "allow_insecure_tls") {
                if (auto b = p.Bool(v, path)) kafka.allow_insecure_tls = *b;
              } else if (key == "close_timeout") {
                if (auto d = p.Duration(v, path, /*allow_zero=*/true)) {
                  kafka.close_timeout_seconds = *d;
                }
              } else if (key == "dead_letter_topic") {
                if (auto s = p.String(v, path, /*allow_empty=*/true)) kafka.dead_letter_topic = *s;
              } else if (key == "format") {
                if (auto s = p.String(v, path)) {
                  if (*s == "json") {
                    kafka.format = InputFormat::kJson;
                  } else if (*s == "protobuf") {
                    kafka.format = InputFormat::kProtobuf;
                  } else {
                    p.Problem(v, path, "expected json or protobuf, got " + Quote(*s));
                  }
                }
              } else if (key == "properties") {
                p.ForEachAny(
                    v, path,
                    [&](const std::string& name, const YAML::Node& pv, const std::string& ppath) {
                      auto value = p.String(pv, ppath, /*allow_empty=*/true);
                      if (!value) return;
                      for (const auto& reserved : kReservedProperties) {
                        if (name == reserved[0]) {
                          p.Problem(pv, ppath,
                                    "set by adwatch, cannot be overridden (" +
                                        std::string(reserved[1]) + ")");
                          return;
                        }
                      }
                      if (name == "auto.offset.reset" &&
                          (*value == "latest" || *value == "largest" || *value == "end")) {
                        p.Problem(pv, ppath,
                                  "latest would silently skip data after an out-of-range error; "
                                  "use earliest");
                        return;
                      }
                      if (DisablesCertificateChecks(name, *value)) {
                        insecure.emplace_back(p.Line(pv), ppath);
                      }
                      kafka.properties.emplace_back(name, *value);
                    });
              }
            });
  if (kafka.allow_insecure_tls) return;
  for (const auto& [line, path] : insecure) {
    p.Problem(line, path,
              "turns off broker certificate checks; set kafka.allow_insecure_tls: true if you "
              "really mean it");
  }
}

void ParseWindows(Parser& p, const YAML::Node& node, std::vector<WindowSpec>& windows) {
  if (!node.IsSequence()) {
    p.Problem(node, "windows", "expected a list of durations such as [1h, 24h, 7d]");
    return;
  }
  if (node.size() == 0) {
    p.Problem(node, "windows", "needs at least one window");
    return;
  }
  for (std::size_t i = 0; i < node.size(); ++i) {
    const std::string path = Index("windows", i);
    auto text = p.String(node[i], path);
    if (!text) continue;
    auto seconds = p.Duration(node[i], path, /*allow_zero=*/false);
    if (!seconds) continue;
    bool duplicate = false;
    for (std::size_t j = 0; j < windows.size(); ++j) {
      if (windows[j].name == *text || windows[j].seconds == *seconds) {
        p.Problem(node[i], path, "duplicate window: same as " + windows[j].name);
        duplicate = true;
        break;
      }
    }
    if (!duplicate) windows.push_back(WindowSpec{*text, *seconds});
  }
}

void ParseEventTime(Parser& p, const YAML::Node& node, EventTimeConfig& event_time) {
  p.ForEach(node, "event_time", {"max_lead", "quorum"},
            [&](const std::string& key, const YAML::Node& v, const std::string& path) {
              if (key == "max_lead") {
                if (auto d = p.Duration(v, path, /*allow_zero=*/false)) {
                  event_time.max_lead_seconds = *d;
                }
              } else if (auto n = p.NonNegative(v, path, 1000)) {
                if (*n < 2) {
                  p.Problem(v, path, "must be at least 2 (one message alone never moves time)");
                } else {
                  event_time.quorum = *n;
                }
              }
            });
}

void ParsePeriod(Parser& p, const YAML::Node& node, std::optional<Period>& period) {
  std::optional<EpochSeconds> start;
  std::optional<EpochSeconds> end;
  std::optional<YAML::Node> end_node;
  bool has_start = false;
  bool has_end = false;
  if (!p.ForEach(node, "regulated_period", {"start", "end"},
                 [&](const std::string& key, const YAML::Node& v, const std::string& path) {
                   if (key == "start") {
                     has_start = true;
                     start = p.Time(v, path);
                   } else {
                     has_end = true;
                     end = p.Time(v, path);
                     end_node.emplace(v);
                   }
                 })) {
    return;
  }
  if (!has_start) p.Problem(node, "regulated_period.start", "missing");
  if (!has_end) p.Problem(node, "regulated_period.end", "missing");
  if (!start || !end) return;
  if (*end <= *start) {
    p.Problem(*end_node, "regulated_period.end", "must be after regulated_period.start");
    return;
  }
  period = Period{*start, *end};
}

// A mapping from nation label values (core/nation.h) to whole pounds, e.g.
// `{england: 319800, scotland: 55400}`: each value into out[nation] in pence. `unknown` is
// accepted only when `allow_unknown` (a spending limit is statutory per nation; there is none
// for spend whose nation is unknown).
void ParseNationPounds(Parser& p, const YAML::Node& node, const std::string& path,
                       bool allow_unknown, std::array<std::optional<Pence>, kNationCount>& out) {
  p.ForEachAny(
      node, path, [&](const std::string& key, const YAML::Node& v, const std::string& kpath) {
        const std::optional<Nation> nation = NationFromName(key);
        if (!nation || (*nation == Nation::kUnknown && !allow_unknown)) {
          p.Problem(v, kpath,
                    std::string("unknown nation (expected one of: england, scotland, wales, "
                                "northern_ireland") +
                        (allow_unknown ? ", unknown)" : ")"));
          return;
        }
        if (auto pounds = p.NonNegative(v, kpath, kMaxPounds)) {
          out[static_cast<int>(*nation)] = *pounds * kPencePerPound;
        }
      });
}

std::optional<EntityType> ParseEntityType(std::string_view s) {
  if (s == "party") return EntityType::kParty;
  if (s == "non_party_campaigner") return EntityType::kNonPartyCampaigner;
  if (s == "candidate") return EntityType::kCandidate;
  if (s == "government") return EntityType::kGovernment;
  if (s == "other") return EntityType::kOther;
  return std::nullopt;
}

void ParseEntities(Parser& p, const YAML::Node& node, std::vector<EntityConfig>& entities) {
  if (!node.IsSequence()) {
    p.Problem(node, "entities", "expected a list of entities");
    return;
  }
  // Exact ids claimed by two entities would make attribution ambiguous.
  std::map<std::string, std::string, std::less<>> page_id_owner;
  std::map<std::string, std::string, std::less<>> google_id_owner;
  std::set<std::string, std::less<>> names;
  for (std::size_t i = 0; i < node.size(); ++i) {
    const std::string path = Index("entities", i);
    const YAML::Node item = node[i];
    EntityConfig entity;
    bool has_name = false;
    bool has_type = false;
    bool valid = true;
    auto check_ids = [&](const YAML::Node& v, const std::string& ids_path,
                         std::vector<std::string>& ids,
                         std::map<std::string, std::string, std::less<>>& owner) {
      for (std::size_t k = 0; k < ids.size(); ++k) {
        const YAML::Node id_node = v.IsSequence() ? v[k] : v;
        const std::string who = entity.name.empty() ? path : entity.name;
        auto [it, inserted] = owner.emplace(ids[k], who);
        if (!inserted) {
          p.Problem(id_node, v.IsSequence() ? Index(ids_path, k) : ids_path,
                    "id " + ids[k] + " is already claimed by " + it->second);
        }
      }
    };
    const bool is_map = p.ForEach(
        item, path, {"name", "type", "spending_limit", "nation_spending_limits", "match"},
        [&](const std::string& key, const YAML::Node& v, const std::string& kpath) {
          if (key == "name") {
            has_name = true;
            auto s = p.String(v, kpath);
            if (!s) {
              valid = false;
            } else if (!IsPrintable(*s) || s->size() > 100) {
              p.Problem(v, kpath, "must be printable text of at most 100 bytes");
              valid = false;
            } else if (*s == "unattributed") {
              p.Problem(v, kpath, "\"unattributed\" is reserved");
              valid = false;
            } else if (!names.insert(*s).second) {
              p.Problem(v, kpath, "duplicate entity name " + Quote(*s));
              valid = false;
            } else {
              entity.name = *s;
            }
          } else if (key == "type") {
            has_type = true;
            if (auto s = p.String(v, kpath)) {
              if (auto t = ParseEntityType(*s)) {
                entity.type = *t;
              } else {
                p.Problem(v, kpath,
                          "unknown entity type " + Quote(*s) +
                              " (expected party, non_party_campaigner, candidate, government "
                              "or other)");
                valid = false;
              }
            }
          } else if (key == "spending_limit") {
            if (auto pounds = p.NonNegative(v, kpath, kMaxPounds)) {
              entity.spending_limit = *pounds * kPencePerPound;
            }
          } else if (key == "nation_spending_limits") {
            ParseNationPounds(p, v, kpath, /*allow_unknown=*/false, entity.nation_spending_limits);
          } else if (key == "match") {
            p.ForEach(v, kpath,
                      {"page_ids", "bylines", "page_names", "candidates", "google_advertiser_ids",
                       "google_advertiser_names", "not_names", "not_google_advertiser_ids"},
                      [&](const std::string& mkey, const YAML::Node& mv, const std::string& mpath) {
                        std::vector<std::string> list = p.StringList(mv, mpath);
                        if (mkey == "page_ids") {
                          check_ids(mv, mpath, list, page_id_owner);
                          entity.page_ids = std::move(list);
                        } else if (mkey == "bylines") {
                          entity.bylines = std::move(list);
                        } else if (mkey == "page_names") {
                          entity.page_names = std::move(list);
                        } else if (mkey == "candidates") {
                          entity.candidates = std::move(list);
                        } else if (mkey == "google_advertiser_ids") {
                          check_ids(mv, mpath, list, google_id_owner);
                          entity.google_advertiser_ids = std::move(list);
                        } else if (mkey == "not_names") {
                          entity.not_names = std::move(list);
                        } else if (mkey == "not_google_advertiser_ids") {
                          entity.not_google_advertiser_ids = std::move(list);
                        } else {
                          entity.google_advertiser_names = std::move(list);
                        }
                      });
          }
        });
    if (!is_map) continue;
    if (!has_name) p.Problem(item, Join(path, "name"), "missing");
    if (!has_type) p.Problem(item, Join(path, "type"), "missing");
    if (has_name && has_type && valid) entities.push_back(std::move(entity));
  }
  if (entities.size() >= 0xFFFF) p.Problem(node, "entities", "too many entities");
}

// A theme weight or threshold: a decimal number in (0, 1000].
std::optional<double> ParseWeight(Parser& p, const YAML::Node& node, const std::string& path) {
  auto s = p.Scalar(node, path);
  if (!s) return std::nullopt;
  double v = 0;
  const auto [end, ec] = std::from_chars(s->data(), s->data() + s->size(), v);
  if (ec != std::errc() || end != s->data() + s->size() || !(v > 0) || v > 1000) {
    p.Problem(node, path, "expected a number greater than 0 and at most 1000, got " + Quote(*s));
    return std::nullopt;
  }
  return v;
}

// A list of theme rules: each a string (a phrase, or a pattern when `patterns`) or a mapping
// {phrase|pattern: text, weight: w}. Returns false when any item is bad.
bool ParseThemeRules(Parser& p, const YAML::Node& node, const std::string& path, bool patterns,
                     bool exclusions, std::vector<ThemeRule>& out) {
  if (!node.IsSequence()) {
    p.Problem(node, path, "expected a list");
    return false;
  }
  bool ok = true;
  for (std::size_t i = 0; i < node.size(); ++i) {
    const std::string ipath = Index(path, i);
    const YAML::Node item = node[i];
    ThemeRule rule;
    rule.pattern = patterns;
    rule.line = p.Line(item);
    rule.key = ipath;
    if (!item.IsMap()) {
      auto s = p.String(item, ipath);
      if (!s) {
        ok = false;
        continue;
      }
      rule.text = std::move(*s);
      out.push_back(std::move(rule));
      continue;
    }
    bool has_text = false;
    bool item_ok = true;
    const KeyHandler handler = [&](const std::string& key, const YAML::Node& v,
                                   const std::string& kpath) {
      if (key == "weight") {
        if (auto w = ParseWeight(p, v, kpath)) {
          rule.weight = *w;
        } else {
          item_ok = false;
        }
        return;
      }
      if (!exclusions && (key == "pattern") != patterns) {
        p.Problem(v, kpath,
                  patterns ? "patterns hold `pattern:` items, not `phrase:`"
                           : "phrases hold `phrase:` items, not `pattern:`");
        item_ok = false;
        has_text = true;  // reported: not missing as well
        return;
      }
      if (has_text) {
        p.Problem(v, kpath, "one of phrase or pattern, not both");
        item_ok = false;
        return;
      }
      has_text = true;
      rule.pattern = key == "pattern";
      if (auto s = p.String(v, kpath)) {
        rule.text = std::move(*s);
      } else {
        item_ok = false;
      }
    };
    const bool is_map = exclusions
                            ? p.ForEach(item, ipath, {"phrase", "pattern"}, handler)
                            : p.ForEach(item, ipath, {"phrase", "pattern", "weight"}, handler);
    if (is_map && !has_text) {
      p.Problem(item, ipath, patterns ? "missing `pattern:`" : "missing `phrase:`");
      item_ok = false;
    }
    if (is_map && item_ok) {
      out.push_back(std::move(rule));
    } else {
      ok = false;
    }
  }
  return ok;
}

void ParseThemes(Parser& p, const YAML::Node& node, std::vector<ThemeConfig>& themes) {
  if (!node.IsSequence()) {
    p.Problem(node, "themes", "expected a list of themes");
    return;
  }
  if (node.size() > static_cast<std::size_t>(kMaxThemes)) {
    p.Problem(
        node, "themes",
        "at most " + std::to_string(kMaxThemes) + " themes, got " + std::to_string(node.size()));
  }
  std::set<std::string, std::less<>> names;
  for (std::size_t i = 0; i < node.size(); ++i) {
    const std::string path = Index("themes", i);
    const YAML::Node item = node[i];
    ThemeConfig theme;
    bool has_name = false;
    bool valid = true;
    std::vector<ThemeRule> patterns;
    const bool is_map = p.ForEach(
        item, path, {"name", "description", "threshold", "phrases", "patterns", "exclusions"},
        [&](const std::string& key, const YAML::Node& v, const std::string& kpath) {
          if (key == "name") {
            has_name = true;
            auto s = p.String(v, kpath);
            if (!s) {
              valid = false;
            } else if (!IsThemeName(*s) || *s == "none") {
              p.Problem(v, kpath,
                        "theme names are lower-case letters, digits and _ (and not \"none\"), "
                        "got " +
                            Quote(*s));
              valid = false;
            } else if (!names.insert(*s).second) {
              p.Problem(v, kpath, "duplicate theme name " + Quote(*s));
              valid = false;
            } else {
              theme.name = *s;
            }
          } else if (key == "description") {
            auto s = p.String(v, kpath);
            if (s && !IsPrintable(*s)) {
              p.Problem(v, kpath, "must be one line of printable text");
              valid = false;
            } else if (s) {
              theme.description = std::move(*s);
            }
          } else if (key == "threshold") {
            if (auto t = ParseWeight(p, v, kpath)) {
              theme.threshold = *t;
            } else {
              valid = false;
            }
          } else if (key == "phrases") {
            valid = ParseThemeRules(p, v, kpath, false, false, theme.rules) && valid;
          } else if (key == "patterns") {
            valid = ParseThemeRules(p, v, kpath, true, false, patterns) && valid;
          } else {
            valid = ParseThemeRules(p, v, kpath, false, true, theme.exclusions) && valid;
          }
        });
    if (!is_map) continue;
    for (ThemeRule& r : patterns) theme.rules.push_back(std::move(r));
    if (!has_name) p.Problem(item, Join(path, "name"), "missing");
    if (valid && theme.rules.empty()) {
      p.Problem(item, Join(path, "phrases"), "a theme needs at least one phrase or pattern");
      valid = false;
    }
    if (has_name && valid && themes.size() < static_cast<std::size_t>(kMaxThemes)) {
      themes.push_back(std::move(theme));
    }
  }
}

void ParseCurrency(Parser& p, const YAML::Node& node, CurrencyConfig& currency) {
  std::optional<YAML::Node> conversion;
  p.ForEach(node, "currency", {"reporting", "conversion"},
            [&](const std::string& key, const YAML::Node& v, const std::string& path) {
              if (key == "reporting") {
                if (auto s = p.String(v, path)) {
                  if (IsCurrencyCode(*s)) {
                    currency.reporting = *s;
                  } else {
                    p.Problem(v, path, "expected an ISO 4217 code such as GBP, got " + Quote(*s));
                  }
                }
              } else {
                conversion.emplace(v);
              }
            });
  if (!conversion) return;
  p.ForEachAny(*conversion, "currency.conversion",
               [&](const std::string& code, const YAML::Node& v, const std::string& path) {
                 if (!IsCurrencyCode(code)) {
                   p.Problem(v, path, "expected an ISO 4217 code such as EUR");
                   return;
                 }
                 if (code == currency.reporting) {
                   p.Problem(v, path, "is the reporting currency; no conversion needed");
                   return;
                 }
                 auto s = p.String(v, path);
                 if (!s) return;
                 auto rate = ParseRate(*s);
                 if (!rate) {
                   p.Problem(v, path,
                             "expected a positive decimal rate such as \"0.86\", got " + Quote(*s));
                   return;
                 }
                 currency.conversion[code] = *rate;
               });
}

void ParseLimits(Parser& p, const YAML::Node& node, LimitsConfig& limits) {
  const auto positive = [&p](const YAML::Node& v, const std::string& path, std::int64_t max,
                             auto* out) {
    if (auto n = p.NonNegative(v, path, max)) {
      if (*n == 0) {
        p.Problem(v, path, "must be positive");
      } else {
        *out = static_cast<std::remove_pointer_t<decltype(out)>>(*n);
      }
    }
  };
  p.ForEach(node, "limits",
            {"max_message_bytes", "max_depth", "max_string_bytes", "max_array_items",
             "max_ads_per_partition", "future_tolerance"},
            [&](const std::string& key, const YAML::Node& v, const std::string& path) {
              if (key == "max_message_bytes") {
                positive(v, path, std::int64_t{1} << 30, &limits.max_message_bytes);
              } else if (key == "max_depth") {
                positive(v, path, 10000, &limits.max_depth);
              } else if (key == "max_string_bytes") {
                positive(v, path, std::int64_t{1} << 30, &limits.max_string_bytes);
              } else if (key == "max_array_items") {
                positive(v, path, std::int64_t{1} << 24, &limits.max_array_items);
              } else if (key == "max_ads_per_partition") {
                positive(v, path, std::int64_t{1} << 40, &limits.max_ads_per_partition);
              } else if (auto d = p.Duration(v, path, /*allow_zero=*/true)) {
                limits.future_tolerance_seconds = *d;
              }
            });
}

// The GnuTLS verdict on a certificate chain and its key (PEM), or nullopt when they load and
// match.
std::optional<std::string> TlsKeyProblem(const std::string& cert, const std::string& key) {
  gnutls_certificate_credentials_t creds = nullptr;
  if (gnutls_certificate_allocate_credentials(&creds) != GNUTLS_E_SUCCESS) {
    return "cannot set up GnuTLS";
  }
  const gnutls_datum_t c{reinterpret_cast<unsigned char*>(const_cast<char*>(cert.data())),
                         static_cast<unsigned>(cert.size())};
  const gnutls_datum_t k{reinterpret_cast<unsigned char*>(const_cast<char*>(key.data())),
                         static_cast<unsigned>(key.size())};
  const int rc =
      gnutls_certificate_set_x509_key_mem2(creds, &c, &k, GNUTLS_X509_FMT_PEM, nullptr, 0);
  gnutls_certificate_free_credentials(creds);
  if (rc < 0) return std::string(gnutls_strerror(rc));
  return std::nullopt;
}

// How many CA certificates a PEM file holds (GnuTLS), or the error.
std::optional<std::string> TlsCaProblem(const std::string& pem) {
  gnutls_certificate_credentials_t creds = nullptr;
  if (gnutls_certificate_allocate_credentials(&creds) != GNUTLS_E_SUCCESS) {
    return "cannot set up GnuTLS";
  }
  const gnutls_datum_t d{reinterpret_cast<unsigned char*>(const_cast<char*>(pem.data())),
                         static_cast<unsigned>(pem.size())};
  const int rc = gnutls_certificate_set_x509_trust_mem(creds, &d, GNUTLS_X509_FMT_PEM);
  gnutls_certificate_free_credentials(creds);
  if (rc < 0) return std::string(gnutls_strerror(rc));
  if (rc == 0) return std::string("no PEM certificate in it");
  return std::nullopt;
}

// `tls_server_config` of the exporter-toolkit web config. File paths are relative to the web
// config's directory. Checked here, so that check-config reports them: files readable, key
// matching the certificate, the CA file holding certificates, known names.
void ParseTlsServerConfig(Parser& wp, const YAML::Node& node, const std::string& web_file,
                          std::optional<TlsServerConfig>& out) {
  using Auth = TlsServerConfig::ClientAuth;
  using Version = TlsServerConfig::Version;
  TlsServerConfig tls;
  bool ok = true;
  const std::size_t problems_before = wp.ProblemCount();
  const std::string dir = web_file.find('/') == std::string::npos
                              ? std::string()
                              : web_file.substr(0, web_file.rfind('/') + 1);
  const auto resolve = [&](const std::string& f) { return f[0] == '/' ? f : dir + f; };
  std::string cert_text, key_text;
  int key_line = 0;  // (YAML::Node assignment would copy into the node, not rebind)
  const bool walked = wp.ForEach(
      node, "tls_server_config",
      {"cert_file", "key_file", "client_auth_type", "client_ca_file", "min_version",
       "cipher_suites"},
      [&](const std::string& key, const YAML::Node& v, const std::string& path) {
        if (key == "cipher_suites") {
          wp.Problem(v, path,
                     "not supported: adwatch offers GnuTLS's NORMAL cipher suites of the allowed "
                     "versions; use min_version (TLS13 for TLS 1.3 suites only)");
          ok = false;
          return;
        }
        auto s = wp.String(v, path);
        if (!s) {
          ok = false;
          return;
        }
        if (key == "cert_file" || key == "key_file" || key == "client_ca_file") {
          const std::string file = resolve(*s);
          auto text = ReadWholeFile(file);
          if (!text) {
            wp.Problem(v, path, "cannot read " + Quote(file));
            ok = false;
            return;
          }
          if (key == "cert_file") {
            tls.cert_file = file;
            cert_text = std::move(*text);
          } else if (key == "key_file") {
            tls.key_file = file;
            key_text = std::move(*text);
            key_line = wp.Line(v);
          } else if (auto problem = TlsCaProblem(*text)) {
            wp.Problem(v, path, "not a PEM CA certificate file (" + *problem + ")");
            ok = false;
          } else {
            tls.client_ca_file = file;
          }
        } else if (key == "client_auth_type") {
          static const std::pair<std::string_view, Auth> kKinds[] = {
              {"NoClientCert", Auth::kNoClientCert},
              {"RequestClientCert", Auth::kRequestClientCert},
              {"RequireAnyClientCert", Auth::kRequireAnyClientCert},
              {"VerifyClientCertIfGiven", Auth::kVerifyClientCertIfGiven},
              {"RequireAndVerifyClientCert", Auth::kRequireAndVerifyClientCert}};
          const auto* it = std::find_if(std::begin(kKinds), std::end(kKinds),
                                        [&](const auto& k) { return k.first == *s; });
          if (it == std::end(kKinds)) {
            wp.Problem(v, path,
                       "expected NoClientCert, RequestClientCert, RequireAnyClientCert, "
                       "VerifyClientCertIfGiven or RequireAndVerifyClientCert, got " +
                           Quote(*s));
            ok = false;
          } else {
            tls.client_auth = it->second;
          }
        } else if (key == "min_version") {
          static const std::pair<std::string_view, Version> kVersions[] = {
              {"TLS10", Version::kTls10},
              {"TLS11", Version::kTls11},
              {"TLS12", Version::kTls12},
              {"TLS13", Version::kTls13}};
          const auto* it = std::find_if(std::begin(kVersions), std::end(kVersions),
                                        [&](const auto& k) { return k.first == *s; });
          if (it == std::end(kVersions)) {
            wp.Problem(v, path, "expected TLS10, TLS11, TLS12 or TLS13, got " + Quote(*s));
            ok = false;
          } else {
            tls.min_version = it->second;
          }
        }
      });
  if (!walked || wp.ProblemCount() != problems_before) return;
  if (tls.cert_file.empty() && ok) {
    wp.Problem(node, "tls_server_config.cert_file", "required (a PEM certificate chain)");
    ok = false;
  }
  if (tls.key_file.empty() && ok) {
    wp.Problem(node, "tls_server_config.key_file", "required (the certificate's PEM key)");
    ok = false;
  }
  if (!ok) return;
  if (auto problem = TlsKeyProblem(cert_text, key_text)) {
    wp.Problem(key_line, "tls_server_config.key_file",
               "unusable with cert_file " + Quote(tls.cert_file) + ": " + *problem);
    return;
  }
  if (tls.client_ca_file.empty() && (tls.client_auth == Auth::kVerifyClientCertIfGiven ||
                                     tls.client_auth == Auth::kRequireAndVerifyClientCert)) {
    wp.Problem(node, "tls_server_config.client_ca_file",
               "required by client_auth_type VerifyClientCertIfGiven and "
               "RequireAndVerifyClientCert");
    return;
  }
  out = std::move(tls);
}

// The exporter-toolkit web-config file: `basic_auth_users: {name: bcrypt hash}` and
// `tls_server_config`. Other keys of that format (http_server_config) are refused: silently
// ignoring them would look like settings that are not applied.
void ParseWebConfig(Parser& p, const YAML::Node& node, WebConfig& web,
                    std::vector<ConfigProblem>* problems) {
  auto path = p.String(node, "web_config");
  if (!path) return;
  web.file = *path;
  auto text = ReadWholeFile(*path);
  if (!text) {
    p.Problem(node, "web_config", "cannot read " + Quote(*path));
    return;
  }
  Parser wp(*path);
  YAML::Node root;
  try {
    root = YAML::Load(*text);
  } catch (const YAML::Exception& e) {
    wp.Problem(e.mark.is_null() ? 0 : e.mark.line + 1, "", "YAML syntax error: " + e.msg);
  }
  if (!root.IsNull()) {  // an empty file: no users
    wp.ForEach(root, "", {"basic_auth_users", "tls_server_config"},
               [&](const std::string& key, const YAML::Node& users, const std::string& users_path) {
                 if (key == "tls_server_config") {
                   ParseTlsServerConfig(wp, users, *path, web.tls);
                   return;
                 }
                 wp.ForEachAny(
                     users, users_path,
                     [&](const std::string& name, const YAML::Node& v, const std::string& up) {
                       auto hash = wp.String(v, up);
                       if (!hash) return;
                       if (name.find(':') != std::string::npos || !IsPrintable(name)) {
                         wp.Problem(v, up, "user names must be printable and without ':'");
                       } else if (!IsBcryptHash(*hash)) {
                         wp.Problem(v, up,
                                    "expected a bcrypt hash ($2y$10$... 60 characters, e.g. "
                                    "from htpasswd -nBC 10 NAME)");
                       } else {
                         web.basic_auth_users.emplace(name, *hash);
                       }
                     });
               });
  }
  for (auto& problem : wp.TakeProblems()) problems->push_back(std::move(problem));
}

void ParseListen(Parser& p, const YAML::Node& node, std::string& listen) {
  auto s = p.String(node, "listen");
  if (!s) return;
  const std::size_t colon = s->rfind(':');
  std::int64_t port = 0;
  if (colon == std::string::npos || colon == 0 ||
      !ParseUnsigned(std::string_view(*s).substr(colon + 1), &port) || port > 65535) {
    p.Problem(node, "listen", "expected host:port such as 127.0.0.1:9464, got " + Quote(*s));
    return;
  }
  listen = *s;
}

}  // namespace

ConfigResult ParseConfig(std::string_view yaml_text, std::string_view file_name) {
  ConfigResult result;
  Parser p(file_name);
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml_text));
  } catch (const YAML::Exception& e) {
    const int line = e.mark.is_null() ? 0 : e.mark.line + 1;
    p.Problem(line, "", "YAML syntax error: " + e.msg);
    result.problems = p.TakeProblems();
    return result;
  }
  Config& c = result.config;
  bool has_windows = false;
  std::vector<ConfigProblem> web_problems;  // in the web-config file, reported after ours
  try {
    if (root.IsNull()) {
      // An empty file: every default applies.
    } else {
      p.ForEach(root, "",
                {"kafka", "listen", "web_config", "state", "windows", "grace", "event_time",
                 "regulated_period", "entities", "registration_thresholds", "themes", "currency",
                 "limits"},
                [&](const std::string& key, const YAML::Node& v, const std::string& path) {
                  if (key == "kafka") {
                    ParseKafka(p, v, c.kafka);
                  } else if (key == "listen") {
                    ParseListen(p, v, c.listen);
                  } else if (key == "web_config") {
                    ParseWebConfig(p, v, c.web, &web_problems);
                  } else if (key == "state") {
                    if (auto s = p.String(v, path)) c.state_dir = *s;
                  } else if (key == "windows") {
                    has_windows = true;
                    ParseWindows(p, v, c.windows);
                  } else if (key == "grace") {
                    if (auto d = p.Duration(v, path, /*allow_zero=*/true)) c.grace_seconds = *d;
                  } else if (key == "event_time") {
                    ParseEventTime(p, v, c.event_time);
                  } else if (key == "regulated_period") {
                    ParsePeriod(p, v, c.regulated_period);
                  } else if (key == "entities") {
                    ParseEntities(p, v, c.entities);
                  } else if (key == "registration_thresholds") {
                    ParseNationPounds(p, v, path, /*allow_unknown=*/true,
                                      c.registration_thresholds);
                  } else if (key == "themes") {
                    ParseThemes(p, v, c.themes);
                  } else if (key == "currency") {
                    ParseCurrency(p, v, c.currency);
                  } else if (key == "limits") {
                    ParseLimits(p, v, c.limits);
                  }
                });
    }
  } catch (const YAML::Exception& e) {
    // Not expected (every access is type-checked first); reported rather than thrown.
    const int line = e.mark.is_null() ? 0 : e.mark.line + 1;
    p.Problem(line, "", "unexpected YAML error: " + e.msg);
  }
  if (!has_windows) {
    c.windows = {WindowSpec{"1h", 3600}, WindowSpec{"24h", 86400}, WindowSpec{"7d", 7 * 86400}};
  }
  result.problems = p.TakeProblems();
  for (auto& problem : web_problems) result.problems.push_back(std::move(problem));
  return result;
}

ConfigResult LoadConfigFile(const std::string& path) {
  auto text = ReadWholeFile(path);
  if (!text) {
    ConfigResult result;
    result.problems.push_back(ConfigProblem{path, 0, "", "cannot read the file"});
    return result;
  }
  return ParseConfig(*text, path);
}

const Config& DefaultConfig() {
  static const Config* const config = [] {
    ConfigResult result = ParseConfig(DefaultConfigText(), "deploy/adwatch.yaml (built in)");
    if (!result.ok()) {
      for (const ConfigProblem& problem : result.problems) {
        std::fprintf(stderr, "%s\n", problem.ToString().c_str());
      }
      std::fprintf(stderr, "the built-in default config is invalid\n");
      std::abort();
    }
    return new Config(std::move(result.config));
  }();
  return *config;
}

std::optional<std::string> ExpandSecretReferences(std::string_view text,
                                                  std::vector<std::string>* problems) {
  if (text.find("${") == std::string_view::npos) return std::string(text);
  std::string out;
  std::size_t pos = 0;
  bool ok = true;
  while (pos < text.size()) {
    const std::size_t open = text.find("${", pos);
    if (open == std::string_view::npos) {
      out.append(text.substr(pos));
      break;
    }
    out.append(text.substr(pos, open - pos));
    const std::size_t close = text.find('}', open + 2);
    if (close == std::string_view::npos) {
      problems->push_back("unterminated ${ in " + Quote(text));
      return std::nullopt;
    }
    const std::string name(text.substr(open + 2, close - open - 2));
    if (name.rfind("file:", 0) == 0) {
      // A secret kept in a file (Kubernetes/Docker secrets): its content, one trailing
      // newline dropped. The content itself never appears in a problem.
      const std::string file = name.substr(5);
      auto content = file.empty() ? std::nullopt : ReadWholeFile(file);
      if (!content) {
        problems->push_back("cannot read secret file " + Quote(file));
        ok = false;
      } else {
        if (!content->empty() && content->back() == '\n') content->pop_back();
        if (!content->empty() && content->back() == '\r') content->pop_back();
        out += *content;
      }
      pos = close + 1;
      continue;
    }
    bool valid = !name.empty();
    for (const char c : name) {
      valid = valid && ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                        (c >= '0' && c <= '9') || c == '_');
    }
    if (!valid) {
      problems->push_back("bad environment variable name " + Quote(name));
      ok = false;
    } else if (const char* value = std::getenv(name.c_str()); value == nullptr) {
      problems->push_back("environment variable " + name + " is not set");
      ok = false;
    } else {
      out += value;
    }
    pos = close + 1;
  }
  if (!ok) return std::nullopt;
  return out;
}

}  // namespace adwatch
