// Shared validation of decoded messages (SPEC §2): one set of rules for JSON and protobuf.
#include <cstring>
#include <limits>
#include <string>
#include <utility>

#include "decode/delivery_regions.h"
#include "decode/raw_message.h"

namespace adwatch::decode_internal {
namespace {

__extension__ using Int128 = __int128;  // products of amounts and conversion rates

constexpr std::uint64_t kMaxAmount = 999'999'999'999;  // at most 12 decimal digits
constexpr std::size_t kMaxAmountDigits = 12;
constexpr std::size_t kMaxRegistryLength = 32;

Rejection Reject(RejectReason reason, std::string detail) {
  return Rejection{reason, std::move(detail)};
}

std::string Str(std::string_view s) { return std::string(s); }

// Input text quoted in a rejection detail (which gets logged): at most 24 printable ASCII
// characters, anything else shown as '?'.
std::string Printable(std::string_view s) {
  constexpr std::size_t kMax = 24;
  std::string out;
  for (std::size_t i = 0; i < s.size() && i < kMax; ++i) {
    out += s[i] >= 0x20 && s[i] < 0x7F ? s[i] : '?';
  }
  if (s.size() > kMax) out += "...";
  return out;
}

// Validates one raw message; each step returns false after storing the rejection in err_.
class Builder {
 public:
  Builder(const RawMessage& raw, const DecoderOptions& options, const Clock& clock)
      : raw_(raw), f_(raw.f), options_(options), clock_(clock) {}

  void Build(DecodeResult* out) {
    if (f_.root != RawType::kObject) {
      *out = Reject(RejectReason::kBadType,
                    "top-level value is " + Str(RawTypeName(f_.root)) + ", not an object");
      return;
    }
    if (f_.duplicate) {
      *out = Reject(RejectReason::kBadValue, "duplicate key '" + Printable(f_.duplicate_key) + "'");
      return;
    }
    bool crawl_end = false;
    bool report = false;
    if (f_.kind.present()) {
      if (f_.kind.type != RawType::kString) {
        *out = TypeError("kind", f_.kind, "a string");
        return;
      }
      if (f_.kind.str == "crawl_end") {
        crawl_end = true;
      } else if (f_.kind.str == "report") {
        report = true;
      } else if (f_.kind.str != "observation") {
        *out = Reject(RejectReason::kUnknownKind, "unknown kind");
        return;
      }
    }
    std::string_view registry;
    if (!Registry(&registry)) {
      *out = std::move(err_);
    } else if (crawl_end) {
      *out = BuildCrawlEnd(registry);
    } else if (report) {
      *out = BuildReport(registry);
    } else {
      Observation& obs = Recycled(out);
      if (BuildObservation(registry, obs)) {
        obs.content.texts.resize(texts_used_);  // drops recycled texts not used again
      } else {
        *out = std::move(err_);
      }
    }
  }

 private:
  // The Observation in `*out`, every field back to its default (fields added later too), but
  // with the strings and text vector of the one already there, if any, to be assigned again.
  Observation& Recycled(DecodeResult* out) {
    Message* message = std::get_if<Message>(out);
    Observation* obs = message == nullptr ? nullptr : std::get_if<Observation>(message);
    if (obs == nullptr) {
      return std::get<Observation>(out->emplace<Message>(std::in_place_type<Observation>));
    }
    Observation old = std::move(*obs);
    *obs = Observation{};
    const auto keep = [](std::string& to, std::string& from) {
      to.swap(from);
      to.clear();
    };
    keep(obs->registry, old.registry);
    keep(obs->crawl_id, old.crawl_id);
    keep(obs->scope, old.scope);
    keep(obs->ad_id, old.ad_id);
    keep(obs->content.page_id, old.content.page_id);
    keep(obs->content.page_name, old.content.page_name);
    keep(obs->content.bylines, old.content.bylines);
    obs->content.texts.swap(old.content.texts);  // assigned again by AddText, then cut to size
    return *obs;
  }

