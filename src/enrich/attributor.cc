#include "enrich/attributor.h"

#include <unordered_map>
#include <utility>

#include "enrich/normalize.h"

namespace adwatch {
namespace {

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
using ExactMap = std::unordered_map<std::string, EntityId, StringHash, std::equal_to<>>;

struct PagePattern {
  std::string padded;  // " words of the pattern "
  std::string text;    // the normalised pattern, for explanations
  EntityId entity;
};

EntityId Id(std::size_t index) { return EntityId{static_cast<std::uint16_t>(index)}; }

// Adds keys to an exact map; the first entity to claim a key keeps it.
void Claim(ExactMap& map, const std::string& key, EntityId id) {
  if (!key.empty()) map.emplace(key, id);
}

void Explain(std::string* explain, const std::string& entity, std::string_view rule,
             std::string_view value) {
  if (explain == nullptr) return;
  if (!explain->empty()) explain->append("; ");
  explain->append(entity);
  explain->append(" by ");
  explain->append(rule);
  explain->append(" \"");
  explain->append(value);
  explain->append("\"");
}

void NoMatch(std::string* explain) {
  if (explain == nullptr) return;
  if (!explain->empty()) explain->append("; ");
  explain->append("unattributed: no rule matched");
}

}  // namespace

struct Attributor::Impl {
  std::vector<std::string> names;
  ExactMap page_ids;
  ExactMap bylines;
  ExactMap google_ids;
  ExactMap google_names;
  std::vector<PagePattern> page_patterns;  // in configuration order
};

Attributor::Attributor(const std::vector<EntityConfig>& entities) {
  auto impl = std::make_shared<Impl>();
  for (std::size_t i = 0; i < entities.size(); ++i) {
    const EntityConfig& e = entities[i];
    const EntityId id = Id(i);
    impl->names.push_back(e.name);
    for (const auto& v : e.page_ids) Claim(impl->page_ids, v, id);
    for (const auto& v : e.google_advertiser_ids) Claim(impl->google_ids, v, id);
    for (const auto& v : e.bylines) Claim(impl->bylines, NormalizeName(v), id);
    for (const auto& v : e.google_advertiser_names) Claim(impl->google_names, NormalizeName(v), id);
    for (const auto& v : e.page_names) {
      std::string n = NormalizeName(v);
      if (n.empty()) continue;
      impl->page_patterns.push_back(PagePattern{" " + n + " ", std::move(n), id});
    }
  }
  impl_ = std::move(impl);
}

EntityId Attributor::Attribute(std::string_view registry, const AdContent& ad,
                               std::string* explain) const {
  const Impl& impl = *impl_;
  auto name = [&impl](EntityId id) -> const std::string& { return impl.names[Index(id)]; };

  if (registry == "google") {
    if (!ad.page_id.empty()) {
      if (auto it = impl.google_ids.find(std::string_view(ad.page_id));
          it != impl.google_ids.end()) {
        Explain(explain, name(it->second), "google_advertiser_id", ad.page_id);
        return it->second;
      }
    }
    if (!ad.page_name.empty()) {
      const std::string n = NormalizeName(ad.page_name);
      if (auto it = impl.google_names.find(n); it != impl.google_names.end()) {
        Explain(explain, name(it->second), "google_advertiser_name", n);
        return it->second;
      }
    }
    NoMatch(explain);
    return kUnattributed;
  }

  if (!ad.page_id.empty()) {
    if (auto it = impl.page_ids.find(std::string_view(ad.page_id)); it != impl.page_ids.end()) {
      Explain(explain, name(it->second), "page_id", ad.page_id);
      return it->second;
    }
  }
  if (!ad.bylines.empty() && !impl.bylines.empty()) {
    for (const std::string& candidate : BylineCandidates(ad.bylines)) {
      if (auto it = impl.bylines.find(candidate); it != impl.bylines.end()) {
        Explain(explain, name(it->second), "bylines", candidate);
        return it->second;
      }
    }
  }
  if (!ad.page_name.empty() && !impl.page_patterns.empty()) {
    std::string padded = " ";
    padded += NormalizeName(ad.page_name);
    padded += ' ';
    const PagePattern* best = nullptr;
    for (const PagePattern& p : impl.page_patterns) {
      if ((best == nullptr || p.padded.size() > best->padded.size()) &&
          padded.find(p.padded) != std::string::npos) {
        best = &p;
      }
    }
    if (best != nullptr) {
      Explain(explain, name(best->entity), "page_name", best->text);
      return best->entity;
    }
  }
  NoMatch(explain);
  return kUnattributed;
}

}  // namespace adwatch
