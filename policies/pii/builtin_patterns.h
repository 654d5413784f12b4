// The built-in entities' Vectorscan patterns, each with the extractor that turns a match
// into a validated span. One entity may have several patterns (its written forms).
#pragma once

#include <span>

#include "policies/pii/entity.h"
#include "policies/pii/extractors.h"

namespace tollgate::policies::pii {

struct BuiltinPattern {
  Builtin entity;
  const char* expression;  // Vectorscan syntax, compiled without flags
  Extractor extract;
};

std::span<const BuiltinPattern> builtin_patterns();

}  // namespace tollgate::policies::pii
