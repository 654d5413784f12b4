// Stage: one policy step (auth, limits, pii, cache...), the first extension point.
// Built once per config by a factory from its own config section; shared by all
// requests and threads, so a stage keeps per-request state only in the Exchange.
// Hooks have no-op defaults (Envoy's pass-through filter, Pingora's phases).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <yaml-cpp/yaml.h>
#include <boost/asio/awaitable.hpp>

#include "gateway/core/config.h"
#include "gateway/core/exchange.h"
#include "gateway/core/response.h"

namespace tollgate::core {

// An answer a stage gives itself as a stream (a cached stream, replayed event by event):
// the runner begins the stream with `status` and `headers`, sends each event through the
// response hooks of the stages before the one that answered, then [DONE], and ends it.
struct StreamAnswer {
  int status = 200;
  Headers headers;
  std::vector<Chunk> events;  // without the final [DONE]
};

// What a request hook decided: go on to the next stage, or answer the client now, with a
// whole response or a stream.
class Decision {
 public:
  static Decision proceed() { return Decision(); }
  static Decision respond(Response response) { return Decision(std::move(response)); }
  static Decision respond_stream(StreamAnswer stream) { return Decision(std::move(stream)); }

  bool responds() const { return !std::holds_alternative<std::monostate>(answer_); }
  bool streams() const { return std::holds_alternative<StreamAnswer>(answer_); }
  Response& response() { return std::get<Response>(answer_); }
  StreamAnswer& stream() { return std::get<StreamAnswer>(answer_); }

 private:
  Decision() = default;
  explicit Decision(Response r) : answer_(std::move(r)) {}
  explicit Decision(StreamAnswer s) : answer_(std::move(s)) {}
  std::variant<std::monostate, Response, StreamAnswer> answer_;
};

// The head of an answer, whole or streamed, as the response-head hook sees it.
struct ResponseHead {
  int& status;
  Headers& headers;
  bool stream;  // text/event-stream: the body follows event by event
};

// The events in flight through the chunk hooks: usually one, but a hook may rewrite,
// erase, hold back (erase now, add later) or add events, and the next stage sees the
// result. The runner reuses one batch per request: no allocation per event.
using Events = std::vector<Chunk>;

// Which hooks a stage implements, so the runner calls only those: a hook that is a
// coroutine costs a frame even when it does nothing.
enum Hook : unsigned {
  kRequestHead = 1u << 0,
  kRequest = 1u << 1,
  kResponseHead = 1u << 2,
  kResponse = 1u << 3,
  kChunk = 1u << 4,
  kStreamEnd = 1u << 5,
  kComplete = 1u << 6,
  kAllHooks = (1u << 7) - 1,
};

// The hooks and their order (docs/architecture.md, "Stage hooks", has an example stage):
//   request path, in pipeline order:   on_request_head → (body read, decoded, parsed)
//                                      → on_request → router → provider
//   response path, in reverse order:   on_response_head → on_response (whole answers)
//                                      or on_chunk per event … on_stream_end
//   always, once, in reverse order:    on_complete
// A stage that answers (a Decision that responds) stops the request path; its answer
// passes the response hooks of the stages before it only (Envoy's local reply), so a
// cache hit is not stored again by the cache, and pii still restores it.
class Stage {
 public:
  virtual ~Stage() = default;
  virtual std::string_view name() const = 0;
  // The hooks this stage implements (a mask of Hook); the others are never called.
  virtual unsigned hooks() const { return kAllHooks; }

  // Before the body is read, decoded or parsed (Pingora's early_request_filter): method,
  // path, operation, headers and the client's address are known; body and json are not.
  // Authentication and per-address limits belong here: a stranger never makes the gateway
  // read or inflate a body, and a refusal here closes the connection instead of reading it.
  virtual boost::asio::awaitable<Decision> on_request_head(Exchange&) {
    co_return Decision::proceed();
  }
  // With the parsed body, before routing. May wait (Redis, an embeddings call).
  virtual boost::asio::awaitable<Decision> on_request(Exchange&) { co_return Decision::proceed(); }
  // The status and headers of every answer, whole or streamed, before any byte leaves.
  virtual void on_response_head(Exchange&, ResponseHead&) {}
  // A whole answer's body (after on_response_head); may edit it.
  virtual void on_response(Exchange&, Response&) {}
  // Each streamed event (never [DONE]), as `events` holding it: may rewrite, drop, hold
  // back or add events.
  virtual void on_chunk(Exchange&, Events&) {}
  // The stream is ending (before [DONE], or at its end without one): `events` starts
  // empty; a stage adds what it held back. Later stages see these through on_chunk first.
  virtual void on_stream_end(Exchange&, Events&) {}
  // Once per request, success or failure, after the client has its answer.
  virtual void on_complete(Exchange&) {}
};

}  // namespace tollgate::core
