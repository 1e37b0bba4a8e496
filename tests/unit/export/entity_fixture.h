// Entities for the export tests, built by name so that new EntityConfig fields need no edits.
#pragma once

#include <optional>
#include <string>
#include <utility>

#include "config/config.h"

namespace adwatch {

inline EntityConfig Entity(std::string name, EntityType type = EntityType::kParty,
                           std::optional<Pence> limit = std::nullopt) {
  EntityConfig e;
  e.name = std::move(name);
  e.type = type;
  e.spending_limit = limit;
  return e;
}

}  // namespace adwatch
