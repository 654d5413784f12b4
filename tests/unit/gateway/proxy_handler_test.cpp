// The proxy pipeline without sockets: a recording sink, fake stages, and the demo
// provider, driven on an io_context. Checks status codes, error shapes, hook order, the
// head phase, and what chunk, end-of-stream and stream-answer hooks can do.
#include <catch2/catch.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "gateway/core/errors.h"
#include "gateway/pipeline/proxy_handler.h"
#include "gateway/pipeline/stage_sink.h"
#include "tests/unit/gateway/pipeline_test_support.h"

using namespace tollgate;
namespace pipeline = tollgate::gateway::pipeline;
namespace asio = boost::asio;

namespace {

using testing::GivenBody;
using testing::NoUpstream;
using testing::RecordingSink;

struct Trace {
  std::vector<std::string> events;
};

// Records its hooks; answers 403 itself when the request carries x-block, 401 from the
// head phase when it carries x-head-block (stage a) and a stream of its own when it
// carries x-stream-answer.
class TracingStage final : public core::Stage {
 public:
  TracingStage(std::string name, Trace& trace) : name_(std::move(name)), trace_(trace) {}
  std::string_view name() const override { return name_; }
  asio::awaitable<core::Decision> on_request_head(core::Exchange& ex) override {
    trace_.events.push_back(name_ + ".head");
    if (ex.request_headers.has("x-head-block") && name_ == "a") {
      co_return core::Decision::respond(
          core::error_response(core::ErrorKind::invalid_api_key, "no key"));
    }
    co_return core::Decision::proceed();
  }
  asio::awaitable<core::Decision> on_request(core::Exchange& ex) override {
    if (ex.request_headers.has("x-stream-answer") && name_ == "b") {
      core::StreamAnswer stream;
      stream.headers.set("x-from-cache", "1");
      for (const char* data : {R"({"n":1})", R"({"n":2})", R"({"n":3})"}) {
        stream.events.push_back({"", data});
      }
      co_return core::Decision::respond_stream(std::move(stream));
    }
    trace_.events.push_back(name_ + ".request");
    if (ex.request_headers.has("x-block")) {
      co_return core::Decision::respond({403, {}, "{}"});
    }
    co_return core::Decision::proceed();
  }
  void on_response(core::Exchange&, core::Response& r) override {
    trace_.events.push_back(name_ + ".response");
    r.headers.set("x-" + name_, "seen");
  }
  void on_response_head(core::Exchange&, core::ResponseHead& head) override {
    head.headers.set("x-head-" + name_, head.stream ? "stream" : "whole");
  }
  void on_chunk(core::Exchange&, core::Events& events) override {
    chunks_seen += static_cast<int>(events.size());
  }
  void on_complete(core::Exchange&) override { trace_.events.push_back(name_ + ".complete"); }
  int chunks_seen = 0;

 private:
  std::string name_;
  Trace& trace_;
};

struct Fixture {
  Trace trace;
  TracingStage* first = nullptr;
  TracingStage* second = nullptr;
  std::shared_ptr<pipeline::Runtime> runtime;

  Fixture() {
    auto built = testing::runtime_of(R"(
providers:
  - {name: down, kind: openai, base_url: "http://127.0.0.1:9/v1"}
models:
  - {name: demo, targets: [{provider: demo, model: demo-1}]}
  - {name: broken, targets: [{provider: down, model: x}]}
)");
    runtime = std::const_pointer_cast<pipeline::Runtime>(built);
    auto a = std::make_unique<TracingStage>("a", trace);
    auto b = std::make_unique<TracingStage>("b", trace);
    first = a.get();
    second = b.get();
    runtime->stages.push_back(std::move(a));
    runtime->stages.push_back(std::move(b));
  }

