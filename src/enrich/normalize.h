// Text normalisation shared by attribution rules and the ads they are compared with.
// Pure functions; thread-safe; never throw.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace adwatch {

/// Normalises an advertiser name, byline or page name for comparison: ASCII letters are
/// case-folded; apostrophes (straight or curly) are dropped; "&" reads " and "; every other
/// ASCII punctuation or whitespace character (and curly quotes, dashes, no-break spaces)
/// becomes a separator; runs of separators collapse into one space; no leading or trailing
/// space; then a leading "paid for by " and a leading "the ", and a trailing " ltd" or
/// " limited", are dropped. Other non-ASCII bytes are kept as they are. "The Conservative &
/// Unionist Party" -> "conservative and unionist party"; "People’s Vote" -> "peoples vote";
/// "Best for Britain Limited" -> "best for britain". Empty input gives an empty string.
std::string NormalizeName(std::string_view text);

/// The texts a byline is tried as, normalised, most specific first, without duplicates or
/// empties: the whole byline; for "X. Promoted by P on behalf of Y, address" also X (the text
/// before "promoted by") and Y (the text after "on behalf of", up to the first , ; ( or .).
std::vector<std::string> BylineCandidates(std::string_view byline);

}  // namespace adwatch
