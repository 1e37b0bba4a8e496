// JSON decoder: RapidJSON's SAX reader after one pass that checks UTF-8 and refuses NUL bytes,
// parsing in place into a reused buffer. A small handler records only the fields adwatch reads
// into a RawMessage (no DOM is built); BuildMessage() then validates them.
//
// Recursion: RapidJSON's recursive reader is about a third faster than its iterative one. Its
// stack stays bounded by limits.max_depth because the handler refuses to open a container
// deeper than the cap in StartObject/StartArray, which RapidJSON calls before it recurses into
// the container's members. Above kMaxRecursiveDepth (a configured cap that large) the iterative
// reader is used, so that no accepted nesting can exhaust a thread's stack. Both readers accept
// exactly the same documents.
//
// Duplicate keys: a field adwatch reads that appears twice in the same object is rejected as
// `bad_value` (no "first wins"/"last wins" ambiguity); duplicates of ignored fields are ignored.
// Region data is the exception: a repeated `delivery_by_region`, or a key repeated inside one of
// its elements, makes the region data unusable (`unknown` share), never the message (README
// "What the figures mean" → Nations).
// `null` counts as absent.
//
// Escapes: the raw bytes are checked before parsing, but `\uXXXX` escapes are decoded by the
// parser, and RapidJSON 1.1 turns a lone low surrogate (`"\udc00"`) into the bytes ED B0 80.
// So when the message contains a `\u`, every decoded string and key is checked again with the
// same validator: invalid UTF-8 anywhere is `bad_encoding`. Surrogate pairs decode to valid
// 4-byte sequences and are accepted; a lone high surrogate is a parse error (`malformed_json`).
#include <cstring>
#include <optional>
#include <string>
#include <utility>

#include "core/rapidjson.h"
#include "core/utf8.h"
#include "decode/raw_message.h"

namespace adwatch {
namespace {

using decode_internal::kMaxSpendColumns;
using decode_internal::RawAd;
using decode_internal::RawField;
using decode_internal::RawFields;
using decode_internal::RawMessage;
using decode_internal::RawRegion;
using decode_internal::RawSpendColumns;
using decode_internal::RawTexts;
using decode_internal::RawType;

// What the container at one nesting level is.
enum class Ctx : std::uint8_t { kRoot, kTop, kAd, kSpend, kTexts, kRegions, kRegion, kSkip };

struct KeyEntry {
  std::string_view name;
  RawField RawFields::*top = nullptr;
  RawField RawAd::*ad = nullptr;
  RawTexts RawAd::*texts = nullptr;
  Ctx descend = Ctx::kSkip;  // for object values (kRegions: array values): the context to enter
};

constexpr KeyEntry kTopKeys[] = {
    {"kind", &RawFields::kind},
    {"registry", &RawFields::registry},
    {"observed_at", &RawFields::observed_at},
    {"crawl_id", &RawFields::crawl_id},
    {"scope", &RawFields::scope},
    {"lookup", &RawFields::lookup},
    {"status", &RawFields::status},
    {"started_at", &RawFields::started_at},
    {"completed_at", &RawFields::completed_at},
    {"ads_listed", &RawFields::ads_listed},
    {"release", &RawFields::release},
    {"report", &RawFields::report},
    {"advertiser_id", &RawFields::advertiser_id},
    {"advertiser_name", &RawFields::advertiser_name},
    {"disclaimer", &RawFields::disclaimer},
    {"period_start", &RawFields::period_start},
    {"period_end", &RawFields::period_end},
    {"amount_lower_pence", &RawFields::amount_lower_pence},
    {"amount_upper_pence", &RawFields::amount_upper_pence},
    {"ads_in_library", &RawFields::ads_in_library},
};

constexpr KeyEntry kAdKeys[] = {
    {"id", nullptr, &RawAd::id},
    {"page_id", nullptr, &RawAd::page_id},
    {"page_name", nullptr, &RawAd::page_name},
    {"bylines", nullptr, &RawAd::bylines},
    {"funding_entity", nullptr, &RawAd::funding_entity},
    {"ad_creative_bodies", nullptr, nullptr, &RawAd::bodies},
    {"ad_creative_link_titles", nullptr, nullptr, &RawAd::link_titles},
    {"ad_creative_link_captions", nullptr, nullptr, &RawAd::link_captions},
    {"ad_creative_link_descriptions", nullptr, nullptr, &RawAd::link_descriptions},
    {"ad_creative_body", nullptr, &RawAd::body},
    {"ad_creative_link_title", nullptr, &RawAd::link_title},
    {"ad_creative_link_caption", nullptr, &RawAd::link_caption},
    {"ad_creative_link_description", nullptr, &RawAd::link_description},
    {"ad_delivery_start_time", nullptr, &RawAd::delivery_start},
    {"ad_delivery_stop_time", nullptr, &RawAd::delivery_stop},
    {"currency", nullptr, &RawAd::currency},
    {"spend", nullptr, &RawAd::spend, nullptr, Ctx::kSpend},
    {"delivery_by_region", nullptr, &RawAd::regions, nullptr, Ctx::kRegions},
    {"Ad_ID", nullptr, &RawAd::g_ad_id},
    {"Advertiser_ID", nullptr, &RawAd::g_advertiser_id},
    {"Advertiser_Name", nullptr, &RawAd::g_advertiser_name},
    {"Date_Range_Start", nullptr, &RawAd::g_date_start},
    {"Date_Range_End", nullptr, &RawAd::g_date_end},
    {"Geo_Targeting_Included", nullptr, &RawAd::g_geo_included},
    {"Geo_Targeting_Excluded", nullptr, &RawAd::g_geo_excluded},
};

constexpr KeyEntry kSpendKeys[] = {
    {"lower_bound", nullptr, &RawAd::lower_bound},
    {"upper_bound", nullptr, &RawAd::upper_bound},
};

// Equal keys of equal size `n`, compared 8 bytes at a time (the last word overlapping the one
// before it), with no memcmp call: most candidates differ in the first word.
inline bool SameKey(const char* a, const char* b, std::size_t n) {
  if (n >= 8) {
    const auto word = [](const char* p) {
      std::uint64_t w = 0;
      std::memcpy(&w, p, 8);
      return w;
    };
    for (std::size_t i = 0; i + 8 < n; i += 8) {
      if (word(a + i) != word(b + i)) return false;
    }
    return word(a + n - 8) == word(b + n - 8);
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (a[i] != b[i]) return false;
  }
  return true;
}

template <std::size_t N>
const KeyEntry* FindKey(const KeyEntry (&table)[N], std::string_view key) {
  for (const KeyEntry& e : table) {
    if (e.name.size() == key.size() && SameKey(e.name.data(), key.data(), key.size())) return &e;
  }
  return nullptr;
}

// SAX handler: tracks depth (refusing to go deeper than the cap) and records wanted fields.
// Semantic problems never stop the parse, so that syntax errors and the depth cap are always
// detected first.
class Handler {
 public:
  explicit Handler(int max_depth) : max_depth_(max_depth < 1 ? 1 : max_depth) {
    stack_.reserve(static_cast<std::size_t>(max_depth_) + 1);
  }

