#include "enrich/normalize.h"

#include <algorithm>

#include "core/utf8.h"

namespace adwatch {
namespace {

enum class Kind { kKeep, kDrop, kSeparator };

// Classifies the (possibly multi-byte) character at s[i]; sets *len to its byte length.
Kind Classify(std::string_view s, std::size_t i, std::size_t* len) {
  const auto c = static_cast<unsigned char>(s[i]);
  *len = 1;
  if (c < 0x80) {
    if (c == '\'' || c == '`') return Kind::kDrop;
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
      return Kind::kKeep;
    }
    return Kind::kSeparator;
  }
  // U+2018/U+2019 (curly apostrophes): dropped. U+201C/U+201D (curly quotes), U+2013/U+2014
  // (dashes), U+2026 (ellipsis): separators. U+00A0 (no-break space): separator.
  if (c == 0xE2 && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x80) {
    const auto c2 = static_cast<unsigned char>(s[i + 2]);
    if (c2 == 0x98 || c2 == 0x99) {
      *len = 3;
      return Kind::kDrop;
    }
    if (c2 == 0x9C || c2 == 0x9D || c2 == 0x93 || c2 == 0x94 || c2 == 0xA6) {
      *len = 3;
      return Kind::kSeparator;
    }
  }
  if (c == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0xA0) {
    *len = 2;
    return Kind::kSeparator;
  }
  return Kind::kKeep;
}

void StripPrefix(std::string& s, std::string_view prefix) {
  if (s.size() > prefix.size() && s.compare(0, prefix.size(), prefix) == 0) {
    s.erase(0, prefix.size());
  }
}

void StripSuffix(std::string& s, std::string_view suffix) {
  if (s.size() > suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0) {
    s.erase(s.size() - suffix.size());
  }
}

std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace

std::string NormalizeName(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool pending_space = false;
  auto separator = [&] { pending_space = !out.empty(); };
  for (std::size_t i = 0; i < text.size();) {
    std::size_t len = 1;
    const Kind kind = Classify(text, i, &len);
    const char c = text[i];
    if (kind == Kind::kKeep) {
      if (pending_space) out += ' ';
      pending_space = false;
      for (std::size_t k = 0; k < len; ++k) {
        char b = text[i + k];
        if (b >= 'A' && b <= 'Z') b = static_cast<char>(b - 'A' + 'a');
        out += b;
      }
    } else if (kind == Kind::kSeparator) {
      if (c == '&') {
        if (!out.empty()) out += ' ';
        out += "and";
        pending_space = true;
      } else {
        separator();
      }
    }
    i += len;
  }
  StripPrefix(out, "paid for by ");
  StripPrefix(out, "the ");
  StripSuffix(out, " ltd");
  StripSuffix(out, " limited");
  return out;
}

namespace {

// ASCII spellings of U+00C0..U+017F (Latin-1 Supplement letters and Latin Extended-A); an
// empty entry is not a letter (U+00D7, U+00F7). Upper-case letters map to upper case, so that
// case changes still split words.
// clang-format off
constexpr const char* kLatin[] = {
    // U+00C0
    "A", "A", "A", "A", "A", "A", "AE", "C", "E", "E", "E", "E", "I", "I", "I", "I",
    // U+00D0
    "D", "N", "O", "O", "O", "O", "O", "", "O", "U", "U", "U", "U", "Y", "TH", "ss",
    // U+00E0
    "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i",
    // U+00F0
    "d", "n", "o", "o", "o", "o", "o", "", "o", "u", "u", "u", "u", "y", "th", "y",
    // U+0100
    "A", "a", "A", "a", "A", "a", "C", "c", "C", "c", "C", "c", "C", "c", "D", "d",
    // U+0110
    "D", "d", "E", "e", "E", "e", "E", "e", "E", "e", "E", "e", "G", "g", "G", "g",
    // U+0120
    "G", "g", "G", "g", "H", "h", "H", "h", "I", "i", "I", "i", "I", "i", "I", "i",
    // U+0130
    "I", "i", "IJ", "ij", "J", "j", "K", "k", "k", "L", "l", "L", "l", "L", "l", "L",
    // U+0140
    "l", "L", "l", "N", "n", "N", "n", "N", "n", "n", "N", "n", "O", "o", "O", "o",
    // U+0150
    "O", "o", "OE", "oe", "R", "r", "R", "r", "R", "r", "S", "s", "S", "s", "S", "s",
    // U+0160
    "S", "s", "T", "t", "T", "t", "T", "t", "U", "u", "U", "u", "U", "u", "U", "u",
    // U+0170
    "U", "u", "U", "u", "W", "w", "Y", "y", "Y", "Z", "z", "Z", "z", "Z", "z", "s",
};
// clang-format on
static_assert(sizeof kLatin / sizeof kLatin[0] == 0x180 - 0xC0);

// What a code point is to the normaliser. Letters come back as their ASCII spelling in
// `ascii` (empty for letters kept as they are).
enum class CharKind { kWord, kSeparator, kDropped };

CharKind KindOf(char32_t cp, std::string_view* ascii) {
  *ascii = {};
  if (cp < 0x80) {
    const auto c = static_cast<char>(cp);
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
      return CharKind::kWord;
    }
    return CharKind::kSeparator;
  }
  if (cp == 0xAD) return CharKind::kDropped;   // soft hyphen
  if (cp < 0xC0) return CharKind::kSeparator;  // C1 controls, Latin-1 punctuation and symbols
  if (cp < 0x180) {
    *ascii = kLatin[cp - 0xC0];
    return ascii->empty() ? CharKind::kSeparator : CharKind::kWord;
  }
  if (cp >= 0x300 && cp <= 0x36F) return CharKind::kDropped;  // combining diacritics
  if (cp == 0x200C || cp == 0x200D || cp == 0x2060) return CharKind::kDropped;  // joiners
  if ((cp >= 0xFE00 && cp <= 0xFE0F) || (cp >= 0xE0000 && cp <= 0xE007F)) {
    return CharKind::kDropped;  // variation selectors, emoji tag sequences
  }
  // General punctuation (spaces, dashes, quotes), symbols, arrows, dingbats, CJK punctuation,
  // the BOM, and the emoji planes.
  if ((cp >= 0x2000 && cp <= 0x2BFF) || (cp >= 0x3000 && cp <= 0x303F) || cp == 0xFEFF ||
      (cp >= 0x1F000 && cp <= 0x1FAFF)) {
    return CharKind::kSeparator;
  }
  return CharKind::kWord;
}

enum class Case { kNone, kLower, kUpper, kDigit, kOther };

Case CaseOf(char c) {
  if (c >= 'a' && c <= 'z') return Case::kLower;
  if (c >= 'A' && c <= 'Z') return Case::kUpper;
  if (c >= '0' && c <= '9') return Case::kDigit;
  return Case::kOther;
}

bool StartsWithNoCase(std::string_view s, std::size_t at, std::string_view prefix) {
  if (s.size() - at < prefix.size()) return false;
  for (std::size_t k = 0; k < prefix.size(); ++k) {
    char c = s[at + k];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != prefix[k]) return false;
  }
  return true;
}

