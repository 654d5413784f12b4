#include "policies/pii/placeholders.h"

#include "gateway/core/errors.h"

namespace tollgate::policies::pii {

namespace {

bool type_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

bool digit(char c) {
  return c >= '0' && c <= '9';
}

}  // namespace

// "[" TYPE "_" DIGITS "]", TYPE of upper-case letters, digits and underscores, starting
// with a letter; the last underscore separates the number.
std::size_t placeholder_length(std::string_view text) {
  if (text.size() < 4 || text[0] != '[' || !(text[1] >= 'A' && text[1] <= 'Z')) return 0;
  std::size_t end = 1;
  while (end < text.size() && end < kMaxPlaceholderBytes && type_char(text[end])) ++end;
  if (end >= text.size() || text[end] != ']') return 0;
  std::string_view inner = text.substr(1, end - 1);
  std::size_t underscore = inner.rfind('_');
  if (underscore == std::string_view::npos || underscore == 0 || underscore + 1 == inner.size() ||
      underscore > kMaxTypeBytes) {
    return 0;
  }
  for (char c : inner.substr(underscore + 1)) {
    if (!digit(c)) return 0;
  }
  return end + 1;
}

bool may_become_placeholder(std::string_view text) {
  if (text.empty() || text[0] != '[' || text.size() >= kMaxPlaceholderBytes) return false;
  if (text.size() >= 2 && !(text[1] >= 'A' && text[1] <= 'Z')) return false;
  for (char c : text.substr(1)) {
    if (!type_char(c)) return false;
  }
  return true;
}

void StreamRestorer::feed(std::string_view piece, const Pseudonyms& map, std::string& out) {
  std::string text;
  std::string_view all = piece;
  if (!held_.empty()) {
    text = std::move(held_);
    text.append(piece);
    all = text;
  }
  held_.clear();
  // Hold back from the last '[' when what follows it may still grow into a placeholder.
  std::size_t last = all.rfind('[');
  std::size_t release = all.size();
  if (last != std::string_view::npos && may_become_placeholder(all.substr(last))) release = last;
  std::string_view released = all.substr(0, release);
  // Placeholders a model made up ("[EMAIL_9]") stay as they are. (Pseudonyms::restore
  // writes a whole text; `out` may already hold what an earlier field released.)
  std::string restored;
  out.append(map.restore(released, restored) ? std::string_view(restored) : released);
  held_.assign(all.substr(release));
}

void StreamRestorer::flush(std::string& out) {
  out.append(held_);
  held_.clear();
}

bool restore_placeholders_in_json(std::string& json, const Pseudonyms& map) {
  if (map.empty()) return false;
  std::string restored;
  std::string_view text = json;
  std::size_t copied = 0;
  for (std::size_t at = text.find('['); at != std::string_view::npos; at = text.find('[', at + 1)) {
    std::size_t length = placeholder_length(text.substr(at));
    const std::string* value = length != 0 ? map.value_of(text.substr(at, length)) : nullptr;
    if (value == nullptr) continue;
    restored.append(text.substr(copied, at - copied));
    std::string literal;
    core::append_json_string(literal, *value);
    restored.append(literal, 1, literal.size() - 2);  // without its quotes
    copied = at + length;
    at = copied - 1;
  }
  if (copied == 0) return false;
  restored.append(text.substr(copied));
  json = std::move(restored);
  return true;
}

}  // namespace tollgate::policies::pii