  bool BuildObservation(std::string_view registry, Observation& obs) {
    obs.registry.assign(registry);
    if (!Timestamp(f_.observed_at, "observed_at", &obs.observed_at)) return false;
    std::string_view s;
    if (!OptString(f_.crawl_id, "crawl_id", &s)) return false;
    obs.crawl_id.assign(s);
    if (!OptString(f_.scope, "scope", &s)) return false;
    obs.scope.assign(s);
    if (!Enum(f_.lookup, "lookup", "listing", "by_id", &s)) return false;
    obs.lookup = s == "by_id" ? Lookup::kById : Lookup::kListing;
    if (!Enum(f_.status, "status", "present", "not_found", &s)) return false;
    obs.status = s == "not_found" ? AdStatus::kNotFound : AdStatus::kPresent;

    const RawAd& ad = f_.ad;
    if (!ad.self.present()) return Fail(RejectReason::kMissingField, "missing field 'ad'");
    if (ad.self.type != RawType::kObject) return TypeFail("ad", ad.self, "an object");
    return registry == "google" ? GoogleAd(ad, &obs) : MetaAd(ad, &obs);
  }

  DecodeResult BuildCrawlEnd(std::string_view registry) {
    CrawlEnd end;
    end.registry = Str(registry);
    std::string_view s;
    if (!ReqString(f_.crawl_id, "crawl_id", &s)) return std::move(err_);
    if (s.empty()) return Reject(RejectReason::kBadValue, "empty crawl_id");
    end.crawl_id = Str(s);
    if (!OptString(f_.scope, "scope", &s)) return std::move(err_);
    end.scope = Str(s);
    if (!Timestamp(f_.completed_at, "completed_at", &end.completed_at)) return std::move(err_);
    end.started_at = end.completed_at;
    if (f_.started_at.present()) {
      if (!Timestamp(f_.started_at, "started_at", &end.started_at)) return std::move(err_);
      if (end.started_at > end.completed_at) {
        return Reject(RejectReason::kBadValue, "started_at is after completed_at");
      }
    }
    const RawField& n = f_.ads_listed;
    if (n.present()) {
      switch (n.type) {
        case RawType::kUint:
          if (n.u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
            return Reject(RejectReason::kBadValue, "ads_listed out of range");
          }
          end.ads_listed = static_cast<std::int64_t>(n.u);
          break;
        case RawType::kString: {
          std::uint64_t v = 0;
          if (!Digits(n.str, 18, &v)) {
            return Reject(RejectReason::kBadValue, "ads_listed is not a non-negative integer");
          }
          end.ads_listed = static_cast<std::int64_t>(v);
          break;
        }
        case RawType::kNegInt:
        case RawType::kDouble:
          return Reject(RejectReason::kBadValue, "ads_listed is not a non-negative integer");
        default:
          return TypeError("ads_listed", n, "an integer or a digit string");
      }
    }
    return Message{std::move(end)};
  }

  // kind: report (one advertiser's row of a registry's own report).
  DecodeResult BuildReport(std::string_view registry) {
    Report r;
    r.registry = Str(registry);
    if (!Timestamp(f_.observed_at, "observed_at", &r.observed_at)) return std::move(err_);
    std::string_view s;
    if (!ReqString(f_.release, "release", &s)) return std::move(err_);
    if (s.empty()) return Reject(RejectReason::kBadValue, "empty release");
    r.release = Str(s);
    if (!ReqString(f_.report, "report", &s)) return std::move(err_);
    if (s == "weekly") {
      r.kind = ReportKind::kWeekly;
    } else if (s == "to_date") {
      r.kind = ReportKind::kToDate;
    } else {
      return Reject(RejectReason::kBadValue, "report must be 'weekly' or 'to_date'");
    }
    if (!ReqString(f_.advertiser_id, "advertiser_id", &s)) return std::move(err_);
    if (s.empty()) return Reject(RejectReason::kBadValue, "empty advertiser_id");
    r.advertiser_id = Str(s);
    if (!OptString(f_.advertiser_name, "advertiser_name", &s)) return std::move(err_);
    r.advertiser_name = Str(s);
    if (!OptString(f_.disclaimer, "disclaimer", &s)) return std::move(err_);
    r.disclaimer = Str(s);
    std::optional<EpochSeconds> end;
    if (!Day(f_.period_start, "period_start", &r.period_start) ||
        !Day(f_.period_end, "period_end", &end)) {
      return std::move(err_);
    }
    if (!end) return Reject(RejectReason::kMissingField, "missing field 'period_end'");
    r.period_end = *end;
    if (r.kind == ReportKind::kWeekly && !r.period_start) {
      return Reject(RejectReason::kMissingField, "missing field 'period_start' (weekly)");
    }
    if (r.period_start && *r.period_start > r.period_end) {
      return Reject(RejectReason::kBadValue, "period_start is after period_end");
    }
    if (!f_.amount_lower_pence.present()) {
      return Reject(RejectReason::kMissingField, "missing field 'amount_lower_pence'");
    }
    std::uint64_t lo = 0;
    std::uint64_t hi = 0;
    if (!Amount(f_.amount_lower_pence, "amount_lower_pence", &lo)) return std::move(err_);
    r.amount.open_ended = !f_.amount_upper_pence.present();
    hi = lo;
    if (!r.amount.open_ended) {
      if (!Amount(f_.amount_upper_pence, "amount_upper_pence", &hi)) return std::move(err_);
      if (hi < lo) return Reject(RejectReason::kBadAmount, "amount: upper below lower");
    }
    r.amount.lower = static_cast<Pence>(lo);
    r.amount.upper = static_cast<Pence>(hi);
    const RawField& n = f_.ads_in_library;
    if (n.present()) {
      std::uint64_t v = 0;
      if (n.type == RawType::kUint && n.u <= kMaxAmount) {
        v = n.u;
      } else if (n.type != RawType::kString || !Digits(n.str, kMaxAmountDigits, &v)) {
        return Reject(RejectReason::kBadValue, "ads_in_library is not a non-negative integer");
      }
      r.ads_in_library = static_cast<std::int64_t>(v);
    }
    return Message{std::move(r)};
  }

