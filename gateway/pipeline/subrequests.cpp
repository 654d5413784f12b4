#include "gateway/pipeline/subrequests.h"

#include <memory>
#include <stdexcept>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "gateway/core/background_work.h"
#include "gateway/core/provider.h"

namespace tollgate::gateway::pipeline {

namespace asio = boost::asio;
using Outcome = core::SubrequestResult::Outcome;

namespace {

// Keeps the one whole answer a subrequest gets; a stream is refused (a subrequest never
// asks for one).
class CollectSink final : public core::ResponseSink {
 public:
  asio::awaitable<void> send(core::Response& response) override {
    answer = std::move(response);
    sent = true;
    co_return;
  }
  asio::awaitable<void> begin_stream(int, const core::Headers&) override {
    throw std::runtime_error("the answer came as a stream");
    co_return;
  }
  asio::awaitable<void> send_chunk(core::Chunk&) override {
    throw std::runtime_error("the answer came as a stream");
    co_return;
  }
  asio::awaitable<void> end_stream() override { co_return; }
  bool committed() const override { return sent; }

  core::Response answer;
  bool sent = false;
};

// One subrequest in flight, shared by the caller (while it waits) and the coroutine that
// runs it (until the router is done with it).
struct Flight {
  explicit Flight(asio::any_io_executor executor) : wake(std::move(executor)) {}
  RuntimePtr runtime;  // the parent's snapshot, kept while the call runs
  core::Exchange exchange;
  const core::ModelConfig* model = nullptr;
  CollectSink sink;
  core::CallOutcome outcome;
  asio::steady_timer wake;  // the caller's wait: the timeout, or cancelled when done
  bool done = false;
  core::BackgroundWork work;  // drain waits for an abandoned call too
};

std::string_view path_of(core::Operation operation) {
  switch (operation) {
    case core::Operation::embeddings:
      return "/v1/embeddings";
    case core::Operation::chat_completions:
      return "/v1/chat/completions";
    case core::Operation::completions:
      return "/v1/completions";
    default:
      return {};
  }
}

// The child exchange: the parent's snapshot, id and caller (whose residency still holds:
// its text must not leave the regions its key allows), none of its headers (no client
// key or steering header reaches the provider), the gateway's own body.
std::string prepare(const core::Exchange& parent, core::Subrequest& request, Flight& f) {
  core::Exchange& ex = f.exchange;
  ex.config = parent.config;
  ex.request_id = parent.request_id + ".sub";
  ex.client_address = parent.client_address;
  ex.principal = parent.principal;
  ex.trace_id = parent.trace_id;
  ex.parent_span_id = parent.span_id;
  ex.method = "POST";
  ex.path = std::string(path_of(request.operation));
  if (ex.path.empty()) return "operation not available as a subrequest";
  ex.target = ex.path;
  ex.operation = request.operation;
  ex.body = std::move(request.body);
  auto parsed = core::parse_request_json(ex.body, ex.json, ex.config->server.max_json_depth);
  if (!parsed.ok) return "bad body: " + parsed.error;
  if (!ex.json.model) return "no model in the body";
  // The model as named: routing rules are for clients' requests.
  f.model = ex.config->find_model(*ex.json.model);
  if (f.model == nullptr) return "no model '" + *ex.json.model + "' in this config";
  return {};
}

asio::awaitable<void> fly(std::shared_ptr<Flight> f, core::UpstreamTransport& upstream) {
  try {
    core::CallContext context{upstream, f->sink};
    co_await f->runtime->router->serve(f->exchange, *f->model, f->runtime->providers, context,
                                       f->outcome);
  } catch (const std::exception& e) {
    f->outcome.failure = core::FailureClass::server_error;
    f->outcome.detail = e.what();
  }
  f->done = true;
  f->wake.cancel();
}

void collect(Flight& f, core::SubrequestResult& result) {
  core::Exchange& ex = f.exchange;
  result.usage = ex.usage;
  if (ex.target_model != nullptr)
    result.served = ex.target_model->provider + "/" + ex.target_model->model;
  if (f.outcome.failure == core::FailureClass::none && f.sink.sent) {
    result.status = f.sink.answer.status;
    bool ok = result.status >= 200 && result.status <= 299;
    result.outcome = ok ? Outcome::ok : Outcome::refused;
    result.body = std::move(f.sink.answer.body);
    return;
  }
  result.outcome = f.outcome.upstream_error ? Outcome::refused : Outcome::failed;
  result.status = f.outcome.upstream_status;
  result.detail =
      f.outcome.detail.empty() ? std::string(core::to_string(f.outcome.failure)) : f.outcome.detail;
}

}  // namespace

asio::awaitable<void> RuntimeSubrequests::call(core::Exchange& parent, core::Subrequest& request,
                                               core::SubrequestResult& result) {
  result = core::SubrequestResult{};
  auto executor = co_await asio::this_coro::executor;
  auto f = std::make_shared<Flight>(executor);
  f->runtime = runtime_;
  if (std::string refused = prepare(parent, request, *f); !refused.empty()) {
    result.outcome = Outcome::failed;
    result.detail = std::move(refused);
    co_return;
  }
  if (parent.client_gone.aborted()) {
    result.outcome = Outcome::cancelled;
    co_return;
  }
  // The client hanging up ends the wait at once; the call is cancelled below.
  std::weak_ptr<Flight> weak = f;
  parent.client_gone.on_abort([weak] {
    if (auto flight = weak.lock()) flight->wake.cancel();
  });
  f->wake.expires_after(request.timeout);
  asio::co_spawn(executor, fly(f, upstream_), asio::detached);
  if (!f->done) co_await f->wake.async_wait(asio::as_tuple(asio::use_awaitable));
  parent.client_gone.clear();
  if (f->done) {
    collect(*f, result);
    co_return;
  }
  // Abandoned: its upstream connection is closed now, and the router, seeing its client
  // gone, counts it against no target and tries no other.
  result.outcome = parent.client_gone.aborted() ? Outcome::cancelled : Outcome::timeout;
  result.detail = parent.client_gone.aborted() ? "the client hung up" : "no answer in time";
  f->exchange.client_gone.abort();
}

}  // namespace tollgate::gateway::pipeline
