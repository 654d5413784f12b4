// The attempt driver without sockets: a scripted transport, a recording sink, a toy
// translated dialect and the real OpenAI one. Checks when the client's stream begins,
// what ends a stream cut short, the usage chunk the gateway asked for, and the outcome.
#include <catch2/catch.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "gateway/core/errors.h"
#include "gateway/core/request_json.h"
#include "routing/providers/builtin.h"
#include "routing/providers/common/attempt_driver.h"

using namespace tollgate;
namespace providers = routing::providers;
namespace asio = boost::asio;

namespace {

class RecordingSink final : public core::ResponseSink {
 public:
  asio::awaitable<void> send(core::Response& r) override {
    committed_ = true;
    whole = std::move(r);
    co_return;
  }
  asio::awaitable<void> begin_stream(int status, const core::Headers&) override {
    committed_ = true;
    stream_status = status;
    co_return;
  }
  asio::awaitable<void> send_chunk(core::Chunk& c) override {
    chunks.push_back(c.data);
    co_return;
  }
  asio::awaitable<void> end_stream() override {
    ++ends;
    co_return;
  }
  bool committed() const override { return committed_; }

  std::optional<core::Response> whole;
  int stream_status = 0;
  std::vector<std::string> chunks;
  int ends = 0;

 private:
  bool committed_ = false;
};

// Answers with `status` and `pieces` of body; throws `failure` after them when set.
class ScriptedUpstream final : public core::UpstreamTransport {
 public:
  asio::awaitable<core::UpstreamResponse> send(const core::ProviderConfig&,
                                               core::UpstreamRequest& request,
                                               core::StreamReceiver* receiver) override {
    sent = request;
    core::UpstreamResponse response;
    response.status = status;
    response.headers.set("content-type", content_type);
    if (receiver != nullptr && status >= 200 && status <= 299) {
      co_await receiver->on_head(response);
      for (const auto& piece : pieces) co_await receiver->on_data(piece);
    } else {
      for (const auto& piece : pieces) response.body += piece;
    }
    if (failure != core::FailureClass::none) throw core::UpstreamError(failure, "scripted");
    co_return response;
  }

  int status = 200;
  std::string content_type = "text/event-stream";
  std::vector<std::string> pieces;
  core::FailureClass failure = core::FailureClass::none;
  core::UpstreamRequest sent;
};

// A translated dialect in miniature: event "x" → chunk "T:x"; "stop" → [DONE], finished;
// "fail" → an error event.
class ToyTranslator final : public providers::StreamTranslator {
 public:
  void on_event(core::Chunk& event, providers::StreamOut& out) override {
    if (event.data == "stop") {
      out.push(std::string("[DONE]"));
      state_.finished = true;
    } else if (event.data == "fail") {
      state_.error = std::make_unique<providers::DialectFailure>(providers::DialectFailure{
          core::FailureClass::server_error, "toy error event",
          core::error_response(core::ErrorKind::upstream_unreachable, "toy overloaded")});
    } else if (event.data != "ping") {
      out.push("T:" + event.data);
    }
  }
  std::optional<providers::DialectFailure> on_end(providers::StreamOut&) override {
    return providers::DialectFailure{core::FailureClass::server_error, "no stop", std::nullopt};
  }
};

class ToyDialect final : public providers::Dialect {
 public:
  const core::ProviderConfig& config() const override { return config_; }
  std::optional<providers::DialectFailure> build(providers::Attempt&,
                                                 core::UpstreamRequest& request) const override {
    request.stream = true;
    return std::nullopt;
  }
  void map_answer(providers::Attempt&, core::UpstreamResponse&,
                  providers::WholeAnswer&) const override {}
  std::unique_ptr<providers::StreamTranslator> stream_translator(
      const providers::Attempt&) const override {
    return std::make_unique<ToyTranslator>();
  }
  providers::DialectFailure map_error(const core::UpstreamResponse&) const override {
    return {core::FailureClass::rate_limit, "toy",
            core::failure_response(core::FailureClass::rate_limit)};
  }