  // Optional calendar day `YYYY-MM-DD` (midnight UTC): absent or null -> nullopt.
  bool Day(const RawField& v, std::string_view name, std::optional<EpochSeconds>* out) {
    if (!v.present()) return true;
    if (v.type != RawType::kString) return TypeFail(name, v, "a YYYY-MM-DD string");
    const auto t = v.str.size() == 10 ? ParseDateOrTimestamp(v.str) : std::nullopt;
    if (!t) return Fail(RejectReason::kBadTimestamp, Str(name) + " is not a YYYY-MM-DD date");
    *out = *t;
    return true;
  }

  bool MetaAd(const RawAd& ad, Observation* obs) {
    std::string_view s;
    if (!ReqString(ad.id, "ad.id", &s)) return false;
    if (s.empty()) return Fail(RejectReason::kBadValue, "empty ad.id");
    obs->ad_id.assign(s);
    if (obs->status == AdStatus::kNotFound) return true;

    AdContent& c = obs->content;
    if (!OptString(ad.page_id, "ad.page_id", &s)) return false;
    c.page_id.assign(s);
    if (!OptString(ad.page_name, "ad.page_name", &s)) return false;
    c.page_name.assign(s);
    if (!OptString(ad.bylines, "ad.bylines", &s)) return false;
    if (s.empty() && !OptString(ad.funding_entity, "ad.funding_entity", &s)) return false;
    c.bylines.assign(s);
    c.texts.reserve(TextCount(ad.bodies, ad.body) + TextCount(ad.link_titles, ad.link_title) +
                    TextCount(ad.link_captions, ad.link_caption) +
                    TextCount(ad.link_descriptions, ad.link_description));
    if (!Texts(ad.bodies, ad.body, "ad.ad_creative_bodies", &c.texts) ||
        !Texts(ad.link_titles, ad.link_title, "ad.ad_creative_link_titles", &c.texts) ||
        !Texts(ad.link_captions, ad.link_caption, "ad.ad_creative_link_captions", &c.texts) ||
        !Texts(ad.link_descriptions, ad.link_description, "ad.ad_creative_link_descriptions",
               &c.texts)) {
      return false;
    }
    if (!Date(ad.delivery_start, "ad.ad_delivery_start_time", &obs->delivery_start) ||
        !Date(ad.delivery_stop, "ad.ad_delivery_stop_time", &obs->delivery_stop)) {
      return false;
    }
    MetaRegions(ad, obs);
    if (!ad.spend.present()) return true;
    if (ad.spend.type != RawType::kObject) return TypeFail("ad.spend", ad.spend, "an object");
    std::string_view currency = options_.currency.reporting;
    if (ad.currency.present()) {
      if (ad.currency.type != RawType::kString) {
        return TypeFail("ad.currency", ad.currency, "a string");
      }
      currency = ad.currency.str;
    }
    if (!ad.lower_bound.present()) {
      return Fail(RejectReason::kMissingField, "missing field 'ad.spend.lower_bound'");
    }
    return Spend(ad.lower_bound, ad.upper_bound, currency, "ad.spend", obs);
  }

