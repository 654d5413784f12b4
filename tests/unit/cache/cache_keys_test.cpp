// The cache's keys and controls: canonical JSON (key order, whitespace and 1 vs 1.0 do
// not count; what shapes the answer does), the scope in every key (never the raw key),
// what is never cached, numbers, and the request headers with their 400s.
#include <catch2/catch.hpp>

#include "cache/request_controls.h"
#include "cache/request_key.h"
#include "gateway/config/config_loader.h"

using namespace tollgate;
using namespace tollgate::cache;

namespace {

core::Exchange exchange_for(const std::string& body, const std::string& key_id = "k1",
                            const std::string& team = "red") {
  core::Exchange ex;
  ex.operation = core::Operation::chat_completions;
  ex.body = body;
  REQUIRE(core::parse_request_json(ex.body, ex.json).ok);
  auto p = std::make_shared<core::Principal>();
  p->key_id = key_id;
  p->team = team;
  ex.principal = p;
  return ex;
}

CacheSettings semantic_settings() {
  CacheSettings settings;
  settings.semantic.emplace();
  return settings;
}

RequestKeys keys_of(const std::string& body, const CacheSettings& settings = semantic_settings(),
                    const std::string& key_id = "k1", const std::string& team = "red") {
  auto ex = exchange_for(body, key_id, team);
  RequestKeys keys;
  REQUIRE_FALSE(request_keys(settings, ex, keys));
  return keys;
}

}  // namespace

TEST_CASE("the exact key ignores key order and whitespace, not content", "[cache]") {
  auto a = keys_of(R"({"model":"m","messages":[{"role":"user","content":"hi"}],"temperature":1})");
  auto b = keys_of(
      R"({ "temperature" : 1.0, "messages":[ {"content":"hi", "role":"user"} ], "model":"m"})");
  CHECK(a.exact == b.exact);
  CHECK(a.exact.size() == 64);
  auto streamed =
      keys_of(R"({"model":"m","stream":true,"stream_options":{"include_usage":true},"user":"x",)"
              R"("messages":[{"role":"user","content":"hi"}],"temperature":1})");
  CHECK(streamed.exact == a.exact);  // stream, stream_options and user do not shape it
  CHECK(streamed.include_usage);
  auto other = keys_of(R"({"model":"m","messages":[{"role":"user","content":"hi"}],"seed":3})");
  CHECK(other.exact != a.exact);
  auto model =
      keys_of(R"({"model":"n","messages":[{"role":"user","content":"hi"}],"temperature":1})");
  CHECK(model.exact != a.exact);
}

TEST_CASE("the scope is part of every key, and never the raw API key", "[cache]") {
  const std::string body = R"({"model":"m","messages":[{"role":"user","content":"hi"}]})";
  CacheSettings by_key = semantic_settings();
  CacheSettings by_team = semantic_settings();
  by_team.scope = Scope::team;
  CHECK(keys_of(body, by_key, "k1").exact != keys_of(body, by_key, "k2").exact);
  CHECK(keys_of(body, by_key, "k1").context != keys_of(body, by_key, "k2").context);
  CHECK(keys_of(body, by_team, "k1", "red").exact == keys_of(body, by_team, "k2", "red").exact);
  CHECK(keys_of(body, by_team, "k1", "red").exact != keys_of(body, by_team, "k1", "blue").exact);
  CHECK(keys_of(body, by_team, "k1", "red").scope_tag == "team:red");
  // A caller without a team is kept under its key, never widened to everyone.
  CHECK(keys_of(body, by_team, "k9", "").scope_tag == "key:k9");
}

