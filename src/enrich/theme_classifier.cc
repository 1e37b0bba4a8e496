#include "enrich/theme_classifier.h"

#include <atomic>
#include <climits>
#include <cstdint>
#include <stdexcept>
#include <string_view>

#include "enrich/hyperscan.h"

namespace adwatch {
namespace {

bool IsWordChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

bool IsPhraseSeparator(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '-';
}

// A literal phrase as a Hyperscan expression: every character literal (escaped), runs of
// spaces/hyphens matching any run of whitespace or hyphens, and \b at an end that is a word
// character, so that phrases match whole words only. Empty when the phrase has no content.
std::string PhraseExpression(std::string_view phrase) {
  std::size_t begin = 0;
  std::size_t end = phrase.size();
  while (begin < end && IsPhraseSeparator(phrase[begin])) ++begin;
  while (end > begin && IsPhraseSeparator(phrase[end - 1])) --end;
  if (begin == end) return "";
  std::string expr;
  if (IsWordChar(phrase[begin])) expr += "\\b";
  bool in_separator = false;
  for (std::size_t i = begin; i < end; ++i) {
    const char c = phrase[i];
    if (IsPhraseSeparator(c)) {
      if (!in_separator) expr += "[\\s\\-]+";
      in_separator = true;
      continue;
    }
    in_separator = false;
    const auto u = static_cast<unsigned char>(c);
    if (IsWordChar(c)) {
      expr += c;
    } else if (u >= 0x80 || u < 0x20) {
      static constexpr char kHex[] = "0123456789abcdef";
      expr += "\\x";
      expr += kHex[u >> 4];
      expr += kHex[u & 0xF];
    } else {
      expr += '\\';
      expr += c;
    }
  }
  if (IsWordChar(phrase[end - 1])) expr += "\\b";
  return expr;
}

// Folds typographic punctuation to ASCII: curly apostrophes to ', curly quotes to ", en and em
// dashes to -, no-break space to space. Returns false (and leaves `out` alone) when there is
// nothing to fold.
bool FoldTypography(std::string_view text, std::string& out) {
  if (text.find('\xE2') == std::string_view::npos && text.find('\xC2') == std::string_view::npos) {
    return false;
  }
  out.clear();
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == 0xE2 && i + 2 < text.size() && static_cast<unsigned char>(text[i + 1]) == 0x80) {
      const auto c2 = static_cast<unsigned char>(text[i + 2]);
      char folded = 0;
      if (c2 == 0x98 || c2 == 0x99) folded = '\'';
      if (c2 == 0x9C || c2 == 0x9D) folded = '"';
      if (c2 == 0x93 || c2 == 0x94) folded = '-';
      if (folded != 0) {
        out += folded;
        i += 2;
        continue;
      }
    } else if (c == 0xC2 && i + 1 < text.size() &&
               static_cast<unsigned char>(text[i + 1]) == 0xA0) {
      out += ' ';
      i += 1;
      continue;
    }
    out += text[i];
  }
  return true;
}

struct Rule {
  int theme;
  bool exclusion;
  std::string text;
};

struct ScanContext {
  ThemeMask phrases = 0;
  ThemeMask exclusions = 0;
  const std::vector<Rule>* rules = nullptr;
  std::vector<bool>* matched = nullptr;  // per rule, only when explaining
};

int OnMatch(unsigned int id, unsigned long long /*from*/, unsigned long long /*to*/,
            unsigned int /*flags*/, void* context) {
  auto* ctx = static_cast<ScanContext*>(context);
  const Rule& rule = (*ctx->rules)[id];
  const ThemeMask bit = ThemeMask{1} << rule.theme;
  if (rule.exclusion) {
    ctx->exclusions |= bit;
  } else {
    ctx->phrases |= bit;
  }
  if (ctx->matched != nullptr) (*ctx->matched)[id] = true;
  return 0;  // keep scanning
}

std::atomic<std::uint64_t> g_next_database_id{1};

// One scratch per thread, grown to fit every database the thread has scanned with; a database
// is identified by a process-unique id so that a freed database's address reused by another
// one cannot be mistaken for it.
struct ThreadScratch {
  hs_scratch_t* scratch = nullptr;
  std::uint64_t fitted_for = 0;
  std::string folded;
  ~ThreadScratch() { hs_free_scratch(scratch); }
};

}  // namespace

