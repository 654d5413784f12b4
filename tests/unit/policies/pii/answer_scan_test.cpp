// What a model writes, scanned by the pii stage (`direction: response` or `both`): whole
// answers of each shape, and streams split at every byte, where a value comes out acted on
// exactly as in the whole text, a `block` ends the choice with "content_filter", and
// the request's placeholders are still put back.
#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include "policies/pii/answer_body.h"
#include "policies/pii/answer_chunks.h"
#include "policies/pii/answer_scan.h"

using namespace tollgate::policies::pii;
namespace json = boost::json;

namespace {

struct Setup {
  Scanner scanner = Scanner::build(
      {{Builtin::email, Builtin::phone, Builtin::card, Builtin::secret, Builtin::iban}, {}});
  ActionPolicy policy = [this] {
    ActionPolicy request;
    request.by_entity.assign(scanner.entities().size(), Action::none);
    request.by_entity[id_of(Builtin::email)] = Action::pseudonymize;
    request.by_entity[id_of(Builtin::phone)] = Action::mask;
    request.by_entity[id_of(Builtin::secret)] = Action::redact;
    request.by_entity[id_of(Builtin::iban)] = Action::mask;
    request.by_entity[id_of(Builtin::card)] = Action::block;
    return answer_policy(request);
  }();
  FindingCounts counts;
  AnswerScan scan{scanner, policy, counts, {}};
};

Setup& setup() {
  static Setup* made = new Setup();
  return *made;
}

std::string whole(std::string_view text) {
  std::string out;
  if (!act_on_answer_text(text, setup().scan, out).changed) out.assign(text);
  return out;
}

std::string streamed(const std::vector<std::string_view>& pieces) {
  AnswerTextScanner scanner(false);
  std::string out;
  for (auto piece : pieces) scanner.feed(piece, setup().scan, out);
  scanner.flush(setup().scan, out);
  CHECK_FALSE(scanner.holds());
  return out;
}

constexpr std::string_view kText =
    "Mail ann.lee@example.com or call +44 20 7946 0958, key sk-proj-4fG7hJ2kL9mN3pQ8rS5tV1wX "
    "IBAN DE89 3704 0044 0532 0130 00 ok.";
constexpr std::string_view kActed = "Mail [EMAIL] or call [PHONE], key  IBAN [IBAN] ok.";

std::string chat_chunk(std::string_view content, const char* finish) {
  json::object chunk{
      {"id", "chatcmpl-1"}, {"object", "chat.completion.chunk"}, {"created", 1}, {"model", "m"}};
  chunk["choices"] = json::array{
      json::object{{"index", 0},
                   {"delta", json::object{{"content", content}}},
                   {"finish_reason", finish ? json::value(finish) : json::value(nullptr)}}};
  return json::serialize(chunk);
}

std::string contents(const std::vector<std::string>& chunks) {
  std::string out;
  for (const auto& data : chunks) {
    json::value doc = json::parse(data);
    for (const auto& choice : doc.at("choices").as_array()) {
      const json::value* content = choice.at("delta").as_object().if_contains("content");
      if (content && content->is_string()) out += std::string(content->get_string());
    }
  }
  return out;
}

}  // namespace

TEST_CASE("a model's text: pseudonymize masks, other actions as for requests", "[pii]") {
  CHECK(whole(kText) == kActed);
  CHECK(whole("nothing here, version 1.2.3, order 12345") ==
        "nothing here, version 1.2.3, order 12345");
  std::string out;
  AnswerText cut = act_on_answer_text("card 4111 1111 1111 1111 and more text", setup().scan, out);
  CHECK(cut.blocked);
  CHECK(out == "card ");
}

TEST_CASE("a streamed text split at every byte is acted on as the whole text", "[pii]") {
  for (std::size_t cut = 0; cut <= kText.size(); ++cut) {
    INFO("cut at " << cut);
    CHECK(streamed({kText.substr(0, cut), kText.substr(cut)}) == kActed);
  }
  for (std::size_t a = 0; a <= kText.size(); a += 3) {
    for (std::size_t b = a; b <= kText.size(); ++b) {
      std::string got = streamed({kText.substr(0, a), kText.substr(a, b - a), kText.substr(b)});
      if (got != kActed) FAIL("cuts at " << a << " and " << b << ": " << got);
    }
  }
}

TEST_CASE("prose without numbers is held back by its last word only", "[pii]") {
  AnswerTextScanner scanner(false);
  std::string out;
  scanner.feed("The capital of France is Par", setup().scan, out);
  CHECK(out == "The capital of France is ");
  scanner.feed("is. It", setup().scan, out);
  CHECK(out == "The capital of France is Paris. ");
  scanner.feed(" has", setup().scan, out);
  CHECK(out == "The capital of France is Paris. It ");
  // Numbers in groups are held until a word ends them.
  scanner.feed(" 2,100,000 people; call +33 1 ", setup().scan, out);
  CHECK(out == "The capital of France is Paris. It has 2,100,000 people; call ");
  scanner.feed("42 68 53 00 today", setup().scan, out);
  CHECK(out == "The capital of France is Paris. It has 2,100,000 people; call [PHONE] ");
}

