// Attributes an ad to one configured entity by its page id, bylines (funding entity) and page
// name (Google: advertiser id and name, the name through the same patterns), and says which
// rule did it. Immutable after
// construction: thread-safe. Attribution of an ad allocates only to normalise its texts.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "core/ids.h"
#include "core/observation.h"

namespace adwatch {

/// The configured rule list that matched (named as its config key) and the ad field it matched.
enum class RuleKind : std::uint8_t {
  kNone,
  kPageIds,
  kBylines,
  kPageNames,
  kCandidates,
  kGoogleAdvertiserIds,
  kGoogleAdvertiserNames
};
enum class AdField : std::uint8_t { kNone, kPageId, kBylines, kPageName };
/// `page_ids`, `bylines`, `page_names`, `candidates`, `google_advertiser_ids`,
/// `google_advertiser_names`; `none`.
std::string_view RuleKindName(RuleKind kind);
/// `page_id`, `bylines`, `page_name`; `none`. Google rows: page_id is Advertiser_ID and
/// page_name is Advertiser_Name.
std::string_view AdFieldName(AdField field);

/// An ad's entity and the rule behind it. `pattern` is the rule's normalised text (anchored
/// patterns keep their `^` and `$`); it points into the Attributor and lives as long as it does.
struct Attribution {
  EntityId entity = kUnattributed;
  RuleKind rule = RuleKind::kNone;
  AdField field = AdField::kNone;
  std::string_view pattern;
};

class Attributor {
 public:
  explicit Attributor(const std::vector<EntityConfig>& entities);

  /// Meta ads: page_ids (exact), then bylines (exact, on every BylineCandidates text), then the
  /// page_names and candidates patterns on the byline texts, then on the page name. Google rows:
  /// google_advertiser_ids, then google_advertiser_names, then the same patterns on the
  /// advertiser name. The first rule that matches wins; among patterns matching the same text,
  /// the longest, then the first configured. A pattern never gives a text to an entity whose
  /// `not_names` match that text; a Google row never goes to an entity that lists its advertiser
  /// id under `not_google_advertiser_ids`.
  Attribution Explain(std::string_view registry, const AdContent& ad) const;
  EntityId Attribute(std::string_view registry, const AdContent& ad) const {
    return Explain(registry, ad).entity;
  }

 private:
  struct Impl;
  std::shared_ptr<const Impl> impl_;
};

}  // namespace adwatch
