// Strong ids for configured entities (parties, campaigners) and themes.
#pragma once

#include <cstdint>

namespace adwatch {

/// Index of an entity in Config::entities, or kUnattributed. A distinct type so that it cannot
/// be swapped with a theme index or a count.
enum class EntityId : std::uint16_t {};
inline constexpr EntityId kUnattributed{0xFFFF};
inline constexpr std::uint16_t Index(EntityId id) { return static_cast<std::uint16_t>(id); }

/// Bit i set = the ad carries theme i (index into Config::themes). 0 means `none`.
using ThemeMask = std::uint64_t;
inline constexpr int kMaxThemes = 63;

}  // namespace adwatch
