#include "export/ads_csv.h"

#include "core/csv.h"

namespace adwatch {
namespace {

constexpr const char* kPresenceNames[] = {"unknown", "listed", "missing", "unlisted", "removed"};

std::string Time(EpochSeconds t) { return t == kNever ? std::string() : FormatTimestamp(t); }

}  // namespace

std::string SafeCsvCell(const std::string& value) {
  if (!value.empty() && (value[0] == '=' || value[0] == '+' || value[0] == '-' || value[0] == '@' ||
                         value[0] == '\t' || value[0] == '\r')) {
    return CsvField("'" + value);
  }
  return CsvField(value);
}

std::string AdsCsv(const std::vector<AdListing>& ads, const std::vector<std::string>& entity_names,
                   const std::vector<std::string>& theme_names) {
  std::string out =
      "registry,ad_id,party,state,page_name,bylines,first_seen,last_seen,spend_lower_pence,"
      "spend_upper_pence,themes\r\n";
  for (const AdListing& ad : ads) {
    std::string themes;
    for (std::size_t th = 0; th < theme_names.size(); ++th) {
      if (ad.themes >> th & 1U) themes += (themes.empty() ? "" : ";") + theme_names[th];
    }
    const std::string lower = ad.spend ? std::to_string(ad.spend->lower) : "";
    const std::string upper =
        ad.spend && !ad.spend->open_ended ? std::to_string(ad.spend->upper) : "";
    for (const std::string& cell :
         {SafeCsvCell(ad.registry), SafeCsvCell(ad.ad_id), SafeCsvCell(entity_names[ad.entity]),
          std::string(kPresenceNames[static_cast<std::size_t>(ad.presence)]),
          SafeCsvCell(ad.page_name), SafeCsvCell(ad.bylines), Time(ad.first_seen),
          Time(ad.last_seen), lower, upper, SafeCsvCell(themes)}) {
      out += cell;
      out += ',';
    }
    out.back() = '\r';
    out += '\n';
  }
  return out;
}

}  // namespace adwatch
