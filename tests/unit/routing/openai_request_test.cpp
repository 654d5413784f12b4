// The shared OpenAI request reader (routing/providers/common/openai_request_*): typed
// fields, data URIs, content parts, messages, tools, tool_choice, response_format, and
// that the Anthropic and Gemini translations, both built on it, agree on the same input.
#include <catch2/catch.hpp>

#include <deque>

#include <boost/json.hpp>

#include "routing/providers/anthropic/anthropic_request.h"
#include "routing/providers/common/openai_request_fields.h"
#include "routing/providers/common/openai_request_messages.h"
#include "routing/providers/common/openai_request_tools.h"
#include "routing/providers/gemini/gemini_request.h"

using namespace tollgate::routing::providers::openai_request;
namespace anthropic = tollgate::routing::providers::anthropic;
namespace gemini = tollgate::routing::providers::gemini;
namespace json = boost::json;

namespace {

// The readers return views into the document they read (the translators keep theirs for
// the whole request): a test keeps every document it reads until the program ends.
const json::value& keep(std::string_view text) {
  static std::deque<json::value> documents;
  return documents.emplace_back(json::parse(text));
}

constexpr Dialect kTest{"Test", false};

// The refusal `read` throws, or a failed check when it throws none.
template <class Read>
Refusal refusal_of(Read&& read) {
  try {
    read();
  } catch (Refusal& r) {
    return r;
  }
  FAIL("no refusal");
  return {};
}

}  // namespace

TEST_CASE("an integer is what JSON Schema counts one: 5 and 5.0, not 5.5", "[openai_request]") {
  CHECK(need_integer(json::parse("5"), "n") == 5);
  CHECK(need_integer(json::parse("5.0"), "n") == 5);
  CHECK(need_integer(json::parse("-3"), "n") == -3);
  for (std::string_view bad : {"5.5", "\"5\"", "1e300", "18446744073709551615", "true"}) {
    INFO(bad);
    Refusal r = refusal_of([&] { need_integer(json::parse(bad), "max_tokens"); });
    CHECK(r.param == "max_tokens");
    CHECK(r.message == "`max_tokens` must be an integer");
  }
  Refusal low = refusal_of([] { need_integer_at_least(json::parse("0"), "n", 1); });
  CHECK(low.message == "`n` must be at least 1");
}

TEST_CASE("both translators agree on max_tokens 5.0, 5.5 and 0", "[openai_request]") {
  auto body = [](std::string_view value) {
    return std::string(R"({"messages":[{"role":"user","content":"x"}],"max_tokens":)") +
           std::string(value) + "}";
  };
  auto a = anthropic::translate_request(body("5.0"), "claude");
  auto g = gemini::translate_request(body("5.0"));
  REQUIRE(a.ok);
  REQUIRE(g.ok);
  CHECK(json::parse(a.body).at("max_tokens") == 5);
  CHECK(json::parse(g.body).at("generationConfig").at("maxOutputTokens") == 5);
  for (std::string_view bad : {"5.5", "0", "\"5\""}) {
    INFO(bad);
    a = anthropic::translate_request(body(bad), "claude");
    g = gemini::translate_request(body(bad));
    REQUIRE_FALSE(a.ok);
    REQUIRE_FALSE(g.ok);
    CHECK(a.param == "max_tokens");
    CHECK(g.param == "max_tokens");
    CHECK(a.message == g.message);
  }
  // max_completion_tokens, the newer name, wins in both, whatever the order.
  std::string both = R"({"max_completion_tokens":7,"max_tokens":9,
    "messages":[{"role":"user","content":"x"}]})";
  CHECK(json::parse(anthropic::translate_request(both, "c").body).at("max_tokens") == 7);
  CHECK(json::parse(gemini::translate_request(both).body)
            .at("generationConfig")
            .at("maxOutputTokens") == 7);
}

