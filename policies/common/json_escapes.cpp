// Decoding is by hand: Boost.JSON and simdjson decode strings only as part of a parse,
// and a parse is what the prescan exists to avoid (docs/performance.md).
#include "policies/common/json_escapes.h"

#include <cstdint>
#include <cstring>
#include <optional>

namespace tollgate::policies {

namespace {

std::optional<std::uint32_t> hex4(std::string_view json, std::size_t at) {
  if (at + 4 > json.size()) return std::nullopt;
  std::uint32_t value = 0;
  for (std::size_t i = at; i < at + 4; ++i) {
    char c = json[i];
    std::uint32_t digit = 0;
    if (c >= '0' && c <= '9') {
      digit = static_cast<std::uint32_t>(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      digit = static_cast<std::uint32_t>(c - 'a' + 10);
    } else if (c >= 'A' && c <= 'F') {
      digit = static_cast<std::uint32_t>(c - 'A' + 10);
    } else {
      return std::nullopt;
    }
    value = value * 16 + digit;
  }
  return value;
}

void append_utf8(std::string& out, std::uint32_t code) {
  if (code < 0x80) {
    out += static_cast<char>(code);
  } else if (code < 0x800) {
    out += static_cast<char>(0xC0 | (code >> 6));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else if (code < 0x10000) {
    out += static_cast<char>(0xE0 | (code >> 12));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (code >> 18));
    out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  }
}

}  // namespace

bool decode_json_escapes(std::string_view json, std::string& out) {
  out.clear();
  out.reserve(json.size());
  std::size_t at = 0;
  while (at < json.size()) {
    const void* found = std::memchr(json.data() + at, '\\', json.size() - at);
    std::size_t slash =
        found == nullptr ? json.size()
                         : static_cast<std::size_t>(static_cast<const char*>(found) - json.data());
    out.append(json, at, slash - at);
    if (slash == json.size()) break;
    if (slash + 1 >= json.size()) return false;
    char kind = json[slash + 1];
    at = slash + 2;
    // The one-letter escapes, and what each stands for.
    static constexpr std::string_view kLetters = "\"\\/bfnrt";
    static constexpr std::string_view kMeaning = "\"\\/\b\f\n\r\t";
    if (std::size_t which = kLetters.find(kind); which != std::string_view::npos) {
      out += kMeaning[which];
      continue;
    }
    if (kind != 'u') return false;
    auto code = hex4(json, at);
    if (!code) return false;
    at += 4;
    if (*code >= 0xD800 && *code <= 0xDBFF && at + 6 <= json.size() && json[at] == '\\' &&
        json[at + 1] == 'u') {
      if (auto low = hex4(json, at + 2); low && *low >= 0xDC00 && *low <= 0xDFFF) {
        *code = 0x10000 + ((*code - 0xD800) << 10) + (*low - 0xDC00);
        at += 6;
      }
    }
    // A lone surrogate: what a lenient parser makes of it.
    if (*code >= 0xD800 && *code <= 0xDFFF) *code = 0xFFFD;
    append_utf8(out, *code);
  }
  return true;
}

}  // namespace tollgate::policies