  /// `check_strings`: validate the UTF-8 of every decoded string (the message has escapes).
  void Reset(RawMessage* raw, bool check_strings) {
    raw_ = raw;
    check_strings_ = check_strings;
    bad_string_ = false;
    stack_.clear();
    stack_.push_back(Ctx::kRoot);
    field_ = nullptr;
    texts_ = nullptr;
    descend_ = Ctx::kSkip;
    too_deep_ = false;
  }
  bool too_deep() const { return too_deep_; }
  bool bad_string() const { return bad_string_; }

  bool Null() { return Scalar(RawType::kNull); }
  bool Bool(bool) { return Scalar(RawType::kBool); }
  bool Int(int i) { return i < 0 ? Scalar(RawType::kNegInt) : Uint64(static_cast<unsigned>(i)); }
  bool Uint(unsigned u) { return Uint64(u); }
  bool Int64(std::int64_t i) {
    return i < 0 ? Scalar(RawType::kNegInt) : Uint64(static_cast<std::uint64_t>(i));
  }
  bool Uint64(std::uint64_t u) { return Scalar(RawType::kUint, {}, u); }
  bool Double(double) { return Scalar(RawType::kDouble); }
  bool RawNumber(const char*, rapidjson::SizeType, bool) { return Scalar(RawType::kDouble); }
  bool String(const char* s, rapidjson::SizeType len, bool) {
    Check(s, len);
    return Scalar(RawType::kString, std::string_view(s, len));
  }

  bool StartObject() { return Open(RawType::kObject); }
  bool StartArray() { return Open(RawType::kArray); }
  bool EndObject(rapidjson::SizeType) { return Close(); }
  bool EndArray(rapidjson::SizeType) { return Close(); }

