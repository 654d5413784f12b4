// A set of regular expressions matched in one pass over a text (Vectorscan, Debian
// libvectorscan-dev): the deny patterns and the injection phrases of one profile share a
// database, so each text is read once whatever the number of patterns. Vectorscan runs in
// linear time with no backtracking and no recursion, where std::regex can take
// exponential time or overflow the stack on a hostile prompt (and lacks `(?i)`).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

struct hs_database;

namespace tollgate::policies::sanitize {

struct PatternSpec {
  std::string expression;
  unsigned id = 0;        // what a match reports
  bool caseless = false;  // as if the pattern began with (?i)
};

// A pattern Vectorscan refused: `index` into the specs given, and its reason.
class PatternError : public std::runtime_error {
 public:
  PatternError(std::size_t index, const std::string& message)
      : std::runtime_error(message), index_(index) {}
  std::size_t index() const { return index_; }

 private:
  std::size_t index_;
};

class PatternSet {
 public:
  // Throws PatternError. Patterns are UTF-8; \w, \s, \b and caseless matching are
  // ASCII's (a non-ASCII letter matches itself).
  explicit PatternSet(const std::vector<PatternSpec>& specs);
  ~PatternSet();
  PatternSet(const PatternSet&) = delete;
  PatternSet& operator=(const PatternSet&) = delete;

  // Reports the id of each pattern that matches `text`, once each; `on_match` returns
  // false to stop. Uses a per-thread scratch space, grown to fit on first use. Returns
  // false when the text could not be scanned (no memory for scratch): callers fail closed.
  template <typename OnMatch>
  bool scan(std::string_view text, OnMatch on_match) const {
    return scan_raw(text, &call<OnMatch>, &on_match);
  }

 private:
  using Callback = bool (*)(unsigned id, void* context);
  template <typename OnMatch>
  static bool call(unsigned id, void* context) {
    return (*static_cast<OnMatch*>(context))(id);
  }
  bool scan_raw(std::string_view text, Callback callback, void* context) const;

  hs_database* database_ = nullptr;
  std::uint64_t serial_;  // tells this database apart from any other, freed ones included
};

}  // namespace tollgate::policies::sanitize
