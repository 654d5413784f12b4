// Cleans one text a model will read: strips invisible characters used to smuggle
// instructions past people and filters (zero-width, Unicode tags, bidi controls), and
// applies NFKC so look-alike forms (full-width letters, ligatures) read as plain text
// before any pattern sees them. Pure and allocation-free once warm: fuzzed on its own.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace tollgate::policies::sanitize {

// The classes of invisible characters `strip:` names.
enum StripClass : unsigned {
  kZeroWidth = 1u << 0,     // U+200B, U+2060-2064, U+FEFF, U+180E, U+00AD; U+200C/D among ASCII
  kUnicodeTags = 1u << 1,   // U+E0000-E007F ("ASCII smuggling": tag letters render as nothing)
  kBidiControls = 1u << 2,  // U+202A-202E, U+2066-2069, U+200E, U+200F, U+061C
};

struct NormalizeOptions {
  unsigned strip = 0;  // a mask of StripClass
  bool nfkc = false;
};

struct NormalizeResult {
  bool changed = false;  // `out` holds the new text; otherwise `out` is untouched
  // Invisible characters of any class found, stripped or not: a signal for injection
  // scoring even where stripping is off.
  std::size_t invisible = 0;
};

// `text` is UTF-8 (simdjson validated it; a stray invalid byte is kept as it is).
NormalizeResult normalize_text(std::string_view text, const NormalizeOptions& options,
                               std::string& out);

// The class of code point `cp` (0 for none). U+200C and U+200D (joiners) count as
// zero-width only next to ASCII or at an edge: between two non-ASCII characters they
// join emoji sequences and Persian or Indic letters, and removing them changes the text.
unsigned invisible_class(char32_t cp, char32_t before, char32_t after);

// Whether NFKC leaves `cp` as it is among other such code points: no decomposition (or
// the canonical one of a precomposed Latin letter, which NFC composes back), not a mark
// or Hangul jamo (what composes onto a previous character). A text made only of these is
// its own NFKC, so utf8proc is not run on it (75 MB/s for German prose otherwise).
bool nfkc_inert(char32_t cp);

}  // namespace tollgate::policies::sanitize
