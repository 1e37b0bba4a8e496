#include "export/ads_api.h"

#include <algorithm>
#include <charconv>
#include <optional>

#include "core/observation.h"
#include "core/rapidjson.h"
#include "export/ads_csv.h"

namespace adwatch {
namespace {

constexpr const char* kPresenceNames[] = {"unknown", "listed", "missing", "unlisted", "removed"};

}  // namespace

HttpResponse JsonError(const std::string& message) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  w.Key("error");
  w.String(ValidUtf8OrReplaced(message));  // a client's bytes, quoted: valid UTF-8 only
  w.EndObject();
  return {400, "application/json", std::string(buffer.GetString()) + "\n"};
}

std::optional<std::size_t> ParseCount(const std::string& text) {
  std::size_t value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end) return std::nullopt;
  return value;
}

std::optional<std::string> ListingParams::Take(const std::string& name, const std::string& value,
                                               const std::vector<std::string>& entity_names) {
  if (name == "format") {
    if (value != "json" && value != "csv") return "format must be json or csv";
    csv = value == "csv";
  } else if (name == "registry") {
    if (!IsKnownRegistry(value)) return "unknown registry: " + value + " (meta or google)";
    registry = value;
  } else if (name == "party") {
    const auto it = std::find(entity_names.begin(), entity_names.end(), value);
    if (it == entity_names.end()) return "unknown party: " + value;
    entity = static_cast<std::size_t>(it - entity_names.begin());
  } else if (name == "limit") {
    const auto n = ParseCount(value);
    if (!n || *n == 0 || *n > kMaxCsvLimit) {
      return "limit must be an integer from 1 to " + std::to_string(kMaxLimit) + " (" +
             std::to_string(kMaxCsvLimit) + " with format=csv)";
    }
    limit = *n;
    limit_given_ = true;
  } else if (name == "offset") {
    const auto n = ParseCount(value);
    if (!n) return "offset must be a non-negative integer";
    offset = *n;
  } else {
    return std::nullopt;
  }
  return "";
}

std::string ListingParams::Finish() {
  if (!csv && limit > kMaxLimit) {
    return "limit must be an integer from 1 to " + std::to_string(kMaxLimit);
  }
  if (csv && !limit_given_) limit = kMaxCsvLimit;
  return "";
}

HttpResponse BusyListing() {
  return {503, "application/json", "{\"error\":\"busy with another listing, retry\"}\n"};
}

namespace {

void WriteTime(rapidjson::Writer<rapidjson::StringBuffer>& w, EpochSeconds t) {
  if (t == kNever) {
    w.Null();
  } else {
    w.String(FormatTimestamp(t));
  }
}

}  // namespace

AdsApi::AdsApi(const Config& config, Source source) : source_(std::move(source)) {
  for (const EntityConfig& e : config.entities) entity_names_.push_back(e.name);
  entity_names_.emplace_back("unattributed");
  for (const ThemeConfig& t : config.themes) theme_names_.push_back(t.name);
}

HttpResponse AdsApi::Handle(const HttpRequest& request) const {
  AdFilter filter;
  ListingParams params;
  for (const auto& [name, value] : ParseQuery(request.query)) {
    if (const auto taken = params.Take(name, value, entity_names_)) {
      if (!taken->empty()) return JsonError(*taken);
    } else if (name == "state") {
      std::size_t start = 0;
      while (start <= value.size()) {
        const std::size_t end = std::min(value.find(',', start), value.size());
        const std::string state = value.substr(start, end - start);
        if (state == "all") {  // every known ad, whatever its registry state
          filter.presence.fill(true);
          start = end + 1;
          continue;
        }
        const auto* it = std::find(std::begin(kPresenceNames), std::end(kPresenceNames), state);
        if (it == std::end(kPresenceNames)) {
          return JsonError("unknown state: " + state +
                           " (missing, unlisted, removed, listed, unknown or all)");
        }
        filter.presence[static_cast<std::size_t>(it - std::begin(kPresenceNames))] = true;
        start = end + 1;
      }
    } else {
      return JsonError("unknown parameter: " + name +
                       " (registry, party, state, format, limit, offset)");
    }
  }
  if (const std::string error = params.Finish(); !error.empty()) return JsonError(error);
  filter.registry = params.registry;
  filter.entity = params.entity;
  if (std::none_of(filter.presence.begin(), filter.presence.end(), [](bool b) { return b; })) {
    for (Presence p : {Presence::kMissing, Presence::kUnlisted, Presence::kRemoved}) {
      filter.presence[static_cast<std::size_t>(p)] = true;
    }
  }

  const std::optional<AdPage> listed =
      OneListingAtATime(busy_, [&] { return source_(filter, params.offset, params.limit); });
  if (!listed) return BusyListing();
  const AdPage& page = *listed;
  if (params.csv) {
    return {200, "text/csv; charset=utf-8", AdsCsv(page.ads, entity_names_, theme_names_)};
  }

  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  w.Key("total");
  w.Uint64(page.total);
  w.Key("offset");
  w.Uint64(params.offset);
  w.Key("limit");
  w.Uint64(params.limit);
  w.Key("ads");
  w.StartArray();
  for (const AdListing& ad : page.ads) {
    w.StartObject();
    w.Key("registry");
    w.String(ad.registry);
    w.Key("ad_id");
    w.String(ad.ad_id);
    w.Key("party");
    w.String(entity_names_[ad.entity]);
    w.Key("state");
    w.String(kPresenceNames[static_cast<std::size_t>(ad.presence)]);
    w.Key("page_name");
    w.String(ad.page_name);
    w.Key("bylines");
    w.String(ad.bylines);
    w.Key("first_seen");
    WriteTime(w, ad.first_seen);
    w.Key("last_seen");
    WriteTime(w, ad.last_seen);
    // Cumulative spend bounds in pence (exact); upper is null for the open-ended top bucket.
    w.Key("spend_lower_pence");
    if (ad.spend) {
      w.Int64(ad.spend->lower);
    } else {
      w.Null();
    }
    w.Key("spend_upper_pence");
    if (ad.spend && !ad.spend->open_ended) {
      w.Int64(ad.spend->upper);
    } else {
      w.Null();
    }
    w.Key("themes");
    w.StartArray();
    for (std::size_t th = 0; th < theme_names_.size(); ++th) {
      if (ad.themes >> th & 1U) w.String(theme_names_[th]);
    }
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return {200, "application/json", std::string(buffer.GetString()) + "\n"};
}

}  // namespace adwatch
