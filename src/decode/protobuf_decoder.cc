// Protobuf decoder: parses an adwatch.v1.Envelope into a reused message, maps it onto a
// RawMessage exactly as the JSON decoder would, and validates it with the shared rules.
// Text fields are `bytes` on the wire; their UTF-8 is checked here (`bad_encoding`).
#include <climits>
#include <optional>
#include <string>
#include <utility>

// protobuf_generate_cpp currently emits the header without its package path.
#if __has_include("adwatch/v1/observation.pb.h")
#include "adwatch/v1/observation.pb.h"
#else
#include "observation.pb.h"
#endif
#include "core/utf8.h"
#include "decode/raw_message.h"

namespace adwatch {
namespace {

using decode_internal::RawField;
using decode_internal::RawMessage;
using decode_internal::RawSpendColumns;
using decode_internal::RawTexts;
using decode_internal::RawType;

class ProtobufDecoder final : public Decoder {
 public:
  ProtobufDecoder(const DecoderOptions& options, const Clock& clock)
      : options_(options), clock_(clock) {}

  void DecodeInto(std::string_view payload, DecodeResult* out) override {
    if (auto rejection = Parse(payload)) {
      *out = std::move(*rejection);
      return;
    }
    decode_internal::BuildMessage(raw_, options_, clock_, out);
  }

 private:
  // Fills raw_ from the payload; a Rejection when it cannot be mapped.
  std::optional<Rejection> Parse(std::string_view payload) {
    if (payload.size() > options_.limits.max_message_bytes) {
      return Rejection{RejectReason::kTooLarge,
                       "message of " + std::to_string(payload.size()) + " bytes"};
    }
    if (payload.size() > static_cast<std::size_t>(INT_MAX) ||
        !envelope_.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
      return Rejection{RejectReason::kBadProtobuf, "not an adwatch.v1.Envelope"};
    }
    raw_.Clear();
    raw_.f.root = RawType::kObject;
    bad_encoding_ = nullptr;
    switch (envelope_.message_case()) {
      case v1::Envelope::kObservation:
        MapObservation(envelope_.observation());
        break;
      case v1::Envelope::kCrawlEnd:
        MapCrawlEnd(envelope_.crawl_end());
        break;
      case v1::Envelope::kReport:
        MapReport(envelope_.report());
        break;
      default:
        return Rejection{RejectReason::kUnknownKind, "envelope holds neither message"};
    }
    if (bad_encoding_ != nullptr) {
      return Rejection{RejectReason::kBadEncoding,
                       std::string("invalid UTF-8 in ") + bad_encoding_};
    }
    return std::nullopt;
  }

  void MapObservation(const v1::Observation& o) {
    auto& f = raw_.f;
    f.kind = {RawType::kString, "observation"};
    Put(o.has_registry(), o.registry(), "registry", &f.registry);
    Put(o.has_observed_at(), o.observed_at(), "observed_at", &f.observed_at);
    Put(o.has_crawl_id(), o.crawl_id(), "crawl_id", &f.crawl_id);
    Put(o.has_scope(), o.scope(), "scope", &f.scope);
    switch (o.lookup()) {
      case v1::LOOKUP_UNSPECIFIED:
        break;
      case v1::LOOKUP_LISTING:
        f.lookup = {RawType::kString, "listing"};
        break;
      case v1::LOOKUP_BY_ID:
        f.lookup = {RawType::kString, "by_id"};
        break;
      default:
        f.lookup = {RawType::kString, "?"};  // an unknown enum number: bad_value
        break;
    }
    switch (o.status()) {
      case v1::STATUS_UNSPECIFIED:
        break;
      case v1::STATUS_PRESENT:
        f.status = {RawType::kString, "present"};
        break;
      case v1::STATUS_NOT_FOUND:
        f.status = {RawType::kString, "not_found"};
        break;
      default:
        f.status = {RawType::kString, "?"};
        break;
    }
    if (!o.has_ad()) return;
    const v1::Ad& ad = o.ad();
    auto& a = f.ad;
    a.self.type = RawType::kObject;
    if (o.registry() == "google") {
      // The registry-neutral Ad carries a Google row (see the .proto).
      Put(ad.has_id(), ad.id(), "ad.id", &a.g_ad_id);
      Put(ad.has_page_id(), ad.page_id(), "ad.page_id", &a.g_advertiser_id);
      Put(ad.has_page_name(), ad.page_name(), "ad.page_name", &a.g_advertiser_name);
      Put(ad.has_ad_delivery_start_time(), ad.ad_delivery_start_time(), "ad.start",
          &a.g_date_start);
      Put(ad.has_ad_delivery_stop_time(), ad.ad_delivery_stop_time(), "ad.stop", &a.g_date_end);
      Put(ad.has_geo_targeting_included(), ad.geo_targeting_included(), "ad.geo_targeting",
          &a.g_geo_included);
      Put(ad.has_geo_targeting_excluded(), ad.geo_targeting_excluded(), "ad.geo_targeting",
          &a.g_geo_excluded);
      if (ad.has_spend()) {
        RawSpendColumns& col = raw_.spend_columns.emplace_back();
        col.currency = options_.currency.reporting;
        RawField currency;
        Put(ad.has_currency(), ad.currency(), "ad.currency", &currency);
        if (currency.present()) col.currency = currency.str;
        Put(ad.spend().has_lower_bound(), ad.spend().lower_bound(), "ad.spend", &col.min);
        Put(ad.spend().has_upper_bound(), ad.spend().upper_bound(), "ad.spend", &col.max);
      }
      return;
    }
    Put(ad.has_id(), ad.id(), "ad.id", &a.id);
    Put(ad.has_page_id(), ad.page_id(), "ad.page_id", &a.page_id);
    Put(ad.has_page_name(), ad.page_name(), "ad.page_name", &a.page_name);
    Put(ad.has_bylines(), ad.bylines(), "ad.bylines", &a.bylines);
    Put(ad.has_funding_entity(), ad.funding_entity(), "ad.funding_entity", &a.funding_entity);
    PutTexts(ad.ad_creative_bodies(), &a.bodies);
    PutTexts(ad.ad_creative_link_titles(), &a.link_titles);
    PutTexts(ad.ad_creative_link_captions(), &a.link_captions);
    PutTexts(ad.ad_creative_link_descriptions(), &a.link_descriptions);
    Put(ad.has_ad_delivery_start_time(), ad.ad_delivery_start_time(), "ad.start",
        &a.delivery_start);
    Put(ad.has_ad_delivery_stop_time(), ad.ad_delivery_stop_time(), "ad.stop", &a.delivery_stop);
    Put(ad.has_currency(), ad.currency(), "ad.currency", &a.currency);
    if (!ad.delivery_by_region().empty()) {
      a.regions.type = RawType::kArray;
      for (const v1::Region& r : ad.delivery_by_region()) {
        if (raw_.regions.size() >= decode_internal::kMaxRegions) {
          a.regions_bad = true;
          break;
        }
        decode_internal::RawRegion& out = raw_.regions.emplace_back();
        Put(r.has_region(), r.region(), "ad.delivery_by_region", &out.region);
        Put(r.has_percentage(), r.percentage(), "ad.delivery_by_region", &out.percentage);
      }
    }
    if (ad.has_spend()) {
      a.spend.type = RawType::kObject;
      Put(ad.spend().has_lower_bound(), ad.spend().lower_bound(), "ad.spend", &a.lower_bound);
      Put(ad.spend().has_upper_bound(), ad.spend().upper_bound(), "ad.spend", &a.upper_bound);
    }
  }