TEST_CASE("a block in a stream ends the choice with content_filter; the rest is dropped", "[pii]") {
  AnswerChunks chunks(&setup().scan, nullptr, false);
  std::vector<std::string> events{chat_chunk("Your card is 4111 1111 ", nullptr),
                                  chat_chunk("1111 1111, keep it safe.", nullptr),
                                  chat_chunk(" More.", nullptr), chat_chunk("", "stop")};
  for (auto& event : events) chunks.on_chunk(event, nullptr);
  std::vector<std::string> tail;
  chunks.flush(tail, nullptr);
  CHECK(tail.empty());
  CHECK(contents(events) == "Your card is ");
  json::value second = json::parse(events[1]);
  CHECK(second.at("choices").at(0).at("finish_reason") == "content_filter");
  CHECK(json::parse(events[2]).at("choices").as_array().empty());
  CHECK(json::parse(events[3]).at("choices").as_array().empty());
}

TEST_CASE("a stream: the model's values masked, the request's placeholders put back", "[pii]") {
  Pseudonyms map;
  map.placeholder("EMAIL", "ann@example.com");
  std::string text = "Write to [EMAIL_1], not to bob@example.org.";
  for (std::size_t cut = 0; cut <= text.size(); ++cut) {
    AnswerChunks chunks(&setup().scan, &map, false);
    std::vector<std::string> events{chat_chunk(std::string_view(text).substr(0, cut), nullptr),
                                    chat_chunk(std::string_view(text).substr(cut), nullptr),
                                    chat_chunk("", "stop")};
    std::vector<std::string> audit;
    for (auto& event : events) {
      std::string line;
      chunks.on_chunk(event, &line);
      audit.push_back(line);
    }
    INFO("cut at " << cut);
    CHECK(contents(events) == "Write to ann@example.com, not to [EMAIL].");
    // The audit line keeps what the model wrote, scanned: placeholders, never a value.
    CHECK(contents(audit) == "Write to [EMAIL_1], not to [EMAIL].");
  }
}

TEST_CASE("whole answers of each shape: chat, completion, Responses", "[pii]") {
  std::string chat = R"({"id":"c","object":"chat.completion","choices":[{"index":0,"message":)"
                     R"({"role":"assistant","content":"mail bob@example.org"},)"
                     R"("finish_reason":"stop"}]})";
  REQUIRE(scan_answer_body(chat, setup().scan));
  CHECK(json::parse(chat).at("choices").at(0).at("message").at("content") == "mail [EMAIL]");

  std::string blocked = R"({"id":"c","object":"text_completion","choices":[{"index":0,)"
                        R"("text":"pay with 4111111111111111 now","finish_reason":"stop"}]})";
  REQUIRE(scan_answer_body(blocked, setup().scan));
  json::value b = json::parse(blocked);
  CHECK(b.at("choices").at(0).at("text") == "pay with ");
  CHECK(b.at("choices").at(0).at("finish_reason") == "content_filter");

  std::string responses = R"({"id":"resp_1","object":"response","status":"completed","output":[)"
                          R"({"type":"message","content":[{"type":"output_text",)"
                          R"("text":"call +1 415 555 2671"}]}]})";
  REQUIRE(scan_answer_body(responses, setup().scan));
  CHECK(json::parse(responses).at("output").at(0).at("content").at(0).at("text") == "call [PHONE]");

  std::string clean = R"({"choices":[{"message":{"content":"nothing to see"}}]})";
  CHECK_FALSE(scan_answer_body(clean, setup().scan));
}

TEST_CASE("a placeholder the client wrote is never handed out for a value", "[pii]") {
  Pseudonyms map;
  map.reserve("[EMAIL_1]");
  CHECK(map.placeholder("EMAIL", "ann@example.com") == "[EMAIL_2]");
  CHECK(map.value_of("[EMAIL_1]") == nullptr);
  std::string out;
  CHECK(map.restore("[EMAIL_1] and [EMAIL_2]", out));
  CHECK(out == "[EMAIL_1] and ann@example.com");
}

TEST_CASE("a PEM key and a long token streamed in small deltas", "[pii]") {
  const std::string pem =
      "key: -----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7b3Jq9Xc2hK\nQ8vZ0kL5m\n"
      "-----END RSA PRIVATE KEY-----\nthanks";
  std::string whole_pem = whole(pem);
  REQUIRE(whole_pem != pem);  // the key is redacted
  for (std::size_t step : {1u, 3u, 7u}) {
    AnswerTextScanner scanner(false);
    std::string out;
    for (std::size_t i = 0; i < pem.size(); i += step)
      scanner.feed(std::string_view(pem).substr(i, step), setup().scan, out);
    scanner.flush(setup().scan, out);
    CHECK(out == whole_pem);
  }
  // Past the 4 KiB bound a whitespace-free token is released in steps, bytes unchanged.
  std::string token(20000, 'x');
  AnswerTextScanner scanner(false);
  std::string out;
  for (std::size_t i = 0; i < token.size(); i += 4)
    scanner.feed(std::string_view(token).substr(i, 4), setup().scan, out);
  CHECK(out.size() >= token.size() - 4096 - 1024);
  scanner.flush(setup().scan, out);
  CHECK(out == token);
}
