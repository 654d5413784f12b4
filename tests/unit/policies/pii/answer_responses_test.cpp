// A Responses stream through the pii stage's rewriter: a text cut into two deltas at every
// byte comes out masked and restored exactly as whole, the held end is released as one
// more delta before the `.done` event, and the events that repeat the text whole carry
// the same result.
#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include "policies/pii/answer_responses.h"

using namespace tollgate::policies::pii;
namespace json = boost::json;

namespace {

std::string delta(std::string_view text) {
  return json::serialize(json::object{{"type", "response.output_text.delta"},
                                      {"item_id", "msg_1"},
                                      {"output_index", 0},
                                      {"content_index", 0},
                                      {"delta", text}});
}

std::string done(std::string_view text) {
  return json::serialize(json::object{{"type", "response.output_text.done"},
                                      {"item_id", "msg_1"},
                                      {"output_index", 0},
                                      {"content_index", 0},
                                      {"text", text}});
}

// Runs the events through; returns the client's deltas joined and the done event's text.
std::pair<std::string, std::string> run(ResponsesEvents& rewriter,
                                        std::vector<std::string> events) {
  std::string deltas, whole;
  for (auto& data : events) {
    json::object event = json::parse(data).as_object();
    std::vector<ExtraEvent> before;
    rewriter.on_event(event, data, nullptr, before);
    for (const auto& extra : before) deltas += json::parse(extra.data).at("delta").as_string();
    json::object out = json::parse(data).as_object();
    if (out.at("type") == "response.output_text.delta") deltas += out.at("delta").as_string();
    if (out.at("type") == "response.output_text.done") whole = out.at("text").as_string();
  }
  return {deltas, whole};
}

}  // namespace

TEST_CASE("a Responses text split at every byte: masked, restored, released before done", "[pii]") {
  Scanner scanner = Scanner::build({{Builtin::email}, {}});
  ActionPolicy request;
  request.by_entity.assign(scanner.entities().size(), Action::none);
  request.by_entity[id_of(Builtin::email)] = Action::pseudonymize;
  ActionPolicy policy = answer_policy(request);
  Pseudonyms map;
  map.placeholder("EMAIL", "ann@example.com");
  const std::string text = "Wrote to [EMAIL_1], copied bob@example.org";
  const std::string expected = "Wrote to ann@example.com, copied [EMAIL]";
  for (std::size_t cut = 0; cut <= text.size(); ++cut) {
    FindingCounts counts;
    AnswerScan scan{scanner, policy, counts, {}};
    ResponsesEvents rewriter(&scan, &map, false);
    auto [deltas, whole] =
        run(rewriter, {delta(text.substr(0, cut)), delta(text.substr(cut)), done(text)});
    INFO("cut at " << cut);
    CHECK(deltas == expected);
    CHECK(whole == expected);
    CHECK(counts.size() == 1);  // the repeated whole text is not counted again
  }
}
