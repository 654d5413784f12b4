#include "policies/pii/placeholders.h"

namespace tollgate::policies::pii {

namespace {

bool type_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

bool digit(char c) {
  return c >= '0' && c <= '9';
}

}  // namespace

const std::string& PlaceholderMap::placeholder_for(std::string_view type, std::string_view value) {
  for (const Entry& entry : entries_) {
    if (entry.value == value && entry.placeholder.compare(1, type.size(), type) == 0 &&
        entry.placeholder[type.size() + 1] == '_') {
      return entry.placeholder;
    }
  }
  unsigned number = 1;
  auto counter = last_number_.begin();
  for (; counter != last_number_.end(); ++counter) {
    if (counter->first == type) break;
  }
  if (counter == last_number_.end()) {
    last_number_.emplace_back(std::string(type), 1);
  } else {
    number = ++counter->second;
  }
  std::string placeholder = "[";
  placeholder.append(type.substr(0, kMaxTypeBytes));
  placeholder += '_';
  placeholder += std::to_string(number);
  placeholder += ']';
  entries_.push_back({std::move(placeholder), std::string(value)});
  return entries_.back().placeholder;
}

const std::string* PlaceholderMap::value_of(std::string_view placeholder) const {
  for (const Entry& entry : entries_) {
    if (entry.placeholder == placeholder) return &entry.value;
  }
  return nullptr;
}

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

bool restore_placeholders(std::string_view text, const PlaceholderMap& map, std::string& out) {
  bool replaced = false;
  std::size_t copied = 0;
  for (std::size_t at = text.find('['); at != std::string_view::npos; at = text.find('[', at)) {
    std::size_t length = placeholder_length(text.substr(at));
    const std::string* value = length != 0 ? map.value_of(text.substr(at, length)) : nullptr;
    if (value == nullptr) {
      ++at;
      continue;
    }
    out.append(text.substr(copied, at - copied));
    out.append(*value);
    at += length;
    copied = at;
    replaced = true;
  }
  out.append(text.substr(copied));
  return replaced;
}

void StreamRestorer::feed(std::string_view piece, const PlaceholderMap& map, std::string& out) {
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
  restore_placeholders(all.substr(0, release), map, out);
  held_.assign(all.substr(release));
}

void StreamRestorer::flush(std::string& out) {
  out.append(held_);
  held_.clear();
}

}  // namespace tollgate::policies::pii