  bool Key(const char* s, rapidjson::SizeType len, bool) {
    Check(s, len);
    const std::string_view key(s, len);
    field_ = nullptr;
    texts_ = nullptr;
    descend_ = Ctx::kSkip;
    RawFields& f = raw_->f;
    switch (stack_.back()) {
      case Ctx::kRegion:
        RegionKey(key);
        return true;
      case Ctx::kTop:
        if (key == "ad") {
          field_ = &f.ad.self;
          descend_ = Ctx::kAd;
        } else if (const KeyEntry* e = FindKey(kTopKeys, key)) {
          field_ = &(f.*(e->top));
        }
        break;
      case Ctx::kAd:
        if (const KeyEntry* e = FindKey(kAdKeys, key)) {
          if (e->texts != nullptr) {
            texts_ = &(f.ad.*(e->texts));
          } else if (e->descend == Ctx::kRegions && f.ad.regions.type != RawType::kAbsent) {
            // Region data never rejects the message: a repeated delivery_by_region is
            // unusable (unknown share) and its second value is skipped.
            f.ad.regions_bad = true;
            return true;
          } else {
            field_ = &(f.ad.*(e->ad));
            descend_ = e->descend;
          }
        } else if (key.size() > 15 && key.substr(0, 12) == "Spend_Range_") {
          GoogleSpendKey(key);
        }
        break;
      case Ctx::kSpend:
        if (const KeyEntry* e = FindKey(kSpendKeys, key)) field_ = &(f.ad.*(e->ad));
        break;
      default:
        break;
    }
    if ((field_ != nullptr && field_->type != RawType::kAbsent) ||
        (texts_ != nullptr && texts_->type != RawType::kAbsent)) {
      Duplicate(key);
    }
    return true;
  }

 private:
  void Check(const char* s, rapidjson::SizeType len) {
    if (check_strings_ && !bad_string_ && !ValidUtf8(std::string_view(s, len))) {
      bad_string_ = true;
    }
  }

  // A member of one delivery_by_region element: a repeated key makes the element unusable.
  void RegionKey(std::string_view key) {
    if (raw_->regions.empty()) return;
    RawRegion& r = raw_->regions.back();
    RawField* field = key == "region" ? &r.region : key == "percentage" ? &r.percentage : nullptr;
    if (field != nullptr && field->type != RawType::kAbsent) {
      r.bad = true;
      return;
    }
    field_ = field;
  }

  // `Spend_Range_Min_<CUR>` / `Spend_Range_Max_<CUR>`.
  void GoogleSpendKey(std::string_view key) {
    const std::string_view which = key.substr(12, 4);
    if (which != "Min_" && which != "Max_") return;
    const std::string_view currency = key.substr(16);
    if (currency.empty()) return;
    RawSpendColumns* col = nullptr;
    for (RawSpendColumns& c : raw_->spend_columns) {
      if (c.currency == currency) col = &c;
    }
    if (col == nullptr) {
      if (raw_->spend_columns.size() >= kMaxSpendColumns) return;
      col = &raw_->spend_columns.emplace_back();
      col->currency = currency;
    }
    field_ = which == "Min_" ? &col->min : &col->max;
  }

  void Duplicate(std::string_view key) {
    RawFields& f = raw_->f;
    if (!f.duplicate) {
      f.duplicate = true;
      f.duplicate_key = key;
    }
    field_ = nullptr;  // keep the first value; the message is rejected anyway
    texts_ = nullptr;
  }

  bool Scalar(RawType type, std::string_view s = {}, std::uint64_t u = 0) {
    switch (stack_.back()) {
      case Ctx::kRoot:
        raw_->f.root = type;
        break;
      case Ctx::kTexts:
        if (type == RawType::kString) {
          raw_->text_pool.push_back(s);
        } else {
          array_->bad_element = true;
        }
        break;
      case Ctx::kRegions:  // an element that is not an object
        raw_->f.ad.regions_bad = true;
        break;
      case Ctx::kSkip:
        break;
      default:  // a member value
        if (field_ != nullptr) {
          field_->type = type;
          field_->str = s;
          field_->u = u;
        } else if (texts_ != nullptr) {
          texts_->type = type;
        }
        field_ = nullptr;
        texts_ = nullptr;
        break;
    }
    return true;
  }

  bool Open(RawType type) {
    if (static_cast<int>(stack_.size()) > max_depth_) {  // stack_[0] is the root
      too_deep_ = true;
      return false;
    }
    Ctx next = Ctx::kSkip;
    switch (stack_.back()) {
      case Ctx::kRoot:
        raw_->f.root = type;
        if (type == RawType::kObject) next = Ctx::kTop;
        break;
      case Ctx::kTexts:
        array_->bad_element = true;
        break;
      case Ctx::kRegions:  // an element: only objects, at most kMaxRegions
        if (type == RawType::kObject && raw_->regions.size() < decode_internal::kMaxRegions) {
          raw_->regions.emplace_back();
          next = Ctx::kRegion;
        } else {
          raw_->f.ad.regions_bad = true;
        }
        break;
      case Ctx::kSkip:
        break;
      default:  // a member value
        if (field_ != nullptr) {
          field_->type = type;
          if (descend_ == Ctx::kRegions ? type == RawType::kArray : type == RawType::kObject) {
            next = descend_;
          }
        } else if (texts_ != nullptr) {
          texts_->type = type;
          if (type == RawType::kArray) {
            next = Ctx::kTexts;
            array_ = texts_;
            array_->begin = static_cast<std::uint32_t>(raw_->text_pool.size());
            array_->end = array_->begin;
          }
        }
        field_ = nullptr;
        texts_ = nullptr;
        break;
    }
    stack_.push_back(next);
    return true;
  }