bool EndsUrl(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '"' || c == '<' || c == '>' ||
         static_cast<unsigned char>(c) >= 0x80;
}

bool IsHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// Builds the normalised text word by word (see NormalizeText).
class TextNormalizer {
 public:
  TextNormalizer(std::size_t text_size, std::string* out, std::vector<std::size_t>* offsets)
      : out_(out), offsets_(offsets) {
    out_->clear();
    out_->reserve(text_size + text_size / 4 + 2);  // case splits and "ss" may grow it a little
    if (offsets_ != nullptr) {
      offsets_->clear();
      offsets_->reserve(out_->capacity());
    }
    Put(' ', 0);
  }

  // A word character: `ascii` (one letter's spelling) or, when empty, the bytes s[at, at+len).
  void Word(std::string_view s, std::size_t at, std::size_t len, std::string_view ascii) {
    const std::string_view spelling = ascii.empty() ? s.substr(at, len) : ascii;
    const Case now = ascii.empty() && len > 1 ? Case::kOther : CaseOf(spelling.front());
    if (in_word_) {
      const bool letters = now == Case::kLower || now == Case::kUpper;
      const bool was_letter = prev_ == Case::kLower || prev_ == Case::kUpper;
      if ((prev_ == Case::kLower && now == Case::kUpper) || (now == Case::kDigit && was_letter) ||
          (prev_ == Case::kDigit && letters)) {
        Put(' ', at);
        upper_run_ = 0;
      } else if (now == Case::kLower && pending_split_ != std::string::npos) {
        // Second lower-case letter after a run of capitals: "NHSCrisis" splits before the "C"
        // (but "GPs" stays whole).
        out_->insert(pending_split_, 1, ' ');
        if (offsets_ != nullptr) {
          offsets_->insert(offsets_->begin() + static_cast<std::ptrdiff_t>(pending_split_),
                           (*offsets_)[pending_split_]);
        }
      }
    }
    pending_split_ = std::string::npos;
    if (now == Case::kLower && prev_ == Case::kUpper && upper_run_ >= 2) {
      pending_split_ = last_start_;
    }
    upper_run_ = now == Case::kUpper ? upper_run_ + 1 : 0;
    last_start_ = out_->size();
    for (const char c : spelling) {
      Put(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c, at);
    }
    prev_ = now;
    in_word_ = true;
  }