  RecordingSink run(std::string method, std::string path, std::string body,
                    std::vector<core::HeaderField> headers = {}) {
    pipeline::ProxyHandler handler(runtime, std::make_unique<NoUpstream>());
    core::Exchange ex;
    ex.method = std::move(method);
    ex.target = path;
    ex.path = std::move(path);
    ex.request_id = "req_test";
    for (auto& h : headers) ex.request_headers.add(h.name, h.value);
    GivenBody given(std::move(body));
    RecordingSink sink;
    asio::io_context io;
    auto done = asio::co_spawn(io, handler.handle(ex, given, sink), asio::use_future);
    io.run();
    done.get();
    last_usage = ex.usage;
    body_reads = given.reads;
    return sink;
  }
  core::Usage last_usage;
  int body_reads = 0;
};

bool has_code(const core::Response& r, std::string_view code) {
  return r.body.find("\"code\":\"" + std::string(code) + "\"") != std::string::npos;
}

}  // namespace

TEST_CASE("unknown paths, wrong methods and bad bodies get OpenAI errors") {
  Fixture f;
  auto r = f.run("POST", "/nope", "{}");
  REQUIRE(r.whole->status == 404);
  r = f.run("GET", "/v1/chat/completions", "");
  REQUIRE(r.whole->status == 405);
  REQUIRE(r.whole->headers.get("allow") == "POST");
  r = f.run("POST", "/v1/chat/completions", "{not json");
  REQUIRE(r.whole->status == 400);
  REQUIRE(has_code(*r.whole, "invalid_json"));
  r = f.run("POST", "/v1/chat/completions", R"({"messages":[]})");
  REQUIRE(r.whole->status == 400);
  REQUIRE(r.whole->body.find(R"("param":"model")") != std::string::npos);
  r = f.run("POST", "/v1/chat/completions", R"({"model":"demo"})");
  REQUIRE(r.whole->body.find(R"("param":"messages")") != std::string::npos);
  r = f.run("POST", "/v1/chat/completions", R"({"model":"gpt-9","messages":[]})");
  REQUIRE(r.whole->status == 404);
  REQUIRE(has_code(*r.whole, "model_not_found"));
}

TEST_CASE("stages run in order, responses pass them in reverse, on_complete always runs") {
  Fixture f;
  auto r = f.run("POST", "/v1/chat/completions",
                 R"({"model":"demo","messages":[{"role":"user","content":"hello there"}]})");
  REQUIRE(r.whole->status == 200);
  REQUIRE(r.whole->body.find(R"("model":"demo-1")") != std::string::npos);
  REQUIRE(r.whole->headers.get("x-a") == "seen");
  REQUIRE(r.whole->headers.get("x-head-a") == "whole");
  REQUIRE(f.trace.events == std::vector<std::string>{"a.head", "b.head", "a.request", "b.request",
                                                     "b.response", "a.response", "b.complete",
                                                     "a.complete"});
  REQUIRE(f.last_usage.prompt_tokens == 2);
  REQUIRE(f.last_usage.reported);
}

TEST_CASE("a stage may answer at once; later stages and the provider never run") {
  Fixture f;
  auto r = f.run("POST", "/v1/chat/completions", R"({"model":"demo","messages":[]})",
                 {{"x-block", "1"}});
  REQUIRE(r.whole->status == 403);
  REQUIRE(f.trace.events ==
          std::vector<std::string>{"a.head", "b.head", "a.request", "b.complete", "a.complete"});
  REQUIRE(f.trace.events.back() == "a.complete");
}

TEST_CASE("streams pass every chunk through the chunk hooks") {
  Fixture f;
  auto r = f.run("POST", "/v1/chat/completions",
                 R"({"model":"demo","stream":true,"messages":[{"role":"user","content":"hi"}]})");
  REQUIRE(r.stream_status == 200);
  REQUIRE(r.ended);
  REQUIRE(r.chunks.back().is_done());
  // Every event but [DONE], which marks the end rather than carrying an answer.
  REQUIRE(f.first->chunks_seen == static_cast<int>(r.chunks.size()) - 1);
}

TEST_CASE("a stage refusing on the head stops the request before its body is read") {
  Fixture f;
  auto r = f.run("POST", "/v1/chat/completions", "{not json at all", {{"x-head-block", "1"}});
  REQUIRE(r.whole->status == 401);
  REQUIRE(has_code(*r.whole, "invalid_api_key"));
  REQUIRE(f.body_reads == 0);
  REQUIRE(f.trace.events == std::vector<std::string>{"a.head", "b.complete", "a.complete"});
}

