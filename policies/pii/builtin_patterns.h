// The built-in entities' Vectorscan patterns, each with the extractors that turn a match
// into validated spans. A pattern may serve several entities (one trigger for every long
// number: card, ssn, phone), and an entity may have several patterns.
#pragma once

#include <span>

#include "policies/pii/entity.h"
#include "policies/pii/extractors.h"

namespace tollgate::policies::pii {

// One entity's reading of a match.
struct Probe {
  Builtin entity;
  Extractor extract;
};

struct BuiltinPattern {
  const char* expression;         // Vectorscan syntax, compiled without flags
  std::span<const Probe> probes;  // tried in turn when the pattern matches, if enabled
};

std::span<const BuiltinPattern> builtin_patterns();

}  // namespace tollgate::policies::pii
