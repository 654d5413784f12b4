// Azure OpenAI: addressing, error bodies filled out to OpenAI's
// shape, and content-filter answers classified.
#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include "routing/providers/azure/azure_provider.h"
#include "routing/providers/common/openai_dialect.h"

using namespace tollgate;
namespace providers = routing::providers;
namespace json = boost::json;

TEST_CASE("Azure paths name the deployment and the api-version", "[azure]") {
  REQUIRE(
      providers::azure_target("", core::Operation::chat_completions, "gpt4o-prod", "2024-10-21") ==
      "/openai/deployments/gpt4o-prod/chat/completions?api-version=2024-10-21");
  REQUIRE(providers::azure_target("/base", core::Operation::completions, "d", "v") ==
          "/base/openai/deployments/d/completions?api-version=v");
  REQUIRE(providers::azure_target("", core::Operation::embeddings, "my emb", "2024-02-01") ==
          "/openai/deployments/my%20emb/embeddings?api-version=2024-02-01");
  REQUIRE(providers::azure_target("", core::Operation::passthrough, "d", "v").empty());
  REQUIRE(providers::azure_target("", core::Operation::models, "d", "v").empty());
}

TEST_CASE("Azure's terse errors are filled out to OpenAI's shape", "[azure]") {
  json::value e = json::parse(providers::normalize_azure_error(
                                  401, R"({"error":{"code":"401","message":"Access denied"}})"))
                      .at("error");
  REQUIRE(
      e ==
      json::parse(
          R"({"code":"401","message":"Access denied","type":"invalid_request_error","param":null})"));
  json::value filtered =
      json::parse(
          providers::normalize_azure_error(
              400,
              R"({"error":{"message":"filtered","type":null,"param":"prompt","code":"content_filter","status":400,"innererror":{"code":"ResponsibleAIPolicyViolation"}}})"))
          .at("error");
  REQUIRE(filtered.at("type") == "invalid_request_error");
  REQUIRE(filtered.at("param") == "prompt");
  REQUIRE(filtered.at("innererror").at("code") == "ResponsibleAIPolicyViolation");
  json::value numeric =
      json::parse(providers::normalize_azure_error(429, R"({"error":{"code":429}})")).at("error");
  REQUIRE(numeric.at("code") == "429");
  REQUIRE(numeric.at("type") == "requests");
  REQUIRE(numeric.at("message").is_string());
  REQUIRE(providers::normalize_azure_error(502, "<html/>") == "<html/>");
}

TEST_CASE("Azure content filtering is the content_filter class", "[azure]") {
  REQUIRE(providers::classify_openai_error(
              400, R"({"error":{"code":"content_filter","message":"filtered"}})") ==
          core::FailureClass::content_filter);
  REQUIRE(providers::classify_openai_error(429, "{}") == core::FailureClass::rate_limit);
  REQUIRE(providers::has_content_filter_finish(
      R"({"choices":[{"index":0,"finish_reason": "content_filter"}]})"));
  REQUIRE_FALSE(providers::has_content_filter_finish(
      R"({"choices":[{"index":0,"finish_reason":"stop"}],"note":"content_filter"})"));
}