  bool Close() {
    if (stack_.back() == Ctx::kTexts) {
      array_->end = static_cast<std::uint32_t>(raw_->text_pool.size());
    }
    stack_.pop_back();
    return true;
  }

  const int max_depth_;
  RawMessage* raw_ = nullptr;
  std::vector<Ctx> stack_;
  RawField* field_ = nullptr;  // where the next member value goes
  RawTexts* texts_ = nullptr;  // ... when it is a text array
  Ctx descend_ = Ctx::kSkip;   // ... and the context if it is an object
  RawTexts* array_ = nullptr;  // the text array being read (Ctx::kTexts)
  bool too_deep_ = false;
  bool check_strings_ = false;  // the message has `\u` escapes
  bool bad_string_ = false;     // a decoded string or key is not UTF-8
};

// UTF-8 is validated over the whole message before parsing (CheckUtf8WithoutNul, strict, with
// an ASCII fast path, in the same pass as the NUL check): RapidJSON's
// kParseValidateEncodingFlag checks byte by byte and cost about 40% of the decode time of a
// typical observation. Any invalid byte anywhere is `bad_encoding`.
constexpr unsigned kRecursiveFlags = rapidjson::kParseInsituFlag;
constexpr unsigned kIterativeFlags = rapidjson::kParseIterativeFlag | rapidjson::kParseInsituFlag;
constexpr int kMaxRecursiveDepth = 256;
constexpr std::size_t kPadding = 1;  // the NUL that ends the in-situ stream

class JsonDecoder final : public Decoder {
 public:
  JsonDecoder(const DecoderOptions& options, const Clock& clock)
      : options_(options),
        clock_(clock),
        recursive_(options.limits.max_depth <= kMaxRecursiveDepth),
        handler_(options.limits.max_depth) {}

  void DecodeInto(std::string_view payload, DecodeResult* out) override {
    if (auto rejection = Parse(payload)) {
      *out = std::move(*rejection);
      return;
    }
    decode_internal::BuildMessage(raw_, options_, clock_, out);
  }

 private:
  // Parses the payload into raw_; a Rejection for bad bytes, syntax or depth.
  std::optional<Rejection> Parse(std::string_view payload) {
    if (payload.size() > options_.limits.max_message_bytes) {
      return Rejection{RejectReason::kTooLarge,
                       "message of " + std::to_string(payload.size()) + " bytes"};
    }
    // The in-situ stream ends at the first NUL, so a NUL would hide what follows it. Valid JSON
    // never contains a raw NUL (not whitespace, and must be escaped inside strings). A NUL
    // counts before invalid UTF-8.
    switch (CheckUtf8WithoutNul(payload)) {
      case Utf8Check::kHasNul:
        return Rejection{RejectReason::kMalformedJson, "NUL byte in message"};
      case Utf8Check::kInvalid:
        return Rejection{RejectReason::kBadEncoding, "invalid UTF-8"};
      case Utf8Check::kValid:
        break;
    }
    buffer_.assign(payload.data(), payload.size());
    buffer_.append(kPadding, '\0');
    raw_.Clear();
    handler_.Reset(&raw_, payload.find("\\u") != std::string_view::npos);
    rapidjson::InsituStringStream stream(buffer_.data());
    const rapidjson::ParseResult result = recursive_
                                              ? reader_.Parse<kRecursiveFlags>(stream, handler_)
                                              : reader_.Parse<kIterativeFlags>(stream, handler_);
    if (result.IsError()) {
      if (handler_.too_deep()) {
        return Rejection{RejectReason::kTooDeep,
                         "nesting deeper than " + std::to_string(options_.limits.max_depth)};
      }
      return Rejection{RejectReason::kMalformedJson,
                       std::string(rapidjson::GetParseError_En(result.Code())) + " at offset " +
                           std::to_string(result.Offset())};
    }
    if (handler_.bad_string()) {
      return Rejection{RejectReason::kBadEncoding,
                       "an escape decodes to invalid UTF-8 (a lone surrogate)"};
    }
    return std::nullopt;
  }

  const DecoderOptions options_;
  const Clock& clock_;
  const bool recursive_;  // limits.max_depth <= kMaxRecursiveDepth
  std::string buffer_;
  rapidjson::Reader reader_;
  Handler handler_;
  RawMessage raw_;
};

}  // namespace

std::unique_ptr<Decoder> MakeJsonDecoder(const DecoderOptions& options, const Clock& clock) {
  return std::make_unique<JsonDecoder>(options, clock);
}

}  // namespace adwatch