  bool GoogleAd(const RawAd& ad, Observation* obs) {
    std::string_view s;
    if (!ReqString(ad.g_ad_id, "ad.Ad_ID", &s)) return false;
    if (s.empty()) return Fail(RejectReason::kBadValue, "empty ad.Ad_ID");
    obs->ad_id.assign(s);
    if (obs->status == AdStatus::kNotFound) return true;

    AdContent& c = obs->content;
    if (!OptString(ad.g_advertiser_id, "ad.Advertiser_ID", &s)) return false;
    c.page_id.assign(s);
    if (!OptString(ad.g_advertiser_name, "ad.Advertiser_Name", &s)) return false;
    c.page_name.assign(s);
    if (!Date(ad.g_date_start, "ad.Date_Range_Start", &obs->delivery_start) ||
        !Date(ad.g_date_end, "ad.Date_Range_End", &obs->delivery_stop)) {
      return false;
    }
    GoogleRegions(ad, obs);
    // Columns of a currency count when either bound has a value (CSV cells may be empty).
    const auto has_value = [](const RawField& v) {
      return v.present() && !(v.type == RawType::kString && v.str.empty());
    };
    const RawSpendColumns* chosen = nullptr;
    const RawSpendColumns* unconvertible = nullptr;
    for (const RawSpendColumns& col : raw_.spend_columns) {
      if (!has_value(col.min) && !has_value(col.max)) continue;
      if (col.currency == options_.currency.reporting) {
        chosen = &col;
        break;
      }
      if (chosen == nullptr && options_.currency.conversion.count(col.currency) != 0) {
        chosen = &col;
      } else if (unconvertible == nullptr) {
        unconvertible = &col;
      }
    }
    if (chosen == nullptr && unconvertible != nullptr) {
      return Fail(RejectReason::kUnknownCurrency,
                  "no spend in a known currency (saw " + Printable(unconvertible->currency) + ")");
    }
    if (chosen == nullptr) return true;  // no spend columns at all
    if (!has_value(chosen->min)) {
      return Fail(RejectReason::kMissingField,
                  "missing field 'ad.Spend_Range_Min_" + Printable(chosen->currency) + "'");
    }
    RawField max = chosen->max;
    if (max.type == RawType::kString && max.str.empty()) max.type = RawType::kAbsent;
    return Spend(chosen->min, max, chosen->currency, "ad.Spend_Range", obs);
  }

  // delivery_by_region (delivery/delivery_regions.h). Never fails the message: absent or null
  // is no region data (nullopt); anything unusable is all `unknown`.
  void MetaRegions(const RawAd& ad, Observation* obs) {
    if (!ad.regions.present()) return;
    obs->nations.emplace();
    if (ad.regions.type != RawType::kArray || ad.regions_bad) return;
    RegionShares shares;
    for (const RawRegion& r : raw_.regions) {
      shares.Add(
          {r.region.str, r.percentage.str,
           !r.bad && r.region.type == RawType::kString && r.percentage.type == RawType::kString});
    }
    *obs->nations = shares.Finish();
  }

  // Geo_Targeting_Included/Excluded: an absent, null or empty Included is no region data.
  void GoogleRegions(const RawAd& ad, Observation* obs) {
    const RawField& in = ad.g_geo_included;
    if (!in.present() || (in.type == RawType::kString && in.str.empty())) return;
    obs->nations.emplace();
    const RawField& ex = ad.g_geo_excluded;
    if (in.type != RawType::kString || (ex.present() && ex.type != RawType::kString)) return;
    *obs->nations = SharesFromGeoTargeting(in.str, ex.present() ? ex.str : std::string_view{});
  }

  // Both bounds in whole units of `currency`; upper absent: open-ended top bucket.
  bool Spend(const RawField& lower, const RawField& upper, std::string_view currency,
             std::string_view name, Observation* obs) {
    std::uint64_t lo = 0;
    std::uint64_t hi = 0;
    if (!Amount(lower, name, &lo)) return false;
    const bool open_ended = !upper.present();
    if (open_ended) {
      hi = lo;
    } else {
      if (!Amount(upper, name, &hi)) return false;
      if (hi < lo) return Fail(RejectReason::kBadAmount, Str(name) + ": upper below lower");
    }
    SpendRange range;
    range.open_ended = open_ended;
    if (!ToPence(lo, currency, &range.lower) || !ToPence(hi, currency, &range.upper)) {
      return false;
    }
    obs->spend = range;
    return true;
  }

