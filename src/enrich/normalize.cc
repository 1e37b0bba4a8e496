#include "enrich/normalize.h"

#include <algorithm>

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
