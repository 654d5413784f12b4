// Placeholders restored in streamed answers: split across two or three events at every
// byte, a placeholder comes out whole; only what may still be one is held back.
#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include "gateway/core/response.h"
#include "policies/pii/answer_chunks.h"
#include "policies/pii/placeholders.h"
#include "policies/pii/pseudonyms.h"

using namespace tollgate::policies::pii;
namespace json = boost::json;

namespace {

// A fresh map each time (Pseudonyms cannot be copied, on purpose).
void fill(Pseudonyms& map) {
  map.placeholder("EMAIL", "ann@example.com");
  map.placeholder("PHONE", "+44 20 7946 0958");
  map.placeholder("EMAIL", "bob@example.org");
  map.placeholder("EMPLOYEE_ID", "EMP-123456");
}

constexpr std::string_view kAnswer =
    "Write to [EMAIL_1] or [EMAIL_2], call [PHONE_1]; ask [EMPLOYEE_ID_1] (not [EMAIL_9], "
    "not [lower_1], not [5]).";
constexpr std::string_view kRestored =
    "Write to ann@example.com or bob@example.org, call +44 20 7946 0958; ask EMP-123456 (not "
    "[EMAIL_9], not [lower_1], not [5]).";

std::string stream_through(const std::vector<std::string_view>& pieces, const Pseudonyms& map) {
  StreamRestorer restorer;
  std::string out;
  for (auto piece : pieces) restorer.feed(piece, map, out);
  restorer.flush(out);
  return out;
}

}  // namespace

TEST_CASE("only what may still be a placeholder is held back", "[pii]") {
  Pseudonyms map;
  fill(map);
  StreamRestorer restorer;
  std::string out;
  restorer.feed("prices [5] and [lower] and [EMA", map, out);
  CHECK(out == "prices [5] and [lower] and ");
  CHECK(restorer.holds());
  restorer.feed("IL_1] done", map, out);
  CHECK(out == "prices [5] and [lower] and ann@example.com done");
  CHECK_FALSE(restorer.holds());
  // Never more than a placeholder's length: a long run of capitals is released.
  restorer.feed("[" + std::string(kMaxPlaceholderBytes, 'A'), map, out);
  CHECK_FALSE(restorer.holds());
}

TEST_CASE("a placeholder split across two events at every byte comes out whole", "[pii]") {
  Pseudonyms map;
  fill(map);
  for (std::size_t cut = 0; cut <= kAnswer.size(); ++cut) {
    INFO("cut at " << cut);
    CHECK(stream_through({kAnswer.substr(0, cut), kAnswer.substr(cut)}, map) == kRestored);
  }
}

TEST_CASE("and across three events, at every pair of cuts", "[pii]") {
  Pseudonyms map;
  fill(map);
  for (std::size_t a = 0; a <= kAnswer.size(); ++a) {
    for (std::size_t b = a; b <= kAnswer.size(); ++b) {
      std::string got =
          stream_through({kAnswer.substr(0, a), kAnswer.substr(a, b - a), kAnswer.substr(b)}, map);
      if (got != kRestored) FAIL("cuts at " << a << " and " << b << ": " << got);
    }
  }
}

namespace {

std::string chat_chunk(std::string_view content, bool finish) {
  json::object delta{{"content", content}};
  json::object chunk{
      {"id", "chatcmpl-1"}, {"object", "chat.completion.chunk"}, {"created", 1}, {"model", "m"}};
  chunk["choices"] = json::array{json::object{
      {"index", 0}, {"delta", delta}, {"finish_reason", finish ? json::value("stop") : nullptr}}};
  return json::serialize(chunk);
}

std::string contents(const std::vector<std::string>& chunks) {
  std::string out;
  for (const auto& data : chunks) {
    json::value doc = json::parse(data);
    const json::value& content = doc.at("choices").at(0).at("delta").at("content");
    if (content.is_string()) out += std::string(content.get_string());
  }
  return out;
}

}  // namespace

TEST_CASE("stream chunks: split at every byte, restored, released when the choice ends", "[pii]") {
  Pseudonyms map;
  fill(map);
  for (std::size_t cut = 0; cut <= kAnswer.size(); ++cut) {
    AnswerChunks restorer(nullptr, &map, false);
    std::vector<std::string> chunks{
        chat_chunk(kAnswer.substr(0, cut), false), chat_chunk(kAnswer.substr(cut, 3), false),
        chat_chunk(kAnswer.substr(std::min(kAnswer.size(), cut + 3)), false), chat_chunk("", true)};
    if (cut + 3 > kAnswer.size()) chunks[1] = chat_chunk(kAnswer.substr(cut), false);
    if (cut + 3 > kAnswer.size()) chunks[2] = chat_chunk("", false);
    for (auto& data : chunks) restorer.on_chunk(data, nullptr);
    std::vector<std::string> tail;
    restorer.flush(tail, nullptr);
    CHECK(tail.empty());
    INFO("cut at " << cut);
    CHECK(contents(chunks) == kRestored);
  }
}

