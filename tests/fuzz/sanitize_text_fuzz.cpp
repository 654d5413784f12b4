// The sanitizer's text cleaning (policies/sanitize/text_normalizer.cpp) on any bytes a
// client can put in a JSON string. The first byte picks the strip classes and NFKC; the
// rest is the text. Checked:
//   - valid UTF-8 in, valid UTF-8 out; nothing reported changed leaves `out` untouched;
//   - with unicode_tags and bidi_controls on, none of those characters is left;
//   - the output is never longer than NFKC's worst expansion of the input (18 times).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "gateway/core/utf8.h"
#include "policies/sanitize/text_normalizer.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

using namespace tollgate::policies::sanitize;

bool valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    std::size_t n = tollgate::core::utf8_sequence_length(s, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

// Whether `s` still holds a tag or bidi character (UTF-8: E2 80 8E/8F/AA-AE,
// E2 81 A6-A9, D8 9C, F3 A0 80/81 xx).
bool has_tag_or_bidi(std::string_view s) {
  for (std::size_t i = 0; i + 1 < s.size(); ++i) {
    auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
    if (b(0) == 0xD8 && b(1) == 0x9C) return true;
    if (i + 2 >= s.size()) continue;
    if (b(0) == 0xE2 && b(1) == 0x80 &&
        (b(2) == 0x8E || b(2) == 0x8F || (b(2) >= 0xAA && b(2) <= 0xAE))) {
      return true;
    }
    if (b(0) == 0xE2 && b(1) == 0x81 && b(2) >= 0xA6 && b(2) <= 0xA9) return true;
    if (b(0) == 0xF3 && b(1) == 0xA0 && (b(2) == 0x80 || b(2) == 0x81)) return true;
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  NormalizeOptions options;
  options.strip = data[0] & 7u;
  options.nfkc = (data[0] & 8u) != 0;
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::string out = "untouched";
  NormalizeResult result = normalize_text(text, options, out);
  if (!result.changed) {
    FUZZ_CHECK(out == "untouched");
    out.assign(text);
  }
  FUZZ_CHECK(out.size() <= text.size() * 18 + 16);
  if (!valid_utf8(text)) return 0;
  FUZZ_CHECK(valid_utf8(out));
  unsigned tags_and_bidi = kUnicodeTags | kBidiControls;
  FUZZ_CHECK((options.strip & tags_and_bidi) != tags_and_bidi || !has_tag_or_bidi(out));
  return 0;
}
