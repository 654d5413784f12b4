// The pseudonymize action's memory for one request: which value got which placeholder
// ("[EMAIL_1]"), so the same value gets the same one and the answer can have them
// replaced back. It holds the very values pii exists to keep out of sight: the stage keeps
// it in the Exchange for one request and nothing may log, count, audit or cache it (it
// has no printer and is not copyable, so it is not copied into one by accident).
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace tollgate::policies::pii {

class Pseudonyms {
 public:
  Pseudonyms() = default;
  Pseudonyms(const Pseudonyms&) = delete;
  Pseudonyms& operator=(const Pseudonyms&) = delete;
  Pseudonyms(Pseudonyms&&) = default;
  Pseudonyms& operator=(Pseudonyms&&) = default;

  // The placeholder for `value` found as an entity tagged `tag` ("EMAIL"): "[EMAIL_1]" for
  // the first value of that tag, "[EMAIL_2]" for the next different one, the same one
  // again for the same value. Valid until this object changes.
  std::string_view placeholder(std::string_view tag, std::string_view value);

  // A placeholder-shaped text the client wrote itself ("[EMAIL_1]"): never handed out, so
  // the model cannot confuse the two and the client's own text is never "restored".
  void reserve(std::string_view placeholder) { reserved_.emplace(placeholder, 0); }

  // The value behind a whole placeholder ("[EMAIL_1]"), or null.
  const std::string* value_of(std::string_view placeholder) const;

  // Writes `text` to `out` with every known placeholder replaced by its value; false, and
  // `out` untouched, when `text` holds none.
  bool restore(std::string_view text, std::string& out) const;

  bool empty() const { return by_placeholder_.empty(); }
  // The longest placeholder handed out: a stream need hold back no more bytes than this.
  std::size_t longest() const { return longest_; }

 private:
  // Looks a string_view up without making a string of it.
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  template <typename V>
  using Map = std::unordered_map<std::string, V, Hash, std::equal_to<>>;

  Map<std::string> by_value_;        // tag '\0' value → placeholder
  Map<std::string> by_placeholder_;  // placeholder → value
  Map<std::size_t> counts_;          // tag → values so far
  Map<int> reserved_;                // placeholders the client wrote
  std::size_t longest_ = 0;
};

}  // namespace tollgate::policies::pii
