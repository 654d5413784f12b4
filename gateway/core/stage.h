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

#include <yaml-cpp/yaml.h>
#include <boost/asio/awaitable.hpp>

#include "gateway/core/config.h"
#include "gateway/core/exchange.h"
#include "gateway/core/response.h"

namespace tollgate::core {

// What on_request decided: go on to the next stage, or answer the client now.
class Decision {
 public:
  static Decision proceed() { return Decision(); }
  static Decision respond(Response response) { return Decision(std::move(response)); }

  bool responds() const { return response_.has_value(); }
  Response& response() { return *response_; }

 private:
  Decision() = default;
  explicit Decision(Response r) : response_(std::move(r)) {}
  std::optional<Response> response_;
};

class Stage {
 public:
  virtual ~Stage() = default;
  virtual std::string_view name() const = 0;

  // Before routing, in config order. May wait (Redis, an embeddings call).
  virtual boost::asio::awaitable<Decision> on_request(Exchange&) { co_return Decision::proceed(); }
  // After a whole upstream response, in reverse order; may edit it.
  virtual void on_response(Exchange&, Response&) {}
  // For each streamed event, in reverse order; may edit it.
  virtual void on_chunk(Exchange&, Chunk&) {}
  // Once per request, success or failure, after the client has its answer.
  virtual void on_complete(Exchange&) {}
};

}  // namespace tollgate::core