  // Whole units of `currency` -> pence of the reporting currency, floored.
  bool ToPence(std::uint64_t units, std::string_view currency, Pence* out) {
    const auto pence = static_cast<Int128>(units) * kPencePerPound;
    if (currency == options_.currency.reporting) {
      *out = static_cast<Pence>(pence);
      return true;
    }
    const auto it = options_.currency.conversion.find(currency);
    if (it == options_.currency.conversion.end() || it->second.denominator <= 0 ||
        it->second.numerator < 0) {
      return Fail(RejectReason::kUnknownCurrency, "unknown currency '" + Printable(currency) + "'");
    }
    const Int128 converted = pence * it->second.numerator / it->second.denominator;
    if (converted > std::numeric_limits<Pence>::max()) {
      return Fail(RejectReason::kBadAmount, "converted amount out of range");
    }
    *out = static_cast<Pence>(converted);
    return true;
  }

  bool Amount(const RawField& v, std::string_view name, std::uint64_t* out) {
    switch (v.type) {
      case RawType::kString:
        if (Digits(v.str, kMaxAmountDigits, out)) return true;
        return Fail(RejectReason::kBadAmount, Str(name) + ": amount is not 1 to 12 decimal digits");
      case RawType::kUint:
        if (v.u <= kMaxAmount) {
          *out = v.u;
          return true;
        }
        return Fail(RejectReason::kBadAmount, Str(name) + ": amount has more than 12 digits");
      case RawType::kNegInt:
      case RawType::kDouble:
        return Fail(RejectReason::kBadAmount, Str(name) + ": amount is not a whole number >= 0");
      default:
        return TypeFail(name, v, "a digit string");
    }
  }

  // 1..max_digits ASCII digits, nothing else.
  static bool Digits(std::string_view s, std::size_t max_digits, std::uint64_t* out) {
    if (s.empty() || s.size() > max_digits) return false;
    std::uint64_t v = 0;
    for (const char ch : s) {
      if (ch < '0' || ch > '9') return false;
      v = v * 10 + static_cast<std::uint64_t>(ch - '0');
    }
    *out = v;
    return true;
  }

  // An upper bound of what Texts() appends, to size the vector once.
  static std::size_t TextCount(const RawTexts& plural, const RawField& singular) {
    if (plural.type == RawType::kArray) return plural.end - plural.begin;
    return singular.type == RawType::kString ? 1 : 0;
  }

  // Plural array field if present, else the older singular string field.
  bool Texts(const RawTexts& plural, const RawField& singular, std::string_view name,
             std::vector<std::string>* out) {
    if (plural.type == RawType::kArray) {
      if (plural.bad_element) {
        return Fail(RejectReason::kBadType, Str(name) + " must be an array of strings");
      }
      if (plural.end - plural.begin > options_.limits.max_array_items) {
        return Fail(RejectReason::kTooLarge, Str(name) + " has more than " +
                                                 std::to_string(options_.limits.max_array_items) +
                                                 " items");
      }
      for (std::uint32_t i = plural.begin; i < plural.end; ++i) {
        if (!WithinLimit(raw_.text_pool[i], name)) return false;
        AddText(raw_.text_pool[i], out);
      }
      return true;
    }
    if (plural.type != RawType::kAbsent && plural.type != RawType::kNull) {
      return Fail(RejectReason::kBadType,
                  Str(name) + " must be an array of strings, not " + Str(RawTypeName(plural.type)));
    }
    if (!singular.present()) return true;
    if (singular.type != RawType::kString) {
      return TypeFail(Str(name) + " (singular)", singular, "a string");
    }
    if (!WithinLimit(singular.str, name)) return false;
    AddText(singular.str, out);
    return true;
  }

  // Appends a text: the next of `out`'s first texts_used_ elements is the next text, so a
  // recycled Observation's strings (still in `out`) are assigned again, keeping their buffers.
  void AddText(std::string_view text, std::vector<std::string>* out) {
    if (texts_used_ < out->size()) {
      (*out)[texts_used_].assign(text);
    } else {
      out->emplace_back(text);
    }
    ++texts_used_;
  }

  // Optional date: absent, null or "" -> nullopt.
  bool Date(const RawField& v, std::string_view name, std::optional<EpochSeconds>* out) {
    if (!v.present()) return true;
    if (v.type != RawType::kString) return TypeFail(name, v, "a date string");
    if (v.str.empty()) return true;
    const auto t = ParseDateOrTimestamp(v.str);
    if (!t) return Fail(RejectReason::kBadTimestamp, Str(name) + " is not a date");
    *out = *t;
    return true;
  }

