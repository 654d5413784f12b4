// Shared by the Gemini translation tests (gemini_*_test.cpp): a request translated or
// refused, and the answer context the answer and stream tests use.
#pragma once

#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include "routing/providers/gemini/gemini_translate.h"

namespace gemini_test {

namespace gemini = tollgate::routing::providers::gemini;

inline boost::json::value translated(std::string_view openai) {
  gemini::TranslatedRequest t = gemini::translate_request(openai);
  INFO(t.param << ": " << t.message);
  REQUIRE(t.ok);
  return boost::json::parse(t.body);
}

inline gemini::TranslatedRequest refused(std::string_view openai) {
  gemini::TranslatedRequest t = gemini::translate_request(openai);
  REQUIRE_FALSE(t.ok);
  return t;
}

inline gemini::AnswerContext context() {
  gemini::AnswerContext c;
  c.id = "chatcmpl-1";
  c.model = "gemini-2.5-flash";
  c.created = 1700000000;
  return c;
}

}  // namespace gemini_test
