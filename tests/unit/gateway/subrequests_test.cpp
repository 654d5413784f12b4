// core::Subrequests as the pipeline provides it: a request on the gateway's own account
// through the parent's runtime, answered whole; an unknown model or a bad body fails at
// once; a provider that does not answer in time, or a client that hangs up, ends the wait
// at once and cancels the call upstream.
#include <catch2/catch.hpp>

#include <chrono>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>

#include "gateway/pipeline/subrequests.h"
#include "tests/unit/gateway/pipeline_test_support.h"

using namespace tollgate;
namespace pipeline = tollgate::gateway::pipeline;
namespace asio = boost::asio;
using Outcome = core::SubrequestResult::Outcome;

namespace {

// Never answers: waits until the request is aborted (then fails like a closed socket).
class HangingUpstream final : public core::UpstreamTransport {
 public:
  asio::awaitable<core::UpstreamResponse> send(const core::ProviderConfig&,
                                               core::UpstreamRequest& request,
                                               core::StreamReceiver*) override {
    ++sent;
    asio::steady_timer timer(co_await asio::this_coro::executor, std::chrono::seconds(30));
    if (request.abort != nullptr) {
      request.abort->on_abort([&] {
        ++aborted;
        timer.cancel();
      });
    }
    boost::system::error_code ec;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (request.abort != nullptr) request.abort->clear();
    throw core::UpstreamError(core::FailureClass::connect_error, "closed");
  }
  int sent = 0;
  int aborted = 0;
};

pipeline::RuntimePtr runtime() {
  return testing::runtime_of(R"(
providers:
  - {name: slow, kind: openai, base_url: "http://127.0.0.1:9/v1"}
models:
  - {name: demo, targets: [{provider: demo, model: demo-1}]}
  - {name: hangs, targets: [{provider: slow, model: e}]}
)");
}

struct Run {
  core::SubrequestResult result;
  std::chrono::milliseconds took{0};
};

// Calls the service for `body` as a stage of `parent` would; `hang_up_after` fires the
// parent's client_gone meanwhile.
Run call(core::UpstreamTransport& upstream, std::string body, core::Duration timeout,
         std::optional<std::chrono::milliseconds> hang_up_after = std::nullopt) {
  pipeline::RuntimePtr rt = runtime();
  pipeline::RuntimeSubrequests service(rt, upstream);
  core::Exchange parent;
  parent.config = rt->config;
  parent.request_id = "req_parent";
  core::Subrequest request{core::Operation::embeddings, std::move(body), timeout};
  Run run;
  asio::io_context io;
  asio::steady_timer hang_up(io);
  if (hang_up_after) {
    hang_up.expires_after(*hang_up_after);
    hang_up.async_wait([&](boost::system::error_code) { parent.client_gone.abort(); });
  }
  auto started = std::chrono::steady_clock::now();
  auto done = asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        co_await service.call(parent, request, run.result);
        run.took = std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::steady_clock::now() - started);
      },
      asio::use_future);
  io.run();  // until the abandoned call, cancelled, has ended too
  done.get();
  return run;
}

}  // namespace

TEST_CASE("subrequests: an embeddings call through the parent's runtime", "[pipeline]") {
  HangingUpstream upstream;
  Run run = call(upstream, R"({"model":"demo","input":"hello","encoding_format":"float"})",
                 std::chrono::seconds(5));
  CHECK(run.result.outcome == Outcome::ok);
  CHECK(run.result.status == 200);
  CHECK(run.result.served == "demo/demo-1");
  CHECK(run.result.body.find("\"embedding\"") != std::string::npos);
  CHECK(upstream.sent == 0);
}

TEST_CASE("subrequests: an unknown model or a bad body fails without a call", "[pipeline]") {
  HangingUpstream upstream;
  Run unknown = call(upstream, R"({"model":"nope","input":"x"})", std::chrono::seconds(5));
  CHECK(unknown.result.outcome == Outcome::failed);
  CHECK(unknown.result.detail.find("nope") != std::string::npos);
  CHECK(call(upstream, "{not json", std::chrono::seconds(5)).result.outcome == Outcome::failed);
  CHECK(upstream.sent == 0);
}

TEST_CASE("subrequests: past the timeout the wait ends and the call is cancelled", "[pipeline]") {
  HangingUpstream upstream;
  Run run = call(upstream, R"({"model":"hangs","input":"x"})", std::chrono::milliseconds(50));
  CHECK(run.result.outcome == Outcome::timeout);
  CHECK(run.took < std::chrono::milliseconds(2000));
  CHECK(upstream.sent == 1);
  CHECK(upstream.aborted == 1);
}

TEST_CASE("subrequests: the parent's client hanging up abandons the call", "[pipeline]") {
  HangingUpstream upstream;
  Run run = call(upstream, R"({"model":"hangs","input":"x"})", std::chrono::seconds(10),
                 std::chrono::milliseconds(30));
  CHECK(run.result.outcome == Outcome::cancelled);
  CHECK(run.took < std::chrono::milliseconds(2000));
  CHECK(upstream.aborted == 1);
}
