// Text normalisation: of names for attribution rules, and of ad texts for theme rules.
// Pure functions; thread-safe; never throw.
#pragma once

#include <cstddef>
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

/// Normalises ad text, and theme phrases, for theme matching. The result is the text's words,
/// lower-case, each preceded and followed by one space (" get brexit done "), or "" when there
/// are none, so that a phrase matches whole words only by matching its normalised form:
///  - a word is a run of ASCII letters and digits or of other letters; everything else
///    separates words: punctuation (any run of it), quotes, apostrophes, dashes, every kind of
///    space, symbols and emoji;
///  - Latin letters with diacritics read as their base letters ("Ŵ" -> "w", "ß" -> "ss"),
///    combining marks and zero-width joiners are dropped; other scripts are kept as they are;
///  - words are split where the case or kind changes: "GetBrexitDone" -> "get brexit done",
///    "SaveOurNHS" -> "save our nhs", "NHSCrisis" -> "nhs crisis", "Article50" -> "article 50",
///    but "GPs" and "MPs" stay one word and "NHSX" stays "nhsx";
///  - a URL (from "http://", "https://" or "www." to the next space) contributes the words of
///    its host and path only; its scheme, "www.", query string, fragment and %-escapes do not.
/// When `offsets` is given, (*offsets)[i] is the byte position in `text` that out[i] comes
/// from; a separating space maps to the first byte after the word before it, so a match of
/// " w1 w2 " in `out` at [b, e) is the text's bytes [offsets[b + 1], offsets[e - 1]).
/// Invalid UTF-8 bytes separate words. Linear in the text; never throws except on allocation.
void NormalizeText(std::string_view text, std::string* out, std::vector<std::size_t>* offsets);

}  // namespace adwatch
