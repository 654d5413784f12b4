// The pii scanner: every enabled entity, custom pattern and word list compiled once per
// config into one Vectorscan database, and scanned in one pass per text; the built-in
// patterns that start at any digit or ':' (numbers, IP addresses, IBANs) or at '+' or '@'
// are found by a C++ pass over those bytes instead, which reports the same match ends
// (scanner_digits.h). Built once, shared by all threads: scan() is const and takes no lock
// (each thread keeps its own Vectorscan scratch space).
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "policies/pii/entity.h"

namespace tollgate::policies::pii {

// One value found: [begin, end) in bytes of the scanned text.
struct Finding {
  EntityId entity = 0;
  std::size_t begin = 0;
  std::size_t end = 0;

  friend bool operator==(const Finding&, const Finding&) = default;
};

// A custom entity: a pattern, or a list of words, not both.
struct CustomEntity {
  std::string name;  // valid_entity_name(): "employee_id" (placeholders say EMPLOYEE_ID)
  // A regular expression in Vectorscan's syntax (PCRE's, without backreferences or
  // lookaround), matched on bytes; "(?i)" for case-insensitive.
  std::string pattern;
  // Terms matched as whole words, ignoring ASCII case ("Blue Falcon" matches "blue falcon").
  std::vector<std::string> words;
};

struct ScannerSpec {
  std::vector<Builtin> builtins;  // the built-in entities to look for
  std::vector<CustomEntity> custom;
};

// A spec that cannot be built. `custom_index` names the custom entity at fault (its place
// in ScannerSpec::custom), so the config reader can point at its file and line.
class SpecError : public std::runtime_error {
 public:
  SpecError(std::optional<std::size_t> custom_index, const std::string& message)
      : std::runtime_error(message), custom_index_(custom_index) {}
  std::optional<std::size_t> custom_index() const { return custom_index_; }

 private:
  std::optional<std::size_t> custom_index_;
};

struct EntityInfo {
  std::string name;      // "email", "employee_id"
  std::string tag;       // "EMAIL", "EMPLOYEE_ID"
  bool enabled = false;  // this scanner looks for it
};

class Scanner {
 public:
  // Compiles the database. Throws SpecError for an invalid name, an empty or refused
  // pattern (with Vectorscan's reason), an empty word list, or an unusable platform.
  static Scanner build(const ScannerSpec& spec);

  // Replaces `out` with the findings in `text`, sorted by begin and never overlapping:
  // where candidates overlap, the longest wins, then the earliest, then the lower entity
  // id. `out`'s capacity is reused; nothing else is allocated when nothing is found.
  // Custom findings are widened to whole UTF-8 characters.
  void scan(std::string_view text, std::vector<Finding>& out) const;

  // Every entity by id: the nine built-in ones (enabled or not), then the custom ones.
  std::span<const EntityInfo> entities() const;
  std::optional<EntityId> find(std::string_view name) const;

  Scanner(Scanner&&) noexcept;
  Scanner& operator=(Scanner&&) noexcept;
  ~Scanner();

  struct Impl;

 private:
  explicit Scanner(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace tollgate::policies::pii