 private:
  core::ProviderConfig config_;
};

struct Run {
  RecordingSink sink;
  core::CallOutcome outcome;
  core::Exchange exchange;
};

void call(core::Provider& provider, ScriptedUpstream& upstream, Run& run) {
  core::TargetConfig target{"p", "model-1", 1, {}};
  asio::io_context io;
  auto done = asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        core::CallContext context{upstream, run.sink};
        co_await provider.call(run.exchange, target, context, run.outcome);
      },
      asio::use_future);
  io.run();
  done.get();
}

void toy_call(ScriptedUpstream& upstream, Run& run) {
  providers::DialectProvider provider(std::make_unique<ToyDialect>());
  call(provider, upstream, run);
}

std::string events(std::initializer_list<std::string_view> data) {
  std::string out;
  for (auto d : data) out += "data: " + std::string(d) + "\n\n";
  return out;
}

}  // namespace

TEST_CASE("a translated stream begins at its first chunk and ends at its finish", "[driver]") {
  ScriptedUpstream upstream;
  upstream.pieces = {events({"ping", "a"}), events({"b", "stop", "late"})};
  Run run;
  toy_call(upstream, run);
  REQUIRE(run.outcome.failure == core::FailureClass::none);
  REQUIRE(run.sink.stream_status == 200);
  REQUIRE(run.sink.chunks == std::vector<std::string>{"T:a", "T:b", "[DONE]"});
  REQUIRE(run.sink.ends == 1);
  REQUIRE(run.exchange.streamed);
}

TEST_CASE("an error event before any chunk is an error status, and may fall back", "[driver]") {
  ScriptedUpstream upstream;
  upstream.pieces = {events({"ping", "fail", "a"})};
  Run run;
  toy_call(upstream, run);
  REQUIRE_FALSE(run.sink.committed());
  REQUIRE(run.outcome.failure == core::FailureClass::server_error);
  REQUIRE(run.outcome.upstream_error);
  REQUIRE(run.outcome.upstream_error->body.find("toy overloaded") != std::string::npos);
}

TEST_CASE("an error event after chunks ends the stream with it, then [DONE]", "[driver]") {
  ScriptedUpstream upstream;
  upstream.pieces = {events({"a", "fail", "b"})};
  Run run;
  toy_call(upstream, run);
  REQUIRE(run.outcome.failure == core::FailureClass::server_error);
  REQUIRE_FALSE(run.outcome.upstream_error);
  REQUIRE(run.sink.chunks.size() == 3);
  REQUIRE(run.sink.chunks[1].find("toy overloaded") != std::string::npos);
  REQUIRE(run.sink.chunks[2] == "[DONE]");
  REQUIRE(run.sink.ends == 1);
}

TEST_CASE("a stream cut short ends with the class's error event", "[driver]") {
  SECTION("the body ends before the finish") {
    ScriptedUpstream upstream;
    upstream.pieces = {events({"a"})};
    Run run;
    toy_call(upstream, run);
    REQUIRE(run.outcome.failure == core::FailureClass::server_error);
    REQUIRE(run.sink.chunks ==
            std::vector<std::string>{
                "T:a", core::stream_error_data(core::FailureClass::server_error), "[DONE]"});
    REQUIRE(run.sink.ends == 1);
  }
  SECTION("the transport times out") {
    ScriptedUpstream upstream;
    upstream.pieces = {events({"a"})};
    upstream.failure = core::FailureClass::timeout;
    Run run;
    toy_call(upstream, run);
    REQUIRE(run.outcome.failure == core::FailureClass::timeout);
    REQUIRE(run.sink.chunks.at(1) == core::stream_error_data(core::FailureClass::timeout));
    REQUIRE(run.sink.ends == 1);
  }
  SECTION("before any chunk: nothing sent, the router may fall back") {
    ScriptedUpstream upstream;
    upstream.pieces = {events({"ping"})};
    upstream.failure = core::FailureClass::connect_error;
    Run run;
    toy_call(upstream, run);
    REQUIRE(run.outcome.failure == core::FailureClass::connect_error);
    REQUIRE_FALSE(run.sink.committed());
  }
  SECTION("after the finish, a transport failure costs nothing") {
    ScriptedUpstream upstream;
    upstream.pieces = {events({"a", "stop"})};
    upstream.failure = core::FailureClass::connect_error;
    Run run;
    toy_call(upstream, run);
    REQUIRE(run.outcome.failure == core::FailureClass::none);
    REQUIRE(run.sink.ends == 1);
  }
}

