#include "app/cmd_classify.h"

#include <charconv>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <variant>
#include <vector>

#include "core/rapidjson.h"
#include "core/time.h"
#include "decode/decoder.h"
#include "enrich/attributor.h"
#include "enrich/theme_classifier.h"

namespace adwatch {
namespace {

enum class Shape { kEnvelope, kMetaAd, kGoogleRow, kUnknown };

// What a line holds, judged by its top-level keys. kUnknown (not a JSON object) is left to the
// decoder, which names the reason.
Shape Peek(std::string_view line, std::size_t max_bytes) {
  if (line.size() > max_bytes) return Shape::kUnknown;  // the decoder rejects it as too_large
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag>(line.data(),
                                                                                    line.size());
  if (doc.HasParseError() || !doc.IsObject()) return Shape::kUnknown;
  if (doc.HasMember("kind") || doc.HasMember("ad")) return Shape::kEnvelope;
  if (doc.HasMember("Ad_ID")) return Shape::kGoogleRow;
  return Shape::kMetaAd;
}

// A weight or score: shortest round-trip decimal ("1", "0.5").
std::string FormatNumber(double v) {
  char buf[32];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc() ? std::string(buf, end) : "0";
}

void AppendJsonString(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20) {
      out += "\\u00";
      out += kHex[u >> 4];
      out += kHex[u & 0xF];
    } else {
      out += c;
    }
  }
  out += '"';
}

// `,"theme_matches":[…]`: per theme with any match, its score and threshold and every match
// (rule, kind, weight, text index, byte range in that text, the matched bytes; exclusions and
// cancelled matches marked), in config order of themes and text order of matches.
void AppendThemeExplanation(std::string& json, const std::vector<ThemeConfig>& themes,
                            const AdContent& ad, const ThemeExplanation& explanation) {
  json += ",\"theme_matches\":[";
  bool first_theme = true;
  for (std::size_t t = 0; t < themes.size(); ++t) {
    bool any = false;
    for (const ThemeMatch& m : explanation.matches) {
      if (static_cast<std::size_t>(m.theme) != t) continue;
      if (!any) {
        if (!first_theme) json += ',';
        first_theme = false;
        json += "{\"theme\":";
        AppendJsonString(json, themes[t].name);
        json += ",\"score\":" + FormatNumber(explanation.scores[t]);
        json += ",\"threshold\":" + FormatNumber(themes[t].threshold) + ",\"matches\":[";
      } else {
        json += ',';
      }
      any = true;
      json += "{\"rule\":";
      AppendJsonString(json, m.rule->text);
      json += ",\"kind\":";
      json += m.exclusion ? "\"exclusion\"" : m.rule->pattern ? "\"pattern\"" : "\"phrase\"";
      if (!m.exclusion) json += ",\"weight\":" + FormatNumber(m.rule->weight);
      if (m.cancelled) json += ",\"cancelled\":true";
      json += ",\"text\":" + std::to_string(m.text) + ",\"begin\":" + std::to_string(m.begin) +
              ",\"end\":" + std::to_string(m.end) + ",\"match\":";
      AppendJsonString(json, std::string_view(ad.texts[m.text]).substr(m.begin, m.end - m.begin));
      json += '}';
    }
    if (any) json += "]}";
  }
  json += ']';
}

std::string_view Trim(std::string_view s) {
  const auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

// The attribution block of --explain: the rule list that matched (its config key), the ad field
// it matched, the rule's normalised pattern, and whether the ad ran without a disclaimer.
void AppendAttribution(std::string& json, const Attribution& a, const Observation& obs) {
  json += ",\"attribution\":{\"rule\":";
  if (a.entity == kUnattributed) {
    json += "null,\"field\":null,\"pattern\":null";
  } else {
    AppendJsonString(json, RuleKindName(a.rule));
    json += ",\"field\":";
    AppendJsonString(json, AdFieldName(a.field));
    json += ",\"pattern\":";
    AppendJsonString(json, a.pattern);
  }
  json += ",\"no_disclaimer\":";
  json += RanWithoutDisclaimer(obs.registry, obs.content) ? "true" : "false";
  json += '}';
}

}  // namespace

int ClassifyCommand(const Config& config, bool explain, std::istream& in, std::ostream& out,
                    std::ostream& err) {
  std::string error;
  const std::optional<ThemeClassifier> classifier = ThemeClassifier::Compile(config.themes, &error);
  if (!classifier) {
    err << "themes: " << error << '\n';
    return 2;
  }
  const Attributor attributor(config.entities);
  const SystemClock clock;
  const std::unique_ptr<Decoder> decoder =
      MakeJsonDecoder(DecoderOptions{config.limits, config.currency}, clock);

  bool any_bad = false;
  std::string line;
  std::string payload;
  std::string json;
  ThemeExplanation theme_explanation;
  long long line_number = 0;
  while (std::getline(in, line)) {
    ++line_number;
    const std::string_view text = Trim(line);
    if (text.empty()) continue;

    const Shape shape = Peek(text, config.limits.max_message_bytes);
    if (shape == Shape::kMetaAd || shape == Shape::kGoogleRow) {
      payload = R"({"kind":"observation","registry":")";
      payload += shape == Shape::kGoogleRow ? "google" : "meta";
      payload += R"(","observed_at":")";
      payload += FormatTimestamp(clock.Now());
      payload += R"(","ad":)";
      payload += text;
      payload += '}';
    } else {
      payload.assign(text);
    }

    const DecodeResult result = decoder->Decode(payload);
    if (const auto* rejection = std::get_if<Rejection>(&result)) {
      err << "stdin:" << line_number << ": " << RejectReasonName(rejection->reason) << ": "
          << rejection->detail << '\n';
      any_bad = true;
      continue;
    }
    const auto* observation = std::get_if<Observation>(&std::get<Message>(result));
    if (observation == nullptr) continue;  // crawl_end: nothing to classify

    const Attribution attribution = attributor.Explain(observation->registry, observation->content);
    const EntityId entity = attribution.entity;
    const ThemeMask themes =
        classifier->Classify(observation->content, explain ? &theme_explanation : nullptr);

    json = "{\"registry\":";
    AppendJsonString(json, observation->registry);
    json += ",\"id\":";
    AppendJsonString(json, observation->ad_id);
    json += ",\"party\":";
    if (entity == kUnattributed) {
      json += "\"unattributed\",\"type\":null";
    } else {
      const EntityConfig& e = config.entities[Index(entity)];
      AppendJsonString(json, e.name);
      json += ",\"type\":";
      AppendJsonString(json, EntityTypeName(e.type));
    }
    json += ",\"themes\":[";
    bool first = true;
    for (std::size_t i = 0; i < config.themes.size(); ++i) {
      if (((themes >> i) & 1u) == 0) continue;
      if (!first) json += ',';
      first = false;
      AppendJsonString(json, config.themes[i].name);
    }
    json += ']';
    if (explain) {
      AppendAttribution(json, attribution, *observation);
      AppendThemeExplanation(json, config.themes, observation->content, theme_explanation);
    }
    json += "}\n";
    out << json;
  }
  out.flush();
  return any_bad ? 1 : 0;
}

}  // namespace adwatch
