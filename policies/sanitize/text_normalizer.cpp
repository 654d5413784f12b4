#include "policies/sanitize/text_normalizer.h"

#include <utf8proc.h>

#include <cstdint>
#include <vector>

#include "gateway/core/utf8.h"

namespace tollgate::policies::sanitize {

namespace {

// Past these the work buffers are given back after use: one hostile 1 MiB message must
// not pin 18 MiB (NFKC may expand a code point eighteen-fold) on a thread for good.
constexpr std::size_t kKeptBufferCodePoints = std::size_t{1} << 18;
constexpr std::size_t kKeptStrippedBytes = std::size_t{1} << 20;

constexpr char32_t kNone = 0;  // "no neighbour": an edge of the text

bool all_ascii(std::string_view text) {
  unsigned char any = 0;
  for (char c : text) any |= static_cast<unsigned char>(c);
  return any < 0x80;
}

// The code point at `at` and its length; an invalid byte reads as itself, length 1, and
// is never stripped (simdjson has validated the text, so this is defence only).
char32_t decode(std::string_view s, std::size_t at, std::size_t& length) {
  length = core::utf8_sequence_length(s, at);
  auto b = [&](std::size_t i) { return static_cast<char32_t>(static_cast<unsigned char>(s[i])); };
  switch (length) {
    case 1:
      return b(at);
    case 2:
      return ((b(at) & 0x1F) << 6) | (b(at + 1) & 0x3F);
    case 3:
      return ((b(at) & 0x0F) << 12) | ((b(at + 1) & 0x3F) << 6) | (b(at + 2) & 0x3F);
    case 4:
      return ((b(at) & 0x07) << 18) | ((b(at + 1) & 0x3F) << 12) | ((b(at + 2) & 0x3F) << 6) |
             (b(at + 3) & 0x3F);
    default:
      length = 1;
      return 0xFFFD;
  }
}

// Whether `text` may hold an invisible character: their UTF-8 forms start C2 AD, D8 9C,
// E1 A0 8E, E2 80, E2 81, EF BB BF or F3 A0. A byte scan, so that text without one
// (nearly all) skips decoding code points with their neighbours.
bool may_hold_invisible(std::string_view text) {
  auto b = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  for (std::size_t i = 0; i + 1 < text.size(); ++i) {
    switch (b(i)) {
      case 0xC2:
        if (b(i + 1) == 0xAD) return true;
        break;
      case 0xD8:
        if (b(i + 1) == 0x9C) return true;
        break;
      case 0xE1:
        if (b(i + 1) == 0xA0) return true;
        break;
      case 0xE2:
        if (b(i + 1) == 0x80 || b(i + 1) == 0x81) return true;
        break;
      case 0xEF:
        if (b(i + 1) == 0xBB) return true;
        break;
      case 0xF3:
        if (b(i + 1) == 0xA0) return true;
        break;
      default:
        break;
    }
  }
  return false;
}

// Removes the invisible characters of the classes in `strip` into `out`; counts all.
// Returns whether anything was removed.
bool strip_invisible(std::string_view text, unsigned strip, std::string& out,
                     std::size_t& invisible) {
  bool removed = false;
  char32_t before = kNone;
  std::size_t length = 0;
  char32_t cp = text.empty() ? kNone : decode(text, 0, length);
  for (std::size_t at = 0; at < text.size();) {
    std::size_t next_length = 0;
    std::size_t next = at + length;
    char32_t after = next < text.size() ? decode(text, next, next_length) : kNone;
    unsigned cls = invisible_class(cp, before, after);
    if (cls != 0) ++invisible;
    if ((cls & strip) != 0) {
      if (!removed) out.assign(text.substr(0, at));  // first removal: copy what came before
      removed = true;
    } else {
      if (removed) out.append(text.substr(at, length));
      before = cp;
    }
    at = next;
    cp = after;
    length = next_length;
  }
  return removed;
}

bool all_nfkc_inert(std::string_view text) {
  for (std::size_t at = 0, length = 0; at < text.size(); at += length) {
    if (!nfkc_inert(decode(text, at, length))) return false;
  }
  return true;
}

// NFKC of `text` into `out` through a per-thread code point buffer (utf8proc decomposes
// into a caller's buffer, composes and re-encodes in place: no allocation once warm).
// Returns whether the text changed.
bool nfkc(std::string_view text, std::string& out) {
  thread_local std::vector<utf8proc_int32_t> buffer;
  constexpr auto kOptions =
      static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT);
  auto* bytes = reinterpret_cast<const utf8proc_uint8_t*>(text.data());
  auto size = static_cast<utf8proc_ssize_t>(text.size());
  // Room for the text as it is, plus one for the terminator utf8proc_reencode writes.
  if (buffer.size() < text.size() + 1) buffer.resize(text.size() + 1);
  utf8proc_ssize_t count = 0;
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto room = static_cast<utf8proc_ssize_t>(buffer.size() - 1);
    count = utf8proc_decompose(bytes, size, buffer.data(), room, kOptions);
    if (count < 0 || count <= room) break;
    buffer.resize(static_cast<std::size_t>(count) + 1);  // said how much it needs: once more
  }
  bool changed = false;
  if (count >= 0 && static_cast<std::size_t>(count) < buffer.size()) {
    // Composes (utf8proc_normalize_utf32) and writes UTF-8 over the code points.
    count = utf8proc_reencode(buffer.data(), count, kOptions);
    if (count >= 0) {
      std::string_view result(reinterpret_cast<const char*>(buffer.data()),
                              static_cast<std::size_t>(count));
      changed = result != text;
      if (changed) out.assign(result);
    }
  }
  // An error (invalid UTF-8, which simdjson has already refused) leaves the text as it is.
  if (buffer.size() > kKeptBufferCodePoints) std::vector<utf8proc_int32_t>().swap(buffer);
  return changed;
}

}  // namespace