  void MapCrawlEnd(const v1::CrawlEnd& c) {
    auto& f = raw_.f;
    f.kind = {RawType::kString, "crawl_end"};
    Put(c.has_registry(), c.registry(), "registry", &f.registry);
    Put(c.has_crawl_id(), c.crawl_id(), "crawl_id", &f.crawl_id);
    Put(c.has_scope(), c.scope(), "scope", &f.scope);
    Put(c.has_started_at(), c.started_at(), "started_at", &f.started_at);
    Put(c.has_completed_at(), c.completed_at(), "completed_at", &f.completed_at);
    if (c.has_ads_listed()) {
      if (c.ads_listed() < 0) {
        f.ads_listed.type = RawType::kNegInt;
      } else {
        f.ads_listed.type = RawType::kUint;
        f.ads_listed.u = static_cast<std::uint64_t>(c.ads_listed());
      }
    }
  }

  void MapReport(const v1::Report& r) {
    auto& f = raw_.f;
    f.kind = {RawType::kString, "report"};
    Put(r.has_registry(), r.registry(), "registry", &f.registry);
    Put(r.has_observed_at(), r.observed_at(), "observed_at", &f.observed_at);
    Put(r.has_release(), r.release(), "release", &f.release);
    Put(r.has_report(), r.report(), "report", &f.report);
    Put(r.has_advertiser_id(), r.advertiser_id(), "advertiser_id", &f.advertiser_id);
    Put(r.has_advertiser_name(), r.advertiser_name(), "advertiser_name", &f.advertiser_name);
    Put(r.has_disclaimer(), r.disclaimer(), "disclaimer", &f.disclaimer);
    Put(r.has_period_start(), r.period_start(), "period_start", &f.period_start);
    Put(r.has_period_end(), r.period_end(), "period_end", &f.period_end);
    PutInt(r.has_amount_lower_pence(), r.amount_lower_pence(), &f.amount_lower_pence);
    PutInt(r.has_amount_upper_pence(), r.amount_upper_pence(), &f.amount_upper_pence);
    PutInt(r.has_ads_in_library(), r.ads_in_library(), &f.ads_in_library);
  }

  static void PutInt(bool has, std::int64_t value, RawField* out) {
    if (!has) return;
    if (value < 0) {
      out->type = RawType::kNegInt;
    } else {
      out->type = RawType::kUint;
      out->u = static_cast<std::uint64_t>(value);
    }
  }

  void Put(bool has, const std::string& value, const char* name, RawField* out) {
    if (!has) return;
    if (!ValidUtf8(value)) {
      if (bad_encoding_ == nullptr) bad_encoding_ = name;
      return;
    }
    out->type = RawType::kString;
    out->str = value;
  }

  void PutTexts(const google::protobuf::RepeatedPtrField<std::string>& values, RawTexts* out) {
    if (values.empty()) return;  // proto cannot tell absent from empty: both give no texts
    out->type = RawType::kArray;
    out->begin = static_cast<std::uint32_t>(raw_.text_pool.size());
    for (const std::string& v : values) {
      if (!ValidUtf8(v)) {
        if (bad_encoding_ == nullptr) bad_encoding_ = "ad texts";
        continue;
      }
      raw_.text_pool.emplace_back(v);
    }
    out->end = static_cast<std::uint32_t>(raw_.text_pool.size());
  }

  const DecoderOptions options_;
  const Clock& clock_;
  v1::Envelope envelope_;
  RawMessage raw_;
  const char* bad_encoding_ = nullptr;  // the first field with invalid UTF-8
};

}  // namespace

std::unique_ptr<Decoder> MakeProtobufDecoder(const DecoderOptions& options, const Clock& clock) {
  return std::make_unique<ProtobufDecoder>(options, clock);
}

}  // namespace adwatch
