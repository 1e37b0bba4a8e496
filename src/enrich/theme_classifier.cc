#include "enrich/theme_classifier.h"

#include <algorithm>
#include <atomic>
#include <climits>
#include <cstdint>
#include <iterator>
#include <string_view>
#include <tuple>
#include <utility>

#include "enrich/hyperscan.h"
#include "enrich/normalize.h"

namespace adwatch {
namespace {

// Tolerance when comparing summed decimal weights with a threshold (0.3 + 0.7 reaches 1).
constexpr double kWeightEpsilon = 1e-9;

// A normalised phrase (" w1 w2 ") as a Hyperscan literal expression.
std::string LiteralExpression(std::string_view normalised) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string expr;
  for (const char c : normalised) {
    const auto u = static_cast<unsigned char>(c);
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
      expr += c;
    } else {
      expr += "\\x";
      expr += kHex[u >> 4];
      expr += kHex[u & 0xF];
    }
  }
  return expr;
}

struct Rule {
  int theme = 0;
  bool exclusion = false;
  const ThemeRule* config = nullptr;
  std::size_t literal_size = 0;  // a phrase: its normalised length (matched without SOM)
};

// One match in normalised coordinates: [from, to) covers " w1 ... wn ", both spaces included.
struct RawMatch {
  std::uint32_t rule = 0;
  std::uint32_t text = 0;
  std::size_t from = 0;
  std::size_t to = 0;
};

struct ScanContext {
  const std::vector<Rule>* rules = nullptr;
  std::vector<RawMatch>* matches = nullptr;
  std::uint32_t text = 0;
};

int OnMatch(unsigned int id, unsigned long long from, unsigned long long to, unsigned int /*flags*/,
            void* context) {
  auto* ctx = static_cast<ScanContext*>(context);
  // Phrases are compiled without start-of-match tracking (it costs Hyperscan a second engine):
  // their start is their end minus their fixed length.
  const std::size_t literal = (*ctx->rules)[id].literal_size;
  const auto end = static_cast<std::size_t>(to);
  ctx->matches->push_back(
      RawMatch{id, ctx->text, literal != 0 ? end - literal : static_cast<std::size_t>(from), end});
  return 0;  // keep scanning
}

// Whether two matches share a word (the spaces around them do not count).
bool Overlap(const RawMatch& a, const RawMatch& b) {
  return a.text == b.text && a.from + 1 < b.to - 1 && b.from + 1 < a.to - 1;
}

std::atomic<std::uint64_t> g_next_database_id{1};

// One scratch per thread, grown to fit every database the thread has scanned with; a database
// is identified by a process-unique id so that a freed database's address reused by another
// one cannot be mistaken for it. Buffers are reused from ad to ad.
struct ThreadScratch {
  hs_scratch_t* scratch = nullptr;
  std::uint64_t fitted_for = 0;
  std::string normalised;
  std::vector<std::size_t> offsets;
  std::vector<RawMatch> matches;
  std::vector<RawMatch> exclusions;
  std::vector<std::uint32_t> hits;
  std::vector<double> scores;
  ~ThreadScratch() { hs_free_scratch(scratch); }
};

}  // namespace

struct ThemeClassifier::Impl {
  std::vector<ThemeConfig> themes;
  std::vector<Rule> rules;
  hs_database_t* db = nullptr;
  std::uint64_t id = 0;
  ~Impl() { hs_free_database(db); }
};

