// Responses addressed by id: their paths, the ids read from answers, the stored routes.
#include <catch2/catch.hpp>

#include "gateway/pipeline/response_routes.h"

using namespace tollgate::gateway::pipeline;

TEST_CASE("response item paths and their methods") {
  auto item = response_item_path("/v1/responses/resp_1");
  REQUIRE(item);
  REQUIRE(item->id == "resp_1");
  REQUIRE(response_item_method_allowed(*item, "GET"));
  REQUIRE(response_item_method_allowed(*item, "DELETE"));
  REQUIRE(!response_item_method_allowed(*item, "POST"));
  auto cancel = response_item_path("/v1/responses/resp_1/cancel");
  REQUIRE((cancel && response_item_method_allowed(*cancel, "POST")));
  REQUIRE(!response_item_method_allowed(*cancel, "GET"));
  auto items = response_item_path("/v1/responses/resp_1/input_items");
  REQUIRE((items && response_item_method_allowed(*items, "GET")));
  REQUIRE(!response_item_path("/v1/responses/"));
  REQUIRE(!response_item_path("/v1/responses"));
  REQUIRE(!response_item_path("/v1/responses/resp_1/other"));
}

TEST_CASE("ids come from a whole Response or a response.* event, and only valid ones") {
  REQUIRE(response_id_in(R"({"id":"resp_abc-1","object":"response"})", false) == "resp_abc-1");
  REQUIRE(response_id_in(R"({"type":"response.created","response":{"id":"resp_x"}})", true) ==
          "resp_x");
  REQUIRE(!response_id_in(R"({"id":"resp/../x"})", false));
  REQUIRE(!response_id_in(R"({"id":")" + std::string(kMaxResponseIdBytes + 1, 'a') + "\"}", false));
  REQUIRE(!response_id_in("not json", false));
  REQUIRE(!response_id_in(R"({"type":"response.output_text.delta","delta":"x"})", true));
}

TEST_CASE("a route survives encoding; a damaged one is refused") {
  ResponseRoute route{"openai-eu", "gpt-4o", "smart", "app"};
  auto back = ResponseRoute::decode(route.encode());
  REQUIRE(back);
  REQUIRE(back->provider == "openai-eu");
  REQUIRE(back->target_model == "gpt-4o");
  REQUIRE(back->model == "smart");
  REQUIRE(back->owner == "app");
  REQUIRE(ResponseRoute::decode(ResponseRoute{"p", "m", "", ""}.encode())->owner.empty());
  REQUIRE(!ResponseRoute::decode("-"));
  REQUIRE(
      !ResponseRoute::decode("a\x1f"
                             "b"));
  REQUIRE(
      !ResponseRoute::decode("a\x1f"
                             "b\x1f"
                             "c\x1f"
                             "d\x1f"
                             "e"));
}
