// The proxy pipeline without sockets: a recording sink, a fake stage, and the demo
// provider, driven on an io_context. Checks status codes, error shapes and hook order.
#include <catch2/catch.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "gateway/config/config_loader.h"
#include "gateway/pipeline/proxy_handler.h"
#include "routing/providers/builtin.h"

using namespace tollgate;
namespace pipeline = tollgate::gateway::pipeline;
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
    chunks.push_back(c);
    co_return;
  }
  asio::awaitable<void> end_stream() override {
    ended = true;
    co_return;
  }
  bool committed() const override { return committed_; }

  std::optional<core::Response> whole;
  int stream_status = 0;
  std::vector<core::Chunk> chunks;
  bool ended = false;

 private:
  bool committed_ = false;
};

class NoUpstream final : public core::UpstreamTransport {
 public:
  asio::awaitable<core::UpstreamResponse> send(const core::ProviderConfig&, core::UpstreamRequest&,
                                               core::StreamReceiver*) override {
    throw core::UpstreamError(core::FailureClass::connect_error, "no network in unit tests");
    co_return core::UpstreamResponse{};
  }
};

struct Trace {
  std::vector<std::string> events;
};

// Records its hooks; answers 403 itself when the request carries x-block.
class TracingStage final : public core::Stage {
 public:
  TracingStage(std::string name, Trace& trace) : name_(std::move(name)), trace_(trace) {}
  std::string_view name() const override { return name_; }
  asio::awaitable<core::Decision> on_request(core::Exchange& ex) override {
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
  void on_chunk(core::Exchange&, core::Chunk&) override { ++chunks_seen; }
  void on_complete(core::Exchange&) override { trace_.events.push_back(name_ + ".complete"); }
  int chunks_seen = 0;

 private:
  std::string name_;
  Trace& trace_;
};

struct Fixture {
  Trace trace;
  NoUpstream upstream;
  TracingStage* first = nullptr;
  TracingStage* second = nullptr;
  std::shared_ptr<pipeline::Runtime> runtime;

  Fixture() {
    core::ProviderRegistry providers;
    routing::providers::register_builtin_providers(providers);
    auto config = gateway::config::load_config_text(R"(
providers:
  - {name: down, kind: openai, base_url: "http://127.0.0.1:9/v1"}
models:
  - {name: demo, targets: [{provider: demo, model: demo-1}]}
  - {name: broken, targets: [{provider: down, model: x}]}
)",
                                                    "<test>");
    auto built = pipeline::build_runtime(config, providers, {});
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
    pipeline::ProxyHandler handler(runtime, upstream);
    core::Exchange ex;
    ex.method = std::move(method);
    ex.target = path;
    ex.path = std::move(path);
    ex.body = std::move(body);
    ex.request_id = "req_test";
    for (auto& h : headers) ex.request_headers.add(h.name, h.value);
    RecordingSink sink;
    asio::io_context io;
    auto done = asio::co_spawn(io, handler.handle(ex, sink), asio::use_future);
    io.run();
    done.get();
    last_usage = ex.usage;
    return sink;
  }
  core::Usage last_usage;
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
  REQUIRE(f.trace.events == std::vector<std::string>{"a.request", "b.request", "b.response",
                                                     "a.response", "b.complete", "a.complete"});
  REQUIRE(f.last_usage.prompt_tokens == 2);
  REQUIRE(f.last_usage.reported);
}

TEST_CASE("a stage may answer at once; later stages and the provider never run") {
  Fixture f;
  auto r = f.run("POST", "/v1/chat/completions", R"({"model":"demo","messages":[]})",
                 {{"x-block", "1"}});
  REQUIRE(r.whole->status == 403);
  REQUIRE(f.trace.events.front() == "a.request");
  REQUIRE(std::count(f.trace.events.begin(), f.trace.events.end(), "b.request") == 0);
  REQUIRE(f.trace.events.back() == "a.complete");
}

TEST_CASE("streams pass every chunk through the chunk hooks") {
  Fixture f;
  auto r = f.run("POST", "/v1/chat/completions",
                 R"({"model":"demo","stream":true,"messages":[{"role":"user","content":"hi"}]})");
  REQUIRE(r.stream_status == 200);
  REQUIRE(r.ended);
  REQUIRE(r.chunks.back().is_done());
  REQUIRE(f.first->chunks_seen == static_cast<int>(r.chunks.size()));
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
