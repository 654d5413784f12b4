#include "policies/pii/pseudonyms.h"

namespace tollgate::policies::pii {

std::string_view Pseudonyms::placeholder(std::string_view tag, std::string_view value) {
  std::string key;
  key.reserve(tag.size() + 1 + value.size());
  key.append(tag).push_back('\0');
  key.append(value);
  auto found = by_value_.find(key);
  if (found != by_value_.end()) return found->second;
  auto count = counts_.find(tag);
  if (count == counts_.end()) count = counts_.emplace(std::string(tag), 0).first;
  std::string name;
  do {  // ends: each reserved placeholder is skipped once at most
    name = "[" + std::string(tag) + "_" + std::to_string(++count->second) + "]";
  } while (reserved_.contains(name));
  longest_ = name.size() > longest_ ? name.size() : longest_;
  by_placeholder_.emplace(name, std::string(value));
  return by_value_.emplace(std::move(key), std::move(name)).first->second;
}

const std::string* Pseudonyms::value_of(std::string_view placeholder) const {
  auto found = by_placeholder_.find(placeholder);
  return found == by_placeholder_.end() ? nullptr : &found->second;
}

bool Pseudonyms::restore(std::string_view text, std::string& out) const {
  if (by_placeholder_.empty()) return false;
  bool changed = false;
  std::size_t copied = 0;  // text before this is already in `out` (once changed)
  std::size_t open = text.find('[');
  while (open != std::string_view::npos) {
    // Only as far as the longest placeholder: a text of '[' costs linear time.
    std::size_t close = text.substr(0, open + longest_).find(']', open + 1);
    const std::string* value = nullptr;
    if (close != std::string_view::npos) value = value_of(text.substr(open, close + 1 - open));
    if (value != nullptr) {
      if (!changed) out.clear();
      changed = true;
      out.append(text.substr(copied, open - copied)).append(*value);
      copied = close + 1;
    }
    open = text.find('[', value != nullptr ? close + 1 : open + 1);
  }
  if (changed) out.append(text.substr(copied));
  return changed;
}

}  // namespace tollgate::policies::pii
