// Pseudonymized values and their placeholders for one request: `ann@example.com` goes to
// the provider as `[EMAIL_1]`, and `[EMAIL_1]` in the answer comes back to the client as
// `ann@example.com`. The map lives in the request's Exchange only: it never reaches a log,
// a metric, the audit line or the cache.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tollgate::policies::pii {

// "[" + TYPE + "_" + number + "]": the longest one the gateway makes. An entity's TYPE is its
// name upper-cased (EMAIL, EMPLOYEE_ID), at most kMaxTypeBytes; numbers stay below 10^9.
inline constexpr std::size_t kMaxTypeBytes = 48;
inline constexpr std::size_t kMaxPlaceholderBytes = 1 + kMaxTypeBytes + 1 + 9 + 1;

class PlaceholderMap {
 public:
  // The placeholder for `value` of entity `type` (upper-case): the same value gets the
  // same placeholder within the request, a new one the next number of its type.
  const std::string& placeholder_for(std::string_view type, std::string_view value);
  // The value behind `placeholder`, or null when this request made no such placeholder.
  const std::string* value_of(std::string_view placeholder) const;
  bool empty() const { return entries_.empty(); }
  std::size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    std::string placeholder;
    std::string value;
  };
  // A request holds a handful: a linear search beats a hash table here.
  std::vector<Entry> entries_;
  std::vector<std::pair<std::string, unsigned>> last_number_;  // per type
};

// The length of the placeholder-shaped token at the start of `text` ("[EMAIL_12]" → 10),
// or 0 when `text` does not start with one.
std::size_t placeholder_length(std::string_view text);

// Whether `text` (which starts with '[') may still become a placeholder when more bytes
// follow: "[EMA", "[EMAIL_", "[EMAIL_1" are; "[email", "[EMAIL_1x" are not.
bool may_become_placeholder(std::string_view text);

// Appends `text` to `out` with every placeholder of `map` replaced by its value; others are
// left as they are (a model may write "[EMAIL_9]" itself). Returns whether any was replaced.
bool restore_placeholders(std::string_view text, const PlaceholderMap& map, std::string& out);

// One stream of text (a choice's content, a tool call's arguments) restored as it comes.
// Only the bytes that can still be the start of a placeholder are held back, at most
// kMaxPlaceholderBytes; the next piece shows whether they were one.
class StreamRestorer {
 public:
  // Appends to `out` what can be released of what was held and `piece`.
  void feed(std::string_view piece, const PlaceholderMap& map, std::string& out);
  // The stream ended: what is held, as it is (it never became a placeholder).
  void flush(std::string& out);
  bool holds() const { return !held_.empty(); }

 private:
  std::string held_;
};

}  // namespace tollgate::policies::pii