TEST_CASE("the semantic context is everything but the last user message", "[cache]") {
  auto a = keys_of(R"({"model":"m","messages":[{"role":"system","content":"be brief"},)"
                   R"({"role":"user","content":"What is 15% of 80?"}]})");
  auto b = keys_of(R"({"model":"m","messages":[{"role":"system","content":"be brief"},)"
                   R"({"role":"user","content":"what's 15 percent of 80"}]})");
  auto c = keys_of(R"({"model":"m","messages":[{"role":"system","content":"be long"},)"
                   R"({"role":"user","content":"What is 15% of 80?"}]})");
  // Other numbers, another context: never compared, so a template with an order number
  // in it does not put every request in one index that each lookup scans whole.
  auto d = keys_of(R"({"model":"m","messages":[{"role":"system","content":"be brief"},)"
                   R"({"role":"user","content":"What is 15% of 90?"}]})");
  CHECK(a.context == b.context);
  CHECK(a.context != c.context);
  CHECK(a.context != d.context);
  CHECK(a.last_user_text == "What is 15% of 80?");
  CHECK(numbers_of(a.last_user_text) == "15|80");
  CHECK(numbers_of("1,000 and 2.5 and 3.") == "1000|2.5|3");
  // The context is cut out of the body's one canonical text: a lone message leaves an
  // empty list, fields after the list stay, and key order still does not count.
  auto lone =
      keys_of(R"({"model":"m","messages":[{"role":"user","content":"What is 15% of 80?"}]})");
  auto lone_other =
      keys_of(R"({"messages":[{"content":"what is 15 % of 80","role":"user"}],"model":"m"})");
  CHECK(lone.context == lone_other.context);
  CHECK(lone.context != a.context);
  auto with_seed =
      keys_of(R"({"model":"m","seed":7,"messages":[{"role":"system","content":"be brief"},)"
              R"({"role":"user","content":"What is 15% of 80?"}],"top_p":0.5})");
  auto with_seed_reworded =
      keys_of(R"({"top_p":0.5,"messages":[{"role":"system","content":"be brief"},)"
              R"({"role":"user","content":"what's 15 percent of 80"}],"model":"m","seed":7})");
  CHECK(with_seed.context == with_seed_reworded.context);
  CHECK(with_seed.context != a.context);
  CHECK(with_seed.exact != with_seed_reworded.exact);
  auto assistant_last = keys_of(R"({"model":"m","messages":[{"role":"assistant","content":"x"}]})");
  CHECK(assistant_last.context.empty());
  // Without `semantic` no context is made (a second canonical form and hash per request).
  auto exact_only =
      keys_of(R"({"model":"m","messages":[{"role":"user","content":"hi"}]})", CacheSettings{});
  CHECK(exact_only.context.empty());
  CHECK(exact_only.exact.size() == 64);
}

TEST_CASE("tools, high temperatures, n > 1 and other operations are never cached", "[cache]") {
  CacheSettings settings;
  RequestKeys keys;
  auto tools = exchange_for(
      R"({"model":"m","messages":[{"role":"user","content":"x"}],"tools":[{"type":"function","function":{"name":"f"}}]})");
  CHECK(request_keys(settings, tools, keys) == std::optional<std::string_view>("tools"));
  auto hot =
      exchange_for(R"({"model":"m","messages":[{"role":"user","content":"x"}],"temperature":1.5})");
  CHECK(request_keys(settings, hot, keys) == std::optional<std::string_view>("temperature"));
  auto many = exchange_for(R"({"model":"m","messages":[{"role":"user","content":"x"}],"n":2})");
  CHECK(request_keys(settings, many, keys) == std::optional<std::string_view>("n"));
  auto embeddings = exchange_for(R"({"model":"m","input":"x"})");
  embeddings.operation = core::Operation::embeddings;
  CHECK(request_keys(settings, embeddings, keys));
  settings.skip_tools = false;
  CHECK_FALSE(request_keys(settings, tools, keys));
}

TEST_CASE("request headers steer the cache; bad values are refused", "[cache]") {
  auto read = [](std::initializer_list<std::pair<const char*, const char*>> fields) {
    core::Headers h;
    for (auto [name, value] : fields) h.add(name, value);
    Controls c;
    auto error = read_controls(h, c);
    return std::make_pair(c, error);
  };
  auto [plain, ok] = read({});
  CHECK((plain.lookup && plain.store && !ok));
  CHECK_FALSE(read({{"cache-control", "max-age=0, No-Cache"}}).first.lookup);
  CHECK_FALSE(read({{"cache-control", "no-store"}}).first.store);
  auto bypass = read({{"x-tollgate-cache", "bypass"}}).first;
  CHECK((!bypass.lookup && !bypass.store));
  auto refresh = read({{"x-tollgate-cache", "refresh"}}).first;
  CHECK((!refresh.lookup && refresh.store));
  CHECK(read({{"x-tollgate-cache-ttl", "30"}}).first.ttl == std::chrono::seconds(30));
  CHECK(read({{"x-tollgate-cache-threshold", "0.97"}}).first.threshold == Approx(0.97));
  // Every line of a field counts, as a list would.
  CHECK_FALSE(read({{"cache-control", "max-age=0"}, {"cache-control", "no-store"}}).first.store);
  auto both = read({{"x-tollgate-cache", "refresh"}, {"x-tollgate-cache", "bypass"}}).first;
  CHECK((!both.lookup && !both.store));
  CHECK(read({{"x-tollgate-cache-ttl", "5"}, {"x-tollgate-cache-ttl", "soon"}}).second);
  CHECK(read({{"x-tollgate-cache-ttl", "5"}, {"x-tollgate-cache-ttl", "5"}}).second);
  CHECK(
      read({{"x-tollgate-cache-threshold", "0.95"}, {"x-tollgate-cache-threshold", "0.5"}}).second);
  CHECK(read({{"x-tollgate-cache", "refresh, sometimes"}}).second);
  CHECK(read({{"x-tollgate-cache", ""}}).second);
  for (auto [name, value] :
       {std::pair{"x-tollgate-cache", "maybe"}, std::pair{"x-tollgate-cache-ttl", "0"},
        std::pair{"x-tollgate-cache-ttl", "1h"}, std::pair{"x-tollgate-cache-ttl", "-5"},
        std::pair{"x-tollgate-cache-threshold", "1.2"},
        std::pair{"x-tollgate-cache-threshold", "high"}}) {
    CAPTURE(name, value);
    CHECK(read({{name, value}}).second);
  }
}