  // Required RFC 3339 timestamp, not beyond now + tolerance.
  bool Timestamp(const RawField& v, std::string_view name, EpochSeconds* out) {
    std::string_view s;
    if (!ReqString(v, name, &s)) return false;
    const auto t = ParseTimestamp(s);
    if (!t) return Fail(RejectReason::kBadTimestamp, Str(name) + " is not an RFC 3339 timestamp");
    if (*t > clock_.Now() + options_.limits.future_tolerance_seconds) {
      return Fail(RejectReason::kFutureTimestamp, Str(name) + " is in the future");
    }
    *out = *t;
    return true;
  }

  bool Registry(std::string_view* out) {
    std::string_view s;
    if (!ReqString(f_.registry, "registry", &s)) return false;
    if (s.empty() || s.size() > kMaxRegistryLength) {
      return Fail(RejectReason::kBadValue, "registry must be 1 to 32 of [a-z0-9_]");
    }
    for (const char ch : s) {
      if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_')) {
        return Fail(RejectReason::kBadValue, "registry must be 1 to 32 of [a-z0-9_]");
      }
    }
    if (!IsKnownRegistry(s)) {
      return Fail(RejectReason::kUnknownRegistry, "unknown registry '" + Str(s) + "'");
    }
    *out = s;
    return true;
  }

  // Optional string with two allowed values; absent -> the first.
  bool Enum(const RawField& v, std::string_view name, std::string_view first,
            std::string_view second, std::string_view* out) {
    *out = first;
    if (!v.present()) return true;
    if (v.type != RawType::kString) return TypeFail(name, v, "a string");
    if (v.str != first && v.str != second) {
      return Fail(RejectReason::kBadValue,
                  Str(name) + " must be '" + Str(first) + "' or '" + Str(second) + "'");
    }
    *out = v.str;
    return true;
  }

  bool ReqString(const RawField& v, std::string_view name, std::string_view* out) {
    if (!v.present()) return Fail(RejectReason::kMissingField, "missing field '" + Str(name) + "'");
    if (v.type != RawType::kString) return TypeFail(name, v, "a string");
    if (!WithinLimit(v.str, name)) return false;
    *out = v.str;
    return true;
  }

  // Absent or null -> "".
  bool OptString(const RawField& v, std::string_view name, std::string_view* out) {
    *out = {};
    if (!v.present()) return true;
    if (v.type != RawType::kString) return TypeFail(name, v, "a string");
    if (!WithinLimit(v.str, name)) return false;
    *out = v.str;
    return true;
  }

  // limits.max_string_bytes, for every string the message keeps.
  bool WithinLimit(std::string_view s, std::string_view name) {
    if (s.size() <= options_.limits.max_string_bytes) return true;
    return Fail(RejectReason::kTooLarge, Str(name) + " is longer than " +
                                             std::to_string(options_.limits.max_string_bytes) +
                                             " bytes");
  }

  bool Fail(RejectReason reason, std::string detail) {
    err_ = Rejection{reason, std::move(detail)};
    return false;
  }
  bool TypeFail(std::string_view name, const RawField& v, std::string_view expected) {
    return Fail(RejectReason::kBadType,
                Str(name) + " must be " + Str(expected) + ", not " + Str(RawTypeName(v.type)));
  }
  DecodeResult TypeError(std::string_view name, const RawField& v, std::string_view expected) {
    TypeFail(name, v, expected);
    return std::move(err_);
  }

  const RawMessage& raw_;
  const RawFields& f_;
  const DecoderOptions& options_;
  const Clock& clock_;
  Rejection err_{RejectReason::kBadValue, {}};
  std::size_t texts_used_ = 0;  // texts of the Observation built so far (AddText)
};

}  // namespace

std::string_view RawTypeName(RawType t) {
  switch (t) {
    case RawType::kAbsent:
      return "absent";
    case RawType::kNull:
      return "null";
    case RawType::kString:
      return "a string";
    case RawType::kUint:
    case RawType::kNegInt:
      return "an integer";
    case RawType::kDouble:
      return "a number";
    case RawType::kBool:
      return "a boolean";
    case RawType::kObject:
      return "an object";
    case RawType::kArray:
      return "an array";
  }
  return "?";
}

void BuildMessage(const RawMessage& raw, const DecoderOptions& options, const Clock& clock,
                  DecodeResult* out) {
  Builder(raw, options, clock).Build(out);
}

}  // namespace adwatch::decode_internal
