#include "export/advertisers_api.h"

#include <algorithm>

#include "core/observation.h"
#include "core/rapidjson.h"
#include "export/ads_api.h"
#include "export/ads_csv.h"

namespace adwatch {
namespace {

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

void WriteAmounts(JsonWriter& w, const Amounts& a) {
  w.StartObject();
  for (int b = 0; b < kBoundCount; ++b) {
    w.Key((std::string(kBoundNames[b]) + "_pence").c_str());
    w.Int64(a.v[b]);
  }
  w.EndObject();
}

void CsvAmounts(std::string& out, const Amounts& a) {
  for (Pence v : a.v) out.append(std::to_string(v)).append(1, ',');
}

}  // namespace

AdvertisersApi::AdvertisersApi(const Config& config, Source source) : source_(std::move(source)) {
  for (const EntityConfig& e : config.entities) entity_names_.push_back(e.name);
  entity_names_.emplace_back("unattributed");
  for (const WindowSpec& w : config.windows) window_names_.push_back(w.name);
}

HttpResponse AdvertisersApi::Handle(const HttpRequest& request) const {
  AdvertiserQuery query;
  ListingParams params;
  for (const auto& [name, value] : ParseQuery(request.query)) {
    if (const auto taken = params.Take(name, value, entity_names_)) {
      if (!taken->empty()) return JsonError(*taken);
    } else if (name == "nation") {
      query.nation = NationFromName(value);
      if (!query.nation) {
        return JsonError("unknown nation: " + value +
                         " (england, scotland, wales, northern_ireland or unknown)");
      }
    } else if (name == "sort") {
      const auto it = std::find(window_names_.begin(), window_names_.end(), value);
      if (it != window_names_.end()) {
        query.window = static_cast<std::size_t>(it - window_names_.begin());
      } else if (value == "campaign_to_date") {
        query.window.reset();
      } else {
        std::string names;
        for (const std::string& w : window_names_) names += ", " + w;
        return JsonError("unknown sort: " + value + " (campaign_to_date" + names + ")");
      }
    } else if (name == "bound") {
      const auto* it = std::find(std::begin(kBoundNames), std::end(kBoundNames), value);
      if (it == std::end(kBoundNames)) {
        return JsonError("unknown bound: " + value + " (lower, upper or mid)");
      }
      query.bound = static_cast<Bound>(it - std::begin(kBoundNames));
    } else {
      return JsonError("unknown parameter: " + name +
                       " (registry, party, nation, sort, bound, format, limit, offset)");
    }
  }
  if (const std::string error = params.Finish(); !error.empty()) return JsonError(error);
  query.registry = params.registry;
  query.entity = params.entity;

  const std::optional<AdvertiserPage> listed =
      OneListingAtATime(busy_, [&] { return source_(query, params.offset, params.limit); });
  if (!listed) return BusyListing();
  const AdvertiserPage& page = *listed;
  if (params.csv) {
    return {200, "text/csv; charset=utf-8",
            AdvertisersCsv(page.advertisers, entity_names_, window_names_)};
  }

  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  w.Key("total");
  w.Uint64(page.total);
  w.Key("offset");
  w.Uint64(params.offset);
  w.Key("limit");
  w.Uint64(params.limit);
  w.Key("advertisers");
  w.StartArray();
  for (const AdvertiserTotals& a : page.advertisers) {
    w.StartObject();
    w.Key("registry");
    w.String(a.registry);
    w.Key("page_id");
    w.String(a.page_id);
    w.Key("page_name");
    w.String(a.page_name);
    w.Key("bylines");
    w.String(a.bylines);
    w.Key("party");
    w.String(entity_names_[a.entity]);
    w.Key("ads");
    w.Int64(a.ads);
    w.Key("open_ended_ads");
    w.Int64(a.open_ended_ads);
    w.Key("campaign_to_date");
    WriteAmounts(w, a.campaign_to_date);
    w.Key("nations");
    w.StartObject();
    for (int n = 0; n < kNationCount; ++n) {
      w.Key(std::string(NationName(static_cast<Nation>(n))).c_str());
      WriteAmounts(w, a.nations[n]);
    }
    w.EndObject();
    w.Key("windows");
    w.StartObject();
    for (std::size_t i = 0; i < window_names_.size(); ++i) {
      w.Key(window_names_[i].c_str());
      WriteAmounts(w, a.windows[i]);
    }
    w.EndObject();
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return {200, "application/json", std::string(buffer.GetString()) + "\n"};
}

std::string AdvertisersCsv(const std::vector<AdvertiserTotals>& advertisers,
                           const std::vector<std::string>& entity_names,
                           const std::vector<std::string>& window_names) {
  std::string out = "registry,page_id,page_name,bylines,party,ads,open_ended_ads,";
  const auto bounds = [&](const std::string& prefix) {
    for (const char* b : kBoundNames) out.append(prefix).append(b).append("_pence,");
  };
  bounds("campaign_to_date_");
  for (int n = 0; n < kNationCount; ++n) {
    bounds(std::string(NationName(static_cast<Nation>(n))) + "_");
  }
  for (const std::string& w : window_names) bounds(SafeCsvCell(w) + "_");
  out.back() = '\r';
  out += '\n';
  for (const AdvertiserTotals& a : advertisers) {
    for (const std::string& cell :
         {SafeCsvCell(a.registry), SafeCsvCell(a.page_id), SafeCsvCell(a.page_name),
          SafeCsvCell(a.bylines), SafeCsvCell(entity_names[a.entity]), std::to_string(a.ads),
          std::to_string(a.open_ended_ads)}) {
      out.append(cell).append(1, ',');
    }
    CsvAmounts(out, a.campaign_to_date);
    for (const Amounts& n : a.nations) CsvAmounts(out, n);
    for (const Amounts& w : a.windows) CsvAmounts(out, w);
    out.back() = '\r';
    out += '\n';
  }
  return out;
}

}  // namespace adwatch
