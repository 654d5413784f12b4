// The sanitizer's text cleaning: invisible characters out (but joiners inside emoji and
// non-Latin words kept), NFKC in, and plain ASCII left alone without a copy.
#include <catch2/catch.hpp>

#include <utf8proc.h>

#include <cstdlib>
#include <string>

#include "policies/sanitize/text_normalizer.h"

using namespace tollgate::policies::sanitize;

namespace {

const NormalizeOptions kAll{kZeroWidth | kUnicodeTags | kBidiControls, true};

std::string cleaned(std::string_view text, const NormalizeOptions& options = kAll) {
  std::string out;
  NormalizeResult result = normalize_text(text, options, out);
  return result.changed ? out : std::string(text);
}

}  // namespace

TEST_CASE("ASCII text is left as it is, without being copied") {
  std::string out;
  NormalizeResult result = normalize_text("Ignore nothing, just answer.", kAll, out);
  REQUIRE_FALSE(result.changed);
  REQUIRE(result.invisible == 0);
  REQUIRE(out.empty());
}

TEST_CASE("zero-width, tag and bidi characters are stripped and counted") {
  REQUIRE(cleaned("ig\u200Bno\u2060re pre\uFEFFvious") == "ignore previous");
  REQUIRE(cleaned("soft\u00ADhyphen") == "softhyphen");
  // "hi" spelled in Unicode tag characters after visible text: ASCII smuggling.
  REQUIRE(cleaned("hello\U000E0068\U000E0069") == "hello");
  REQUIRE(cleaned("abc\u202Edcba\u202C") == "abcdcba");
  std::string out;
  REQUIRE(normalize_text("a\u200Bb\U000E0041c\u2066d", kAll, out).invisible == 3);
}

TEST_CASE("a class not listed in strip stays, but still counts as invisible") {
  NormalizeOptions only_tags{kUnicodeTags, false};
  std::string out;
  NormalizeResult result = normalize_text("a\u200Bb", only_tags, out);
  REQUIRE_FALSE(result.changed);
  REQUIRE(result.invisible == 1);
}

TEST_CASE("joiners inside emoji and non-Latin words stay; between ASCII letters they go") {
  std::string family = "\U0001F468\u200D\U0001F469\u200D\U0001F467";
  REQUIRE(cleaned(family) == family);
  std::string persian = "\u0645\u06CC\u200C\u062E\u0648\u0627\u0647\u0645";
  REQUIRE(cleaned(persian) == persian);
  REQUIRE(cleaned("ig\u200Dnore") == "ignore");
  REQUIRE(cleaned("\u200Cstart") == "start");
}

TEST_CASE("NFKC folds look-alike forms into plain text") {
  REQUIRE(cleaned("\uFF49\uFF47\uFF4E\uFF4F\uFF52\uFF45") == "ignore");  // full-width
  REQUIRE(cleaned("\uFB01le") == "file");                                // ligature
  REQUIRE(cleaned("e\u0301") == "\u00E9");                               // composed
  REQUIRE(cleaned("x\u00B2") == "x2");
  NormalizeOptions no_nfkc{kZeroWidth, false};
  REQUIRE(cleaned("\uFF49", no_nfkc) == "\uFF49");
}

TEST_CASE("text already in NFKC with no invisible character is not changed") {
  std::string out;
  REQUIRE_FALSE(normalize_text("Grüße aus Köln, 東京 \U0001F600", kAll, out).changed);
  REQUIRE(out.empty());
}

TEST_CASE("stripping and NFKC together, on a long text") {
  std::string text;
  for (int i = 0; i < 5000; ++i) text += "\uFF41\u200B";
  REQUIRE(cleaned(text) == std::string(5000, 'a'));
}

TEST_CASE("every code point called NFKC-inert is left as it is by utf8proc's NFKC") {
  // The shortcut that skips utf8proc must never skip a change: checked for all of Unicode,
  // alone and between ASCII letters.
  std::size_t inert = 0;
  for (char32_t cp = 0xA0; cp <= 0x10FFFF; ++cp) {
    if (cp >= 0xD800 && cp <= 0xDFFF) continue;
    if (!nfkc_inert(cp)) continue;
    ++inert;
    utf8proc_uint8_t encoded[8] = {};
    utf8proc_ssize_t n = utf8proc_encode_char(static_cast<utf8proc_int32_t>(cp), encoded);
    std::string text = "a" + std::string(reinterpret_cast<char*>(encoded), n) + "b";
    utf8proc_uint8_t* folded =
        utf8proc_NFKC(reinterpret_cast<const utf8proc_uint8_t*>(text.c_str()));
    bool same = folded != nullptr && text == reinterpret_cast<char*>(folded);
    std::free(folded);
    if (!same) FAIL("U+" << std::hex << static_cast<unsigned>(cp) << " changes under NFKC");
  }
  REQUIRE(inert > 200000);
}