ThemeClassifier::ThemeClassifier(std::vector<ThemeConfig> themes)
    : impl_(std::make_unique<Impl>()) {
  if (themes.size() > static_cast<std::size_t>(kMaxThemes)) {
    throw std::invalid_argument("at most " + std::to_string(kMaxThemes) + " themes");
  }
  impl_->themes = std::move(themes);
  std::vector<std::string> expressions;
  std::vector<unsigned int> flags;
  std::string normalised;
  for (std::size_t t = 0; t < impl_->themes.size(); ++t) {
    const ThemeConfig& theme = impl_->themes[t];
    auto add = [&](const ThemeRule& rule, bool exclusion) {
      if (rule.pattern) {
        expressions.push_back(" (?:" + rule.text + ") ");
        flags.push_back(HS_FLAG_CASELESS | HS_FLAG_SOM_LEFTMOST);
      } else {
        NormalizeText(rule.text, &normalised, nullptr);
        if (normalised.empty()) {
          throw ThemeRuleError(
              rule, "theme " + theme.name + ": phrase \"" + rule.text + "\" has no words to match");
        }
        expressions.push_back(LiteralExpression(normalised));
        flags.push_back(0);
      }
      impl_->rules.push_back(
          Rule{static_cast<int>(t), exclusion, &rule, rule.pattern ? 0 : normalised.size()});
    };
    for (const ThemeRule& r : theme.rules) add(r, false);
    for (const ThemeRule& r : theme.exclusions) add(r, true);
  }
  impl_->id = g_next_database_id.fetch_add(1);
  if (expressions.empty()) return;

  std::vector<const char*> c_exprs;
  std::vector<unsigned int> ids;
  for (std::size_t i = 0; i < expressions.size(); ++i) {
    c_exprs.push_back(expressions[i].c_str());
    ids.push_back(static_cast<unsigned int>(i));
  }
  hs_compile_error_t* error = nullptr;
  if (hs_compile_multi(c_exprs.data(), flags.data(), ids.data(),
                       static_cast<unsigned int>(c_exprs.size()), HS_MODE_BLOCK, nullptr,
                       &impl_->db, &error) != HS_SUCCESS) {
    const std::string message = error != nullptr ? error->message : "unknown error";
    const int index = error != nullptr ? error->expression : -1;
    hs_free_compile_error(error);
    if (index >= 0 && static_cast<std::size_t>(index) < impl_->rules.size()) {
      const Rule& rule = impl_->rules[static_cast<std::size_t>(index)];
      throw ThemeRuleError(*rule.config,
                           "theme " + impl_->themes[static_cast<std::size_t>(rule.theme)].name +
                               ": cannot compile \"" + rule.config->text + "\": " + message);
    }
    throw std::invalid_argument("theme classifier: cannot compile the rules: " + message);
  }
  // Allocate once now so that an allocation failure surfaces at start-up.
  hs_scratch_t* probe = nullptr;
  if (hs_alloc_scratch(impl_->db, &probe) != HS_SUCCESS) {
    throw std::runtime_error("theme classifier: cannot allocate Hyperscan scratch space");
  }
  hs_free_scratch(probe);
}

ThemeClassifier::~ThemeClassifier() = default;
ThemeClassifier::ThemeClassifier(ThemeClassifier&&) noexcept = default;
ThemeClassifier& ThemeClassifier::operator=(ThemeClassifier&&) noexcept = default;

const std::vector<ThemeConfig>& ThemeClassifier::themes() const { return impl_->themes; }

