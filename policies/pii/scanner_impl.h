// What a built Scanner holds: the Vectorscan database, a prototype scratch each thread
// clones, and for every pattern id the entity it reports and how its span is found; and
// which digit patterns the digit pass looks for, with their enabled probes.
// Private to policies/pii (keeps <hs/hs.h> out of scanner.h).
#pragma once

#include <hs/hs.h>

#include <array>
#include <cstdint>
#include <vector>

#include "policies/pii/builtin_patterns.h"
#include "policies/pii/scanner.h"
#include "policies/pii/scanner_digits.h"

namespace tollgate::policies::pii {

struct PatternRoute {
  enum class Kind : std::uint8_t { builtin, regex, word };
  EntityId entity = 0;
  Kind kind = Kind::builtin;
  const BuiltinPattern* pattern = nullptr;  // builtin: its probes read the match
  std::uint32_t length = 0;      // word: its length in bytes (the match's start is end - length)
  std::size_t custom_index = 0;  // regex, word: its place in ScannerSpec::custom
};

struct Scanner::Impl {
  hs_database_t* database = nullptr;  // null when nothing is enabled
  hs_scratch_t* prototype = nullptr;
  std::uint64_t serial = 0;          // unique per build: which database a thread's scratch serves
  std::vector<PatternRoute> routes;  // by Vectorscan pattern id: built-in, regex, word
  unsigned regex_begin = 0;          // the custom patterns' ids: [regex_begin, regex_end)
  unsigned regex_end = 0;
  std::vector<EntityInfo> entities;  // by EntityId
  DigitTriggers digit_triggers = 0;  // the digit patterns with an enabled probe
  std::array<std::vector<Probe>, kDigitTriggerCount> digit_probes;  // enabled ones, by trigger

  Impl() = default;
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;
  ~Impl() {
    hs_free_scratch(prototype);
    hs_free_database(database);
  }
};

// scanner_build.cpp: validates the spec and compiles the database.
std::unique_ptr<Scanner::Impl> compile_scanner(const ScannerSpec& spec);

}  // namespace tollgate::policies::pii
