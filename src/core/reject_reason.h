// Why an input message was rejected: a bounded set, exported as the `reason` label.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace adwatch {

enum class RejectReason : std::uint8_t {
  kMalformedJson,
  kTooLarge,
  kTooDeep,
  kBadEncoding,
  kMissingField,
  kBadType,
  kBadValue,
  kBadTimestamp,
  kFutureTimestamp,
  kBadAmount,
  kUnknownRegistry,
  kUnknownCurrency,
  kUnknownKind,
  kBadProtobuf,
  kTooManyAds,   // a new ad beyond limits.max_ads_per_partition (not decoding: the state's cap)
  kKeyMismatch,  // the Kafka key is not the body's `registry:id` (a report's
                 // `registry:advertiser_id`; a crawl_end: not unkeyed)
  kAheadOfWatermark,  // dated beyond max_lead while the partition already holds its maximum
};
inline constexpr int kRejectReasonCount = static_cast<int>(RejectReason::kAheadOfWatermark) + 1;

/// The metric label value, e.g. `malformed_json`.
std::string_view RejectReasonName(RejectReason reason);

/// A rejected message: the reason plus a short human detail (never the raw payload).
struct Rejection {
  RejectReason reason;
  std::string detail;
};

}  // namespace adwatch
