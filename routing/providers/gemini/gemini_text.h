// Small helpers shared by the Gemini translation files (internal to gemini/): the dialect's
// name for refusals, the tool call id's signature marker, case conversion.
#pragma once

#include <cctype>
#include <string>
#include <string_view>

#include "routing/providers/common/openai_request_fields.h"

namespace tollgate::routing::providers::gemini {

// Refusals say "not supported by the Gemini provider"; a message's `name` has no
// equivalent and is refused (docs/providers.md, Gemini).
inline constexpr openai_request::Dialect kGemini{"Gemini", false};

// A tool call id may carry Gemini's thoughtSignature after this marker, so that the next
// turn can hand it back (Gemini 3 refuses function-calling turns without it).
inline constexpr std::string_view kSignatureMarker = ".ts.";

inline std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

inline std::string upper(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace tollgate::routing::providers::gemini