  // The common case: a lower-case ASCII letter continuing a lower-case word. False (and nothing
  // done) when Word must decide.
  bool ContinueLower(char c, std::size_t at) {
    if (c < 'a' || c > 'z' || !in_word_ || prev_ != Case::kLower ||
        pending_split_ != std::string::npos) {
      return false;
    }
    last_start_ = out_->size();
    Put(c, at);
    return true;
  }

  // A separator at byte `at`.
  void Separator(std::size_t at) {
    if (in_word_) Put(' ', at);
    in_word_ = false;
    prev_ = Case::kNone;
    upper_run_ = 0;
    pending_split_ = std::string::npos;
  }

  void Finish(std::size_t end) {
    Separator(end);
    if (out_->size() == 1) {
      out_->clear();
      if (offsets_ != nullptr) offsets_->clear();
    }
  }

  bool in_word() const { return in_word_; }

 private:
  void Put(char c, std::size_t at) {
    *out_ += c;
    if (offsets_ != nullptr) offsets_->push_back(at);
  }

  std::string* out_;
  std::vector<std::size_t>* offsets_;
  bool in_word_ = false;
  Case prev_ = Case::kNone;
  int upper_run_ = 0;
  std::size_t last_start_ = 0;                     // where the last letter's spelling begins
  std::size_t pending_split_ = std::string::npos;  // see Word
};

}  // namespace

void NormalizeText(std::string_view text, std::string* out, std::vector<std::size_t>* offsets) {
  TextNormalizer n(text.size(), out, offsets);
  bool in_url = false;
  for (std::size_t i = 0; i < text.size();) {
    const char c = text[i];
    if (in_url && EndsUrl(c)) in_url = false;
    const char lower = static_cast<char>(c | 0x20);
    if (!in_url && !n.in_word() && (lower == 'h' || lower == 'w')) {
      const std::size_t scheme_start = i;
      for (const std::string_view scheme : {"https://", "http://", "www."}) {
        if (StartsWithNoCase(text, i, scheme)) {
          in_url = true;
          i += scheme.size();
          if (scheme != "www." && StartsWithNoCase(text, i, "www.")) i += 4;
          break;
        }
      }
      if (i != scheme_start) continue;  // look again at what follows the scheme
    }
    if (in_url) {
      if (text[i] == '?' || text[i] == '#') {  // query string or fragment: skip to the end
        n.Separator(i);
        while (i < text.size() && !EndsUrl(text[i])) ++i;
        continue;
      }
      if (text[i] == '%' && i + 2 < text.size() && IsHex(text[i + 1]) && IsHex(text[i + 2])) {
        n.Separator(i);
        i += 3;
        continue;
      }
    }
    if (static_cast<unsigned char>(c) < 0x80) {  // ASCII: the common case
      if (n.ContinueLower(c, i)) {
        // appended
      } else if ((lower >= 'a' && lower <= 'z') || (c >= '0' && c <= '9')) {
        n.Word(text, i, 1, {});
      } else {
        n.Separator(i);
      }
      ++i;
      continue;
    }
    char32_t cp = 0;
    std::size_t len = 1;
    if (!DecodeUtf8(text, i, &cp, &len)) {
      n.Separator(i);
      i += 1;
      continue;
    }
    std::string_view ascii;
    switch (KindOf(cp, &ascii)) {
      case CharKind::kWord:
        n.Word(text, i, len, ascii);
        break;
      case CharKind::kSeparator:
        n.Separator(i);
        break;
      case CharKind::kDropped:
        break;
    }
    i += len;
  }
  n.Finish(text.size());
}

std::vector<std::string> BylineCandidates(std::string_view byline) {
  std::vector<std::string> out;
  auto add = [&out](std::string_view part) {
    std::string n = NormalizeName(part);
    if (!n.empty() && std::find(out.begin(), out.end(), n) == out.end()) {
      out.push_back(std::move(n));
    }
  };
  add(byline);
  const std::string lower = AsciiLower(byline);
  if (const std::size_t promoted = lower.find("promoted by"); promoted != std::string::npos) {
    add(byline.substr(0, promoted));
  }
  constexpr std::string_view kBehalf = "on behalf of";
  if (const std::size_t behalf = lower.find(kBehalf); behalf != std::string::npos) {
    const std::size_t start = behalf + kBehalf.size();
    const std::size_t stop = lower.find_first_of(",;(.", start);
    add(byline.substr(start, stop == std::string::npos ? std::string_view::npos : stop - start));
  }
  return out;
}

}  // namespace adwatch
