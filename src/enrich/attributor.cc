#include "enrich/attributor.h"

#include <string>
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

// A page_names or candidates entry: its words, in order, as whole words of the text; with a
// leading `^` in the config the words must begin the text, with a trailing `$` end it; a
// candidate's must begin it.
struct Pattern {
  std::string padded;  // " words of the pattern "
  std::string text;    // the normalised pattern (and `$`), for explanations
  bool at_start = false;
  bool at_end = false;
  RuleKind kind = RuleKind::kPageNames;
  EntityId entity{};
};

EntityId Id(std::size_t index) { return EntityId{static_cast<std::uint16_t>(index)}; }

// Adds a key to an exact map; the first entity to claim a key keeps it.
void Claim(ExactMap& map, std::string key, EntityId id) {
  if (!key.empty()) map.emplace(std::move(key), id);
}

// Whether `padded` (" text ") contains the pattern where the pattern allows.
bool Matches(const Pattern& p, std::string_view padded) {
  if (padded.size() < p.padded.size()) return false;
  if (p.at_start && p.at_end) return padded == p.padded;  // `^x$`: exactly x
  if (p.at_start && !padded.starts_with(p.padded)) return false;
  if (p.at_end && !padded.ends_with(p.padded)) return false;
  return p.at_start || p.at_end || padded.find(p.padded) != std::string_view::npos;
}

}  // namespace

std::string_view RuleKindName(RuleKind kind) {
  switch (kind) {
    case RuleKind::kNone:
      return "none";
    case RuleKind::kPageIds:
      return "page_ids";
    case RuleKind::kBylines:
      return "bylines";
    case RuleKind::kPageNames:
      return "page_names";
    case RuleKind::kCandidates:
      return "candidates";
    case RuleKind::kGoogleAdvertiserIds:
      return "google_advertiser_ids";
    case RuleKind::kGoogleAdvertiserNames:
      return "google_advertiser_names";
  }
  return "none";
}

std::string_view AdFieldName(AdField field) {
  switch (field) {
    case AdField::kNone:
      return "none";
    case AdField::kPageId:
      return "page_id";
    case AdField::kBylines:
      return "bylines";
    case AdField::kPageName:
      return "page_name";
  }
  return "none";
}

struct Attributor::Impl {
  ExactMap page_ids;
  ExactMap bylines;
  ExactMap google_ids;
  ExactMap google_names;
  std::vector<Pattern> patterns;  // in configuration order
  // Per entity (by index): its `not_names` patterns and `not_google_advertiser_ids`.
  std::vector<std::vector<Pattern>> not_names;
  std::vector<std::vector<std::string>> not_google_ids;

  static void AddPatterns(std::vector<Pattern>& out, const std::vector<std::string>& list,
                          RuleKind kind, EntityId id) {
    for (const std::string& v : list) {
      std::string n = NormalizeName(v);
      if (n.empty()) continue;
      const std::size_t first = v.find_first_not_of(" \t");
      const std::size_t last = v.find_last_not_of(" \t");
      const bool at_start = first != std::string::npos && v[first] == '^';
      const bool at_end = last != std::string::npos && v[last] == '$';
      std::string text = (at_start ? "^" : "") + n + (at_end ? "$" : "");
      out.push_back(Pattern{" " + n + " ", std::move(text),
                            at_start || kind == RuleKind::kCandidates, at_end, kind, id});
    }
  }

  // Whether one of the entity's `not_names` matches `padded` (" text ").
  bool NameExcluded(EntityId id, std::string_view padded) const {
    for (const Pattern& p : not_names[Index(id)]) {
      if (Matches(p, padded)) return true;
    }
    return false;
  }

  // Whether a Google row with this advertiser id may not be attributed to the entity.
  bool IdExcluded(EntityId id, std::string_view google_id) const {
    if (google_id.empty()) return false;
    for (const std::string& v : not_google_ids[Index(id)]) {
      if (v == google_id) return true;
    }
    return false;
  }