TEST_CASE("a translated dialect answering a stream whole is a broken answer", "[driver]") {
  ScriptedUpstream upstream;
  upstream.content_type = "application/json";
  upstream.pieces = {R"({"ok":true})"};
  Run run;
  toy_call(upstream, run);
  REQUIRE(run.outcome.failure == core::FailureClass::server_error);
  REQUIRE_FALSE(run.sink.committed());
}

namespace {

std::unique_ptr<core::Provider> openai_provider(const core::ProviderConfig& config) {
  core::ProviderRegistry registry;
  providers::register_builtin_providers(registry);
  return (*registry.find("openai"))(config);
}

void stream_request(core::Exchange& exchange, const std::string& body) {
  exchange.method = "POST";
  exchange.target = "/v1/chat/completions";
  exchange.path = exchange.target;
  exchange.operation = core::Operation::chat_completions;
  exchange.body = body;
  core::ensure_json_padding(exchange.body);
  REQUIRE(core::parse_request_json(exchange.body, exchange.json).ok);
}

const std::string kUsageChunk =
    R"({"id":"c","choices":[],"usage":{"prompt_tokens":7,"completion_tokens":3}})";

}  // namespace

TEST_CASE("the usage chunk the gateway asked for is billed and hidden", "[driver][openai]") {
  core::ProviderConfig config;
  config.name = "p";
  config.kind = "openai";
  config.base_url.path = "/v1";
  auto provider = openai_provider(config);
  ScriptedUpstream upstream;
  upstream.status = 201;
  upstream.pieces = {"data: {\"choices\":[{\"delta\":{}}]}\n\ndata: " + kUsageChunk +
                     "\n\ndata: [DONE]\n\n"};

  SECTION("the client did not ask: asked for upstream, hidden from the client") {
    Run run;
    stream_request(run.exchange, R"({"model":"m","stream":true,"messages":[]})");
    call(*provider, upstream, run);
    REQUIRE(upstream.sent.body.find("\"include_usage\":true") != std::string::npos);
    REQUIRE(upstream.sent.target == "/v1/chat/completions");
    REQUIRE(run.outcome.failure == core::FailureClass::none);
    REQUIRE(run.sink.stream_status == 201);  // the upstream's head, relayed
    REQUIRE(run.sink.chunks == std::vector<std::string>{R"({"choices":[{"delta":{}}]})", "[DONE]"});
    REQUIRE(run.exchange.usage.reported);
    REQUIRE(run.exchange.usage.prompt_tokens == 7);
    REQUIRE(run.exchange.usage.completion_tokens == 3);
  }
  SECTION("the client asked: passed on") {
    Run run;
    stream_request(
        run.exchange,
        R"({"model":"m","stream":true,"stream_options":{"include_usage":true},"messages":[]})");
    call(*provider, upstream, run);
    REQUIRE(run.sink.chunks.size() == 3);
    REQUIRE(run.sink.chunks[1] == kUsageChunk);
    REQUIRE(run.exchange.usage.prompt_tokens == 7);
  }
}

TEST_CASE("an OpenAI error answer passes on in OpenAI's shape", "[driver][openai]") {
  core::ProviderConfig config;
  config.kind = "openai";
  auto provider = openai_provider(config);
  ScriptedUpstream upstream;
  upstream.status = 503;
  upstream.content_type = "text/html";
  upstream.pieces = {"<html>busy</html>"};
  Run run;
  stream_request(run.exchange, R"({"model":"m","messages":[]})");
  call(*provider, upstream, run);
  REQUIRE(run.outcome.failure == core::FailureClass::server_error);
  REQUIRE(run.outcome.upstream_status == 503);
  REQUIRE(run.outcome.upstream_error->status == 503);
  REQUIRE(run.outcome.upstream_error->body.starts_with(R"({"error":)"));
  REQUIRE_FALSE(run.sink.committed());
}