TEST_CASE("a refusal is a 400 invalid_request_error naming the field", "[openai_request]") {
  auto response = refusal_response("messages[0].role", "unknown role 'wizard'");
  CHECK(response.status == 400);
  CHECK(response.headers.get("content-type") == "application/json");
  json::value error = json::parse(response.body).at("error");
  CHECK(error.at("param") == "messages[0].role");
  CHECK(error.at("type") == "invalid_request_error");
  CHECK(error.at("message") == "unknown role 'wizard'");
}

TEST_CASE("data URIs: media type without parameters, and the base64 data", "[openai_request]") {
  auto uri = split_data_uri("data:image/PNG;charset=x;base64,AAAA");
  REQUIRE(uri);
  CHECK(uri->media_type == "image/PNG");
  CHECK(uri->data == "AAAA");
  CHECK(split_data_uri("data:;base64,QQ==")->media_type.empty());
  CHECK_FALSE(split_data_uri("data:text/plain,hello"));
  CHECK_FALSE(split_data_uri("https://example.com/a.png"));
  CHECK_FALSE(split_data_uri("data:image/png;base64"));
}

TEST_CASE("content parts are read and checked against what the role takes", "[openai_request]") {
  json::value parts = json::parse(R"([
    {"type":"text","text":"hi"},
    {"type":"image_url","image_url":{"url":"https://x/a.png","detail":"low"}},
    {"type":"input_audio","input_audio":{"data":"AAA","format":"wav"}},
    {"type":"file","file":{"file_data":"data:application/pdf;base64,JVBE","filename":"a.pdf"}}])");
  std::vector<ContentPart> read;
  for_each_part(parts, "messages[0].content", PartsAllowed::user, kTest,
                [&](const ContentPart& p) { read.push_back(p); });
  REQUIRE(read.size() == 4);
  CHECK(read[0].text == "hi");
  CHECK(read[1].url == "https://x/a.png");
  CHECK(read[2].audio_format == "wav");
  CHECK(read[3].file.media_type == "application/pdf");
  CHECK(read[3].filename == "a.pdf");
  CHECK(read[3].param == "messages[0].content[3]");

  auto refused = [](std::string_view item, PartsAllowed allowed) {
    return refusal_of([&] { read_part(keep(item), "c[0]", allowed, kTest); });
  };
  CHECK(refused(R"({"type":"image_url","image_url":{"url":"x"}})", PartsAllowed::text_only).param ==
        "c[0].type");
  CHECK(refused(R"({"type":"refusal","refusal":"no"})", PartsAllowed::user).param == "c[0].type");
  CHECK(refused(R"({"type":"hologram"})", PartsAllowed::user).param == "c[0].type");
  CHECK(refused(R"({"type":"text"})", PartsAllowed::user).param == "c[0].text");
  CHECK(refused(R"({"type":"file","file":{"file_id":"f-1"}})", PartsAllowed::user).param ==
        "c[0].file.file_id");
  CHECK(refused(R"({"type":"file","file":{"file_data":"JVBE"}})", PartsAllowed::user).param ==
        "c[0].file.file_data");
}

TEST_CASE("messages: roles, the keys each takes, content where needed", "[openai_request]") {
  auto read = [](std::string_view message, const Dialect& dialect = kTest) {
    return read_message(keep(message), 2, dialect);
  };
  Message m = read(R"({"role":"developer","content":"be brief"})");
  CHECK(m.role == Role::system);
  CHECK(m.param == "messages[2]");
  CHECK(read(R"({"role":"assistant","content":null,"tool_calls":[]})").content == nullptr);

  auto refused = [&](std::string_view message, const Dialect& dialect = kTest) {
    return refusal_of([&] { read(message, dialect); }).param;
  };
  CHECK(refused(R"({"role":"wizard","content":"x"})") == "messages[2].role");
  CHECK(refused(R"({"role":"function","name":"f","content":"x"})") == "messages[2].role");
  CHECK(refused(R"({"role":"user"})") == "messages[2].content");
  CHECK(refused(R"({"role":"user","content":"x","tool_call_id":"c"})") ==
        "messages[2].tool_call_id");
  CHECK(refused(R"({"role":"user","content":"x","name":"bob"})") == "messages[2].name");
  constexpr Dialect kNamesIgnored{"Test", true};
  CHECK(read(R"({"role":"user","content":"x","name":"bob"})", kNamesIgnored).role == Role::user);
}

