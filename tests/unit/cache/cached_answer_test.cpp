// A stored answer and how it is given again: whole or event by event, with a fresh id
// and `created` written in front of what was stored (never parsed again on a hit), the
// provider's usage kept in a whole answer and made afresh as a stream's last chunk, and
// the Redis form read back only when this version wrote it.
#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include "cache/cached_answer.h"

using namespace tollgate::cache;
namespace json = boost::json;

namespace {

const std::string kWhole =
    R"({"id":"chatcmpl-provider","object":"chat.completion","created":1700000000,)"
    R"("model":"gpt-test","choices":[{"index":0,"message":{"role":"assistant",)"
    R"("content":"Paris."},"finish_reason":"stop"}],)"
    R"("usage":{"prompt_tokens":9,"completion_tokens":2,"total_tokens":11}})";

std::string event(const std::string& delta, const std::string& finish = "null") {
  return R"({"id":"chatcmpl-provider","object":"chat.completion.chunk","created":1700000000,)"
         R"("model":"gpt-test","choices":[{"index":0,"delta":)" +
         delta + R"(,"finish_reason":)" + finish + "}]}";
}

}  // namespace

TEST_CASE("a whole answer is given again with a fresh id and created, the rest as it came",
          "[cache]") {
  auto a = answer_from_body(kWhole, false);
  REQUIRE(a);
  CHECK(a->body.find("chatcmpl-provider") == std::string::npos);  // stored ready to give
  auto first = render_whole(*a);
  auto second = render_whole(*a);
  json::object o = json::parse(first.body).as_object();
  CHECK(o.size() == json::parse(kWhole).as_object().size());  // one id, one created
  CHECK(o.at("id").as_string().starts_with("chatcmpl-"));
  CHECK(o.at("id").as_string() != "chatcmpl-provider");
  CHECK(o.at("created").as_int64() > 1700000000);
  CHECK(o.at("choices").at(0).at("message").at("content").as_string() == "Paris.");
  CHECK(o.at("usage").at("total_tokens").as_int64() == 11);
  CHECK(json::parse(second.body).at("id") != o.at("id"));
  // The provider's order after them: "object" next, "usage" last.
  CHECK(first.body.find(R"(,"object":"chat.completion","model")") != std::string::npos);
  CHECK(first.body.ends_with(R"("total_tokens":11}})"));
}

TEST_CASE("a stream is replayed event by event under one fresh id, usage only when asked",
          "[cache]") {
  std::vector<std::string> events = {
      event(R"({"role":"assistant","content":""})"), event(R"({"content":"Par"})"),
      event(R"({"content":"is."})", R"("stop")"),
      R"({"id":"x","object":"chat.completion.chunk","created":1,"model":"gpt-test",)"
      R"("choices":[],"usage":{"prompt_tokens":9,"completion_tokens":2,"total_tokens":11}})"};
  auto a = answer_from_events(events, false);
  REQUIRE(a);
  CHECK(a->events.size() == 3);  // the usage-only chunk is made afresh
  CHECK(a->text == "Paris.");
  a->prompt_tokens = 9;
  a->completion_tokens = 2;
  auto plain = render_stream(*a, false);
  REQUIRE(plain.events.size() == 3);
  std::string id;
  for (const auto& e : plain.events) {
    json::object o = json::parse(e.data).as_object();
    CHECK(o.size() == 5);
    CHECK_FALSE(o.contains("usage"));
    if (id.empty()) id = std::string(o.at("id").as_string());
    CHECK(o.at("id").as_string() == id);
  }
  CHECK(id != "chatcmpl-provider");
  auto with_usage = render_stream(*a, true);
  REQUIRE(with_usage.events.size() == 4);
  CHECK(json::parse(with_usage.events.back().data).at("usage").at("total_tokens").as_int64() == 11);
  // A plain request from the streamed entry.
  auto whole = json::parse(render_whole(*a).body);
  CHECK(whole.at("choices").at(0).at("message").at("content").as_string() == "Paris.");
}

TEST_CASE("the Redis form is read back only when this version wrote it", "[cache]") {
  auto a = answer_from_body(kWhole, false);
  REQUIRE(a);
  a->served_by = "gpt-test";
  auto back = deserialize(serialize(*a));
  REQUIRE(back);
  CHECK(back->body == a->body);
  CHECK(back->served_by == "gpt-test");
  // An entry an earlier version wrote (its body still holds the provider's id): a miss.
  json::object old = json::parse(serialize(*a)).as_object();
  old.erase("n");
  old["b"] = kWhole;
  CHECK_FALSE(deserialize(json::serialize(old)));
  CHECK_FALSE(deserialize("not json"));
}