TEST_CASE("a stream cut short releases what it held as a chunk of its own", "[pii]") {
  Pseudonyms map;
  fill(map);
  AnswerChunks restorer(nullptr, &map, false);
  std::string data = chat_chunk("ends with [EMAIL_", false);
  restorer.on_chunk(data, nullptr);
  CHECK(contents({data}) == "ends with ");
  std::vector<std::string> tail;
  restorer.flush(tail, nullptr);
  REQUIRE(tail.size() == 1);
  CHECK(contents(tail) == "[EMAIL_");
  json::value doc = json::parse(tail[0]);
  CHECK(doc.at("id") == "chatcmpl-1");
  CHECK(doc.at("object") == "chat.completion.chunk");
}

TEST_CASE("tool call arguments are restored per call", "[pii]") {
  Pseudonyms map;
  fill(map);
  AnswerChunks restorer(nullptr, &map, false);
  auto call_chunk = [](std::string_view arguments) {
    json::object chunk{
        {"id", "c"}, {"object", "chat.completion.chunk"}, {"created", 1}, {"model", "m"}};
    chunk["choices"] = json::array{json::object{
        {"index", 0},
        {"delta",
         json::object{{"tool_calls",
                       json::array{json::object{
                           {"index", 0}, {"function", json::object{{"arguments", arguments}}}}}}}},
        {"finish_reason", nullptr}}};
    return json::serialize(chunk);
  };
  std::string first = call_chunk(R"({"to":"[EMAI)");
  std::string second = call_chunk(R"(L_1]"})");
  restorer.on_chunk(first, nullptr);
  restorer.on_chunk(second, nullptr);
  auto arguments = [](const std::string& data) {
    return std::string(json::parse(data)
                           .at("choices")
                           .at(0)
                           .at("delta")
                           .at("tool_calls")
                           .at(0)
                           .at("function")
                           .at("arguments")
                           .get_string());
  };
  CHECK(arguments(first) + arguments(second) == R"({"to":"ann@example.com"})");
}

TEST_CASE("what a text holds is released before the next block or tool call", "[pii]") {
  Pseudonyms map;
  fill(map);
  AnswerChunks restorer(nullptr, &map, false);
  auto with_delta = [](json::object delta) {
    json::object chunk{{"id", "c"}, {"object", "chat.completion.chunk"}, {"created", 1}};
    chunk["choices"] = json::array{
        json::object{{"index", 0}, {"delta", std::move(delta)}, {"finish_reason", nullptr}}};
    return json::serialize(chunk);
  };
  auto delta_of = [](const std::string& data) {
    return json::parse(data).at("choices").at(0).at("delta").as_object();
  };
  std::string text = chat_chunk("held [EMAIL_", false);
  restorer.on_chunk(text, nullptr);
  CHECK(contents({text}) == "held ");
  // An Anthropic client's next block opens: the text held goes out before it.
  std::string block = with_delta(json::object{
      {std::string(tollgate::core::kDialectMember), json::object{{"start", json::object{}}}}});
  restorer.on_chunk(block, nullptr);
  CHECK(delta_of(block).at("content") == "[EMAIL_");
  // A second call's head releases what the first one's arguments held, ahead of it.
  auto call = [](std::int64_t index, std::string_view arguments) {
    return json::object{{"index", index}, {"function", json::object{{"arguments", arguments}}}};
  };
  std::string first =
      with_delta(json::object{{"tool_calls", json::array{call(0, "{\"a\":\"[EM")}}});
  restorer.on_chunk(first, nullptr);
  std::string second = with_delta(json::object{{"tool_calls", json::array{call(1, "{}")}}});
  restorer.on_chunk(second, nullptr);
  json::object delta = delta_of(second);
  const json::array& calls = delta.at("tool_calls").as_array();
  REQUIRE(calls.size() == 2);
  CHECK(calls[0].at("index") == 0);
  CHECK(calls[0].at("function").at("arguments") == "[EM");
  CHECK(calls[1].at("index") == 1);
}