unsigned invisible_class(char32_t cp, char32_t before, char32_t after) {
  if (cp < 0xAD) return 0;  // the common case: ASCII and Latin-1 letters
  if (cp >= 0xE0000 && cp <= 0xE007F) return kUnicodeTags;
  if ((cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200E ||
      cp == 0x200F || cp == 0x061C) {
    return kBidiControls;
  }
  if (cp == 0x200B || (cp >= 0x2060 && cp <= 0x2064) || cp == 0xFEFF || cp == 0x180E ||
      cp == 0xAD) {
    return kZeroWidth;
  }
  if (cp == 0x200C || cp == 0x200D) {
    bool joins = before >= 0x80 && after >= 0x80 && invisible_class(before, kNone, kNone) == 0 &&
                 invisible_class(after, kNone, kNone) == 0;
    return joins ? 0u : unsigned{kZeroWidth};
  }
  return 0;
}

bool nfkc_inert(char32_t cp) {
  if (cp < 0xA0) return true;
  const utf8proc_property_t* p = utf8proc_get_property(static_cast<utf8proc_int32_t>(cp));
  if (p->combining_class != 0 || p->comp_exclusion) return false;
  if (p->category == UTF8PROC_CATEGORY_MN || p->category == UTF8PROC_CATEGORY_MC ||
      p->category == UTF8PROC_CATEGORY_ME) {
    return false;
  }
  if (cp >= 0x1100 && cp <= 0x11FF) return false;  // jamo compose into syllables
  if (p->decomp_seqindex == UINT16_MAX) return true;
  // Latin-1 and Latin Extended-A/B letters and kana with a canonical decomposition are
  // NFC's own compositions of letters and marks NFKC keeps. (Elsewhere some are not:
  // U+1E9B decomposes into a long s, which NFKC folds.) A test checks every code point.
  bool latin = cp >= 0xC0 && cp <= 0x24F;
  bool kana = cp >= 0x3040 && cp <= 0x30FF;
  return (latin || kana) && p->decomp_type == 0;
}

NormalizeResult normalize_text(std::string_view text, const NormalizeOptions& options,
                               std::string& out) {
  NormalizeResult result;
  // ASCII holds no invisible character and is its own NFKC: most prompts stop here.
  if (all_ascii(text)) return result;
  thread_local std::string stripped;
  std::string_view current = text;
  if (may_hold_invisible(text) &&
      strip_invisible(text, options.strip, stripped, result.invisible)) {
    current = stripped;
    result.changed = true;
  }
  if (options.nfkc && !all_ascii(current) && !all_nfkc_inert(current) && nfkc(current, out)) {
    result.changed = true;
  } else if (result.changed) {
    out.assign(current);
  }
  if (stripped.capacity() > kKeptStrippedBytes) std::string().swap(stripped);
  return result;
}

}  // namespace tollgate::policies::sanitize