TEST_CASE("a stage may answer with a stream, replayed event by event through earlier stages") {
  Fixture f;
  auto r = f.run("POST", "/v1/chat/completions",
                 R"({"model":"demo","stream":true,"messages":[{"role":"user","content":"hi"}]})",
                 {{"x-stream-answer", "1"}});
  REQUIRE(r.stream_status == 200);
  REQUIRE(r.ended);
  REQUIRE(r.chunks.size() == 4);
  REQUIRE(r.chunks[1].data == R"({"n":2})");
  REQUIRE(r.chunks.back().is_done());
  REQUIRE(f.first->chunks_seen == 3);   // stage a comes before the one that answered
  REQUIRE(f.second->chunks_seen == 0);  // the answering stage does not see its own answer
}

TEST_CASE("an unreachable provider is a 502 in OpenAI's shape") {
  Fixture f;
  auto r = f.run("POST", "/v1/chat/completions", R"({"model":"broken","messages":[]})");
  REQUIRE(r.whole->status == 502);
  REQUIRE(has_code(*r.whole, "upstream_unreachable"));
}

TEST_CASE("the model list names the configured models") {
  Fixture f;
  auto r = f.run("GET", "/v1/models", "");
  REQUIRE(r.whole->status == 200);
  REQUIRE(
      r.whole->body ==
      R"({"object":"list","data":[{"id":"demo","object":"model","created":0,"owned_by":"tollgate"},)"
      R"({"id":"broken","object":"model","created":0,"owned_by":"tollgate"}]})");
  r = f.run("GET", "/v1/models/demo", "");
  REQUIRE(r.whole->status == 200);
  r = f.run("GET", "/v1/models/nope", "");
  REQUIRE(r.whole->status == 404);
}

namespace {

// Holds back the last `kHeld` bytes of each event's content and puts them in front of the
// next event's, flushing what it holds as an event of its own when the stream ends: what
// pii does with a placeholder split across events.
class HoldingStage final : public core::Stage {
 public:
  static constexpr std::size_t kHeld = 2;
  std::string_view name() const override { return "hold"; }
  unsigned hooks() const override { return core::kChunk | core::kStreamEnd; }
  void on_chunk(core::Exchange&, core::Events& events) override {
    for (auto& event : events) {
      std::string text = held_ + event.data;
      std::size_t keep = std::min(kHeld, text.size());
      held_ = text.substr(text.size() - keep);
      event.data = text.substr(0, text.size() - keep);
    }
    std::erase_if(events, [](const core::Chunk& c) { return c.data.empty(); });
  }
  void on_stream_end(core::Exchange&, core::Events& events) override {
    if (!held_.empty()) events.push_back({"", held_});
    held_.clear();
  }

 private:
  std::string held_;
};

// Feeds raw text events through a StageSink, as a provider would.
std::vector<core::Chunk> pass_stream(std::vector<std::unique_ptr<core::Stage>>& stages,
                                     const std::vector<std::string>& datas) {
  RecordingSink client;
  core::Exchange ex;
  pipeline::StageSink sink(client, stages, ex);
  asio::io_context io;
  auto run = [&]() -> asio::awaitable<void> {
    core::Headers none;
    co_await sink.begin_stream(200, none);
    for (const auto& data : datas) {
      core::Chunk chunk{"", data};
      co_await sink.send_chunk(chunk);
    }
    core::Chunk done{"", "[DONE]"};
    co_await sink.send_chunk(done);
    co_await sink.end_stream();
  };
  auto finished = asio::co_spawn(io, run(), asio::use_future);
  io.run();
  finished.get();
  return client.chunks;
}

}  // namespace

TEST_CASE("a chunk hook may hold bytes back and flush them before [DONE]") {
  std::vector<std::unique_ptr<core::Stage>> stages;
  stages.push_back(std::make_unique<HoldingStage>());
  auto chunks = pass_stream(stages, {"[EMA", "IL_1] x", "y"});
  std::string joined;
  for (const auto& c : chunks) {
    if (!c.is_done()) joined += c.data + "|";
  }
  // Each event's last two bytes waited for the next; the last two came out at the end,
  // before [DONE].
  REQUIRE(joined == "[E|MAIL_1]| |xy|");
  REQUIRE(chunks.back().is_done());
  REQUIRE(chunks[chunks.size() - 2].data == "xy");
}