struct ThemeClassifier::Impl {
  std::vector<std::string> theme_names;
  std::vector<Rule> rules;
  hs_database_t* db = nullptr;
  std::uint64_t id = 0;
  ~Impl() { hs_free_database(db); }
};

ThemeClassifier::ThemeClassifier(const std::vector<ThemeConfig>& themes)
    : impl_(std::make_unique<Impl>()) {
  if (themes.size() > static_cast<std::size_t>(kMaxThemes)) {
    throw std::invalid_argument("at most " + std::to_string(kMaxThemes) + " themes");
  }
  std::vector<std::string> expressions;
  for (std::size_t t = 0; t < themes.size(); ++t) {
    impl_->theme_names.push_back(themes[t].name);
    auto add = [&](const std::string& phrase, bool exclusion) {
      std::string expr = PhraseExpression(phrase);
      if (expr.empty()) {
        throw std::invalid_argument("theme " + themes[t].name + ": empty phrase");
      }
      expressions.push_back(std::move(expr));
      impl_->rules.push_back(Rule{static_cast<int>(t), exclusion, phrase});
    };
    for (const auto& p : themes[t].phrases) add(p, false);
    for (const auto& p : themes[t].exclusions) add(p, true);
  }
  impl_->id = g_next_database_id.fetch_add(1);
  if (expressions.empty()) return;

  std::vector<const char*> c_exprs;
  std::vector<unsigned int> flags(expressions.size(), HS_FLAG_CASELESS | HS_FLAG_SINGLEMATCH);
  std::vector<unsigned int> ids;
  for (std::size_t i = 0; i < expressions.size(); ++i) {
    c_exprs.push_back(expressions[i].c_str());
    ids.push_back(static_cast<unsigned int>(i));
  }
  hs_compile_error_t* error = nullptr;
  if (hs_compile_multi(c_exprs.data(), flags.data(), ids.data(),
                       static_cast<unsigned int>(c_exprs.size()), HS_MODE_BLOCK, nullptr,
                       &impl_->db, &error) != HS_SUCCESS) {
    std::string message = "theme classifier: cannot compile";
    if (error != nullptr) {
      if (error->expression >= 0 &&
          static_cast<std::size_t>(error->expression) < impl_->rules.size()) {
        const Rule& rule = impl_->rules[static_cast<std::size_t>(error->expression)];
        message += " phrase \"" + rule.text + "\" of theme " + impl_->theme_names[rule.theme];
      }
      message += ": ";
      message += error->message;
      hs_free_compile_error(error);
    }
    throw std::runtime_error(message);
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

ThemeMask ThemeClassifier::Classify(const AdContent& ad, std::vector<std::string>* explain) const {
  if (!impl_ || impl_->db == nullptr) return 0;
  thread_local ThreadScratch local;
  if (local.fitted_for != impl_->id) {
    if (hs_alloc_scratch(impl_->db, &local.scratch) != HS_SUCCESS) return 0;
    local.fitted_for = impl_->id;
  }
  std::vector<bool> matched;
  ScanContext ctx;
  ctx.rules = &impl_->rules;
  if (explain != nullptr) {
    matched.assign(impl_->rules.size(), false);
    ctx.matched = &matched;
  }
  for (const std::string& text : ad.texts) {
    std::string_view data = text;
    if (FoldTypography(data, local.folded)) data = local.folded;
    if (data.size() > UINT_MAX) data = data.substr(0, UINT_MAX);
    // A scan error (only possible on internal failure) leaves this text's matches partial.
    hs_scan(impl_->db, data.data(), static_cast<unsigned int>(data.size()), 0, local.scratch,
            OnMatch, &ctx);
  }
  if (explain != nullptr) {
    for (std::size_t i = 0; i < impl_->rules.size(); ++i) {
      if (!matched[i]) continue;
      const Rule& rule = impl_->rules[i];
      std::string line = impl_->theme_names[rule.theme] + ": " + rule.text;
      if (rule.exclusion) line += " (exclusion)";
      explain->push_back(std::move(line));
    }
  }
  return ctx.phrases & ~ctx.exclusions;
}

}  // namespace adwatch
