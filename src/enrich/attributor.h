// Attributes an ad to one configured entity by its page id, bylines (funding entity) and page
// name (Google: advertiser id and name). Immutable after construction: thread-safe.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "core/ids.h"
#include "core/observation.h"

namespace adwatch {

class Attributor {
 public:
  explicit Attributor(const std::vector<EntityConfig>& entities);

  /// The entity, or kUnattributed. Precedence: page id / advertiser id, then bylines /
  /// advertiser name, then page-name pattern. When `explain` is set, appends the rule matched.
  EntityId Attribute(std::string_view registry, const AdContent& ad,
                     std::string* explain = nullptr) const;

 private:
  struct Impl;
  std::shared_ptr<const Impl> impl_;
};

}  // namespace adwatch