ThemeMask ThemeClassifier::Classify(const AdContent& ad, ThemeExplanation* explain) const {
  if (explain != nullptr) {
    explain->matches.clear();
    explain->scores.assign(impl_ ? impl_->themes.size() : 0, 0.0);
  }
  if (!impl_ || impl_->db == nullptr) return 0;
  thread_local ThreadScratch local;
  if (local.fitted_for != impl_->id) {
    if (hs_alloc_scratch(impl_->db, &local.scratch) != HS_SUCCESS) return 0;
    local.fitted_for = impl_->id;
  }
  const std::vector<Rule>& rules = impl_->rules;
  local.matches.clear();
  ScanContext ctx{&rules, &local.matches, 0};
  for (std::size_t t = 0; t < ad.texts.size() && t <= UINT32_MAX; ++t) {
    NormalizeText(ad.texts[t], &local.normalised, explain != nullptr ? &local.offsets : nullptr);
    const std::string_view data = local.normalised;
    if (data.empty() || data.size() > UINT_MAX) continue;  // no words; or beyond any limit
    const std::size_t first = local.matches.size();
    ctx.text = static_cast<std::uint32_t>(t);
    // A scan error (only possible on internal failure) leaves this text's matches partial.
    hs_scan(impl_->db, data.data(), static_cast<unsigned int>(data.size()), 0, local.scratch,
            OnMatch, &ctx);
    if (explain != nullptr) {  // to byte positions in the original text, spaces left out
      for (std::size_t i = first; i < local.matches.size(); ++i) {
        ThemeMatch m;
        const RawMatch& raw = local.matches[i];
        m.theme = rules[raw.rule].theme;
        m.rule = rules[raw.rule].config;
        m.exclusion = rules[raw.rule].exclusion;
        m.text = t;
        m.begin = local.offsets[raw.from + 1];
        m.end = local.offsets[raw.to - 1];
        explain->matches.push_back(m);
      }
    }
  }

  // Exclusion matches per theme and text, sorted and merged into disjoint runs, so that each
  // rule match is checked against at most a few of them (O(log n) per match).
  const auto key = [&rules](const RawMatch& m) {
    return std::tuple(rules[m.rule].theme, m.text, m.from);
  };
  const auto by_key = [&key](const RawMatch& a, const RawMatch& b) { return key(a) < key(b); };
  std::vector<RawMatch>& excl = local.exclusions;
  excl.clear();
  for (const RawMatch& m : local.matches) {
    if (rules[m.rule].exclusion) excl.push_back(m);
  }
  std::sort(excl.begin(), excl.end(), by_key);
  std::size_t merged = 0;
  for (std::size_t i = 0; i < excl.size(); ++i) {
    RawMatch& last = excl[merged - (merged > 0 ? 1 : 0)];
    if (merged > 0 && rules[last.rule].theme == rules[excl[i].rule].theme &&
        last.text == excl[i].text && excl[i].from < last.to) {
      last.to = std::max(last.to, excl[i].to);
    } else {
      excl[merged++] = excl[i];
    }
  }
  excl.resize(merged);
  const auto cancelled = [&](const RawMatch& m) {
    const auto same_place = [&](const RawMatch& e) {
      return rules[e.rule].theme == rules[m.rule].theme && e.text == m.text;
    };
    auto it = std::lower_bound(excl.begin(), excl.end(), m, by_key);
    if (it != excl.begin() && same_place(*std::prev(it)) && Overlap(*std::prev(it), m)) {
      return true;
    }
    for (; it != excl.end() && same_place(*it) && it->from < m.to; ++it) {
      if (Overlap(*it, m)) return true;
    }
    return false;
  };

  local.hits.clear();
  for (std::size_t i = 0; i < local.matches.size(); ++i) {
    const RawMatch& m = local.matches[i];
    if (rules[m.rule].exclusion) continue;
    if (cancelled(m)) {
      if (explain != nullptr) explain->matches[i].cancelled = true;
      continue;
    }
    local.hits.push_back(m.rule);
  }
  std::sort(local.hits.begin(), local.hits.end());
  local.hits.erase(std::unique(local.hits.begin(), local.hits.end()), local.hits.end());
  std::vector<double>& scores = explain != nullptr ? explain->scores : local.scores;
  scores.assign(impl_->themes.size(), 0.0);
  for (const std::uint32_t r : local.hits) {
    scores[static_cast<std::size_t>(rules[r].theme)] += rules[r].config->weight;
  }
  ThemeMask mask = 0;
  for (std::size_t t = 0; t < scores.size(); ++t) {
    if (scores[t] > 0 && scores[t] + kWeightEpsilon >= impl_->themes[t].threshold) {
      mask |= ThemeMask{1} << t;
    }
  }
  return mask;
}

std::optional<ThemeClassifier> ThemeClassifier::Compile(std::vector<ThemeConfig> themes,
                                                        std::string* error) {
  try {
    return ThemeClassifier(std::move(themes));
  } catch (const std::exception& e) {
    *error = e.what();
    return std::nullopt;
  }
}

std::optional<ConfigProblem> CheckThemeRules(const std::vector<ThemeConfig>& themes,
                                             const std::string& file) {
  try {
    const ThemeClassifier classifier(themes);
  } catch (const ThemeRuleError& e) {
    return ConfigProblem{file, e.line(), e.key(), e.what()};
  } catch (const std::exception& e) {
    return ConfigProblem{file, 0, "themes", e.what()};
  }
  return std::nullopt;
}

}  // namespace adwatch
