#include "core/reject_reason.h"

namespace adwatch {

std::string_view RejectReasonName(RejectReason reason) {
  switch (reason) {
    case RejectReason::kMalformedJson:
      return "malformed_json";
    case RejectReason::kTooLarge:
      return "too_large";
    case RejectReason::kTooDeep:
      return "too_deep";
    case RejectReason::kBadEncoding:
      return "bad_encoding";
    case RejectReason::kMissingField:
      return "missing_field";
    case RejectReason::kBadType:
      return "bad_type";
    case RejectReason::kBadValue:
      return "bad_value";
    case RejectReason::kBadTimestamp:
      return "bad_timestamp";
    case RejectReason::kFutureTimestamp:
      return "future_timestamp";
    case RejectReason::kBadAmount:
      return "bad_amount";
    case RejectReason::kUnknownRegistry:
      return "unknown_registry";
    case RejectReason::kUnknownCurrency:
      return "unknown_currency";
    case RejectReason::kUnknownKind:
      return "unknown_kind";
    case RejectReason::kBadProtobuf:
      return "bad_protobuf";
    case RejectReason::kTooManyAds:
      return "too_many_ads";
    case RejectReason::kKeyMismatch:
      return "key_mismatch";
    case RejectReason::kAheadOfWatermark:
      return "ahead_of_watermark";
  }
  return "unknown";
}

}  // namespace adwatch