TEST_CASE("tool calls: arguments become an object; blank is {}", "[openai_request]") {
  auto call = [](std::string_view item) {
    return read_tool_call(keep(item), "messages[1].tool_calls[0]", kTest);
  };
  ToolCall c = call(R"({"id":"call_1","type":"function",
    "function":{"name":"f","arguments":"{\"a\":1}"}})");
  CHECK(c.id == "call_1");
  CHECK(c.name == "f");
  CHECK(c.arguments == json::parse(R"({"a":1})"));
  CHECK(call(R"({"function":{"name":"f","arguments":"  "}})").arguments == json::object{});
  Refusal r = refusal_of([&] { call(R"({"function":{"name":"f","arguments":"[1]"}})"); });
  CHECK(r.param == "messages[1].tool_calls[0].function.arguments");
}

TEST_CASE("tools, tool_choice and response_format in a neutral form", "[openai_request]") {
  std::vector<FunctionTool> tools;
  for_each_tool(keep(R"([{"type":"function","function":{"name":"f","description":"d",
    "parameters":{"type":"object"},"strict":true}},{"function":{"name":"g"}}])"),
                kTest, [&](const FunctionTool& t) { tools.push_back(t); });
  REQUIRE(tools.size() == 2);
  CHECK(tools[0].description == "d");
  CHECK(tools[0].strict);
  CHECK(tools[1].parameters == nullptr);
  CHECK(refusal_of([] {
          for_each_tool(keep(R"([{"function":{"name":"f","colour":"red"}}])"), kTest,
                        [](const FunctionTool&) {});
        }).param == "tools[0].function.colour");

  using Mode = ToolChoice::Mode;
  CHECK(read_tool_choice(keep(R"("required")"), kTest).mode == Mode::required);
  ToolChoice named =
      read_tool_choice(keep(R"({"type":"function","function":{"name":"f"}})"), kTest);
  CHECK(named.mode == Mode::function);
  CHECK(named.name == "f");
  ToolChoice allowed = read_tool_choice(keep(R"({"type":"allowed_tools","allowed_tools":{
    "mode":"required","tools":[{"type":"function","function":{"name":"a"}}]}})"),
                                        kTest);
  CHECK(allowed.mode == Mode::allowed_required);
  CHECK(allowed.allowed == std::vector<std::string_view>{"a"});
  CHECK(refusal_of([] { read_tool_choice(keep(R"("sometimes")"), kTest); }).param == "tool_choice");

  ResponseFormat format = read_response_format(
      keep(R"({"type":"json_schema","json_schema":{"name":"x","schema":{"type":"object"}}})"));
  CHECK(format.type == ResponseFormat::Type::json_schema);
  REQUIRE(format.schema != nullptr);
  CHECK(refusal_of([] { read_response_format(keep(R"({"type":"yaml"})")); }).param ==
        "response_format.type");
}

TEST_CASE("stop, stream_options and the neutral values", "[openai_request]") {
  CHECK(read_stop(json::parse(R"(["a","","b"])")) == json::parse(R"(["a","b"])"));
  CHECK(read_stop(json::parse(R"("")")).empty());
  CHECK(refusal_of([] { read_stop(json::parse("[1]")); }).param == "stop[0]");
  CHECK(read_include_usage(json::parse(R"({"include_usage":true,"include_obfuscation":false})")));
  CHECK(refusal_of([] { read_include_usage(json::parse(R"({"colour":1})")); }).param ==
        "stream_options.colour");
  CHECK(is_neutral("n", json::parse("1")));
  CHECK_FALSE(is_neutral("n", json::parse("2")));
  CHECK(is_neutral("top_logprobs", json::parse("0")));
  CHECK(is_neutral("service_tier", json::parse(R"("default")")));
  CHECK_FALSE(is_neutral("seed", json::parse("1")));
}
