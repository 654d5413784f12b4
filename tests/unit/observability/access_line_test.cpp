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

TEST_CASE("the audit line's cost is exact dollars, its times ISO and in milliseconds") {
  core::Exchange exchange;
  exchange.method = "POST";
  exchange.path = "/v1/chat/completions";
  auto cost_of = [&](std::int64_t nusd) {
    exchange.cost_nusd = nusd;
    std::string line = observability::audit_record(exchange, false);
    std::size_t at = line.find(R"("cost_usd":)") + 11;
    return line.substr(at, line.find(',', at) - at);
  };
  CHECK(cost_of(1800) == "0.0000018");
  CHECK(cost_of(0) == "0");
  CHECK(cost_of(2'500'000'000) == "2.5");
  CHECK(cost_of(123'000'000'007) == "123.000000007");
  CHECK(cost_of(-1'000'000'000) == "-1");
  exchange.upstream_time = std::chrono::microseconds(812400);
  std::string line = observability::audit_record(exchange, false);
  CHECK(line.find(R"("upstream_ms":812.400)") != std::string::npos);
  CHECK(line.find(R"("cost_usd":-1,)") != std::string::npos);
  auto time = boost::json::parse(line).at("time").as_string();
  CHECK(time.size() == 24);
  CHECK(time.ends_with("Z"));
}