  // The longest pattern found in `normalised` (then the first configured) whose entity neither
  // excludes the text nor (Google rows) the advertiser id `google_id`, or nullptr.
  const Pattern* Best(std::string_view normalised, std::string& padded,
                      std::string_view google_id = {}) const {
    padded.clear();  // (not assign(" "): GCC 12 -O2 reports a false -Wrestrict on it)
    padded += ' ';
    padded.append(normalised);
    padded += ' ';
    const Pattern* best = nullptr;
    for (const Pattern& p : patterns) {
      if (best != nullptr && p.padded.size() <= best->padded.size()) continue;
      if (Matches(p, padded) && !NameExcluded(p.entity, padded) &&
          !IdExcluded(p.entity, google_id)) {
        best = &p;
      }
    }
    return best;
  }
};

Attributor::Attributor(const std::vector<EntityConfig>& entities) {
  auto impl = std::make_shared<Impl>();
  for (std::size_t i = 0; i < entities.size(); ++i) {
    const EntityConfig& e = entities[i];
    const EntityId id = Id(i);
    for (const auto& v : e.page_ids) Claim(impl->page_ids, v, id);
    for (const auto& v : e.google_advertiser_ids) Claim(impl->google_ids, v, id);
    for (const auto& v : e.bylines) Claim(impl->bylines, NormalizeName(v), id);
    for (const auto& v : e.google_advertiser_names) Claim(impl->google_names, NormalizeName(v), id);
    Impl::AddPatterns(impl->patterns, e.page_names, RuleKind::kPageNames, id);
    Impl::AddPatterns(impl->patterns, e.candidates, RuleKind::kCandidates, id);
    Impl::AddPatterns(impl->not_names.emplace_back(), e.not_names, RuleKind::kPageNames, id);
    impl->not_google_ids.push_back(e.not_google_advertiser_ids);
  }
  impl_ = std::move(impl);
}

Attribution Attributor::Explain(std::string_view registry, const AdContent& ad) const {
  const Impl& impl = *impl_;
  auto exact = [](const ExactMap& map, std::string_view key, RuleKind kind,
                  AdField field) -> Attribution {
    if (key.empty()) return {};
    const auto it = map.find(key);
    if (it == map.end()) return {};
    return Attribution{it->second, kind, field, it->first};
  };
  auto pattern = [](const Pattern* p, AdField field) {
    return Attribution{p->entity, p->kind, field, p->text};
  };

  std::string padded;
  if (registry == "google") {
    const std::string name = NormalizeName(ad.page_name);
    for (Attribution a :
         {exact(impl.google_ids, ad.page_id, RuleKind::kGoogleAdvertiserIds, AdField::kPageId),
          exact(impl.google_names, name, RuleKind::kGoogleAdvertiserNames, AdField::kPageName)}) {
      if (a.entity != kUnattributed && !impl.IdExcluded(a.entity, ad.page_id)) return a;
    }
    if (name.empty()) return {};
    const Pattern* p = impl.Best(name, padded, ad.page_id);
    return p == nullptr ? Attribution{} : pattern(p, AdField::kPageName);
  }

  if (Attribution a = exact(impl.page_ids, ad.page_id, RuleKind::kPageIds, AdField::kPageId);
      a.entity != kUnattributed) {
    return a;
  }
  if (!ad.bylines.empty()) {
    const std::vector<std::string> texts = BylineCandidates(ad.bylines);
    for (const std::string& text : texts) {
      if (Attribution a = exact(impl.bylines, text, RuleKind::kBylines, AdField::kBylines);
          a.entity != kUnattributed) {
        return a;
      }
    }
    for (const std::string& text : texts) {
      if (const Pattern* p = impl.Best(text, padded)) return pattern(p, AdField::kBylines);
    }
  }
  if (!ad.page_name.empty()) {
    if (const Pattern* p = impl.Best(NormalizeName(ad.page_name), padded)) {
      return pattern(p, AdField::kPageName);
    }
  }
  return {};
}

}  // namespace adwatch
