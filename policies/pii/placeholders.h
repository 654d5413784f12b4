// Placeholders (`[EMAIL_1]`, made by Pseudonyms for the pseudonymize action) found and
// restored in answers: whole, and in a stream as it comes, where a placeholder may be split
// across events at any byte.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "policies/pii/pseudonyms.h"

namespace tollgate::policies::pii {

// "[" + TYPE + "_" + number + "]": no placeholder the gateway makes is longer (an entity's
// TYPE is its name upper-cased, at most kMaxTypeBytes; numbers stay below 10^9), so no
// stream holds back more than this.
inline constexpr std::size_t kMaxTypeBytes = 48;
inline constexpr std::size_t kMaxPlaceholderBytes = 1 + kMaxTypeBytes + 1 + 9 + 1;

// The length of the placeholder-shaped token at the start of `text` ("[EMAIL_12]" → 10),
// or 0 when `text` does not start with one.
std::size_t placeholder_length(std::string_view text);

// Whether `text` (which starts with '[') may still become a placeholder when more bytes
// follow: "[EMA", "[EMAIL_", "[EMAIL_1" are; "[email", "[EMAIL_1x" are not.
bool may_become_placeholder(std::string_view text);

// Replaces each of the request's placeholders in `json` (an answer or an event, as text)
// by its value, escaped for JSON. Placeholders are letters, digits and '_' between
// brackets, never split by a JSON escape, so the text is searched as it is. True when one
// was replaced.
bool restore_placeholders_in_json(std::string& json, const Pseudonyms& map);

// One stream of text (a choice's content, a tool call's arguments) restored as it comes.
// Only the bytes that can still be the start of a placeholder are held back, at most
// kMaxPlaceholderBytes; the next piece shows whether they were one.
class StreamRestorer {
 public:
  // Appends to `out` what can be released of what was held and `piece`.
  void feed(std::string_view piece, const Pseudonyms& map, std::string& out);
  // The stream ended: what is held, as it is (it never became a placeholder).
  void flush(std::string& out);
  bool holds() const { return !held_.empty(); }

 private:
  std::string held_;
};

}  // namespace tollgate::policies::pii
