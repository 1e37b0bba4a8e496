// Private to the decode module: a message as the wire format gave it, before validation.
// Both decoders (JSON, protobuf) fill a RawMessage with views into their own buffers; one
// shared BuildMessage() then applies every rule of SPEC §2 (types, registry, timestamps,
// amounts, currency) so that the two formats cannot drift apart.
// Not thread-safe; views are valid until the owning decoder's next Decode().
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "decode/decoder.h"

namespace adwatch::decode_internal {

/// The wire type a field arrived with. kNull counts as absent (a crawler's `None`).
enum class RawType : std::uint8_t {
  kAbsent,
  kNull,
  kString,
  kUint,    // non-negative integer that fits in uint64
  kNegInt,  // negative integer
  kDouble,  // any number with a fraction or exponent, or too large for uint64
  kBool,
  kObject,
  kArray,
};

/// The JSON-ish name of a type, for rejection details.
std::string_view RawTypeName(RawType t);

struct RawField {
  RawType type = RawType::kAbsent;
  std::string_view str;  // kString
  std::uint64_t u = 0;   // kUint
  bool present() const { return type != RawType::kAbsent && type != RawType::kNull; }
};

/// An array of strings (creative texts): its items are [begin, end) of RawMessage::text_pool.
struct RawTexts {
  RawType type = RawType::kAbsent;
  bool bad_element = false;  // an element was not a string
  std::uint32_t begin = 0;
  std::uint32_t end = 0;
};

/// Google `Spend_Range_Min_<CUR>` / `Spend_Range_Max_<CUR>` for one currency.
struct RawSpendColumns {
  std::string_view currency;
  RawField min;
  RawField max;
};
inline constexpr std::size_t kMaxSpendColumns = 32;  // more distinct currencies are ignored

/// One element of Meta's `delivery_by_region`. `bad`: not an object, or a key repeated.
struct RawRegion {
  RawField region, percentage;
  bool bad = false;
};
inline constexpr std::size_t kMaxRegions = 64;  // more elements: the region data is unusable

struct RawAd {
  RawField self;  // the `ad` value itself (must be an object)
  // Meta ArchivedAd.
  RawField id, page_id, page_name, bylines, funding_entity;
  RawTexts bodies, link_titles, link_captions, link_descriptions;  // arrays (current)
  RawField body, link_title, link_caption, link_description;       // strings (older)
  RawField delivery_start, delivery_stop, currency;
  RawField spend;  // the `spend` value itself (must be an object)
  RawField lower_bound, upper_bound;
  // `delivery_by_region` itself (must be an array; elements in RawMessage::regions), and
  // whether its elements are unusable as a whole (an element not an object, too many, the
  // key repeated).
  RawField regions;
  bool regions_bad = false;
  // Google creative-stats row.
  RawField g_ad_id, g_advertiser_id, g_advertiser_name, g_date_start, g_date_end;
  RawField g_geo_included, g_geo_excluded;
};

/// Every field adwatch reads, at fixed positions; unknown fields are never recorded.
struct RawFields {
  RawType root = RawType::kAbsent;  // the type of the top-level value
  std::string_view duplicate_key;   // first field that appeared twice (empty: none)
  bool duplicate = false;
  RawField kind, registry, observed_at, crawl_id, scope, lookup, status;
  RawField started_at, completed_at, ads_listed;
  // kind: report.
  RawField release, report, advertiser_id, advertiser_name, disclaimer, period_start, period_end,
      amount_lower_pence, amount_upper_pence, ads_in_library;
  RawAd ad;
};

struct RawMessage {
  RawFields f;
  std::vector<std::string_view> text_pool;
  std::vector<RawSpendColumns> spend_columns;  // Google; at most kMaxSpendColumns
  std::vector<RawRegion> regions;              // Meta delivery_by_region; at most kMaxRegions

  RawMessage() {
    text_pool.reserve(64);
    spend_columns.reserve(kMaxSpendColumns);
    regions.reserve(kMaxRegions);
  }
  /// Resets for the next message, keeping vector capacity.
  void Clear() {
    f = RawFields{};
    text_pool.clear();
    spend_columns.clear();
    regions.clear();
  }
};

/// Applies SPEC §2 to a raw message: writes the decoded Message or the first Rejection found
/// into `*out`, reusing the strings of an Observation already there (Decoder::DecodeInto).
/// Strings are copied out; `raw` may be reused afterwards.
void BuildMessage(const RawMessage& raw, const DecoderOptions& options, const Clock& clock,
                  DecodeResult* out);

}  // namespace adwatch::decode_internal
