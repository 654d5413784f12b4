// The access and audit lines the observe stage writes are JSON a strict consumer takes,
// whatever bytes the client put in its request line.
#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include "gateway/core/exchange.h"
#include "gateway/core/utf8.h"
#include "observability/observe_stage.h"

using namespace tollgate;

namespace {
bool all_valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    std::size_t n = core::utf8_sequence_length(s, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}
}  // namespace

TEST_CASE("a path that is not UTF-8 is written as U+FFFD in the access and audit lines") {
  core::Exchange exchange;
  exchange.method = "GET";
  exchange.path = "/v1/\xff\xfe";
  std::string access = "{" + observability::access_fields(exchange) + "}";
  std::string audit = observability::audit_record(exchange, false);
  for (const std::string& line : {access, audit}) {
    INFO(line);
    REQUIRE(all_valid_utf8(line));
    REQUIRE(boost::json::parse(line).at("path") == "/v1/\xEF\xBF\xBD\xEF\xBF\xBD");
  }
}
