// Responses API calls addressed by id (GET and DELETE /v1/responses/{id}, POST
// .../cancel, GET .../input_items) go to the provider and target that made the response:
// a POST /v1/responses answer is recorded on its way to the client (its id, whole or from
// the stream's response.created), and a later call is served there, or 404 in OpenAI's
// shape when no replica knows the id or another key made it.
#pragma once

#include <optional>
#include <string_view>

#include <boost/asio/awaitable.hpp>

#include "gateway/core/exchange.h"
#include "gateway/core/provider.h"
#include "gateway/core/response.h"
#include "gateway/pipeline/response_route_store.h"
#include "gateway/pipeline/runtime.h"

namespace tollgate::gateway::pipeline {

// What a /v1/responses/{id}... path names, or nullopt for any other path.
struct ResponseItemPath {
  std::string_view id;
  std::string_view allow;  // the methods the path takes, for a 405's allow header
};
std::optional<ResponseItemPath> response_item_path(std::string_view path);
bool response_item_method_allowed(const ResponseItemPath& item, std::string_view method);

// Whether `exchange` creates a response whose id must be recorded (POST /v1/responses).
bool creates_response(const core::Exchange& exchange);

// The response id a whole Response object or a streamed response.* event carries.
std::optional<std::string> response_id_in(std::string_view json, bool event);

// Passes every call on to `next`; the two sinks below override what they watch.
class ForwardingSink : public core::ResponseSink {
 public:
  explicit ForwardingSink(core::ResponseSink& next) : next_(next) {}

  boost::asio::awaitable<void> send(core::Response& response) override {
    return next_.send(response);
  }
  boost::asio::awaitable<void> begin_stream(int status, const core::Headers& headers) override {
    return next_.begin_stream(status, headers);
  }
  boost::asio::awaitable<void> send_chunk(core::Chunk& chunk) override {
    return next_.send_chunk(chunk);
  }
  boost::asio::awaitable<void> end_stream() override { return next_.end_stream(); }
  boost::asio::awaitable<void> send_bytes(std::string_view bytes) override {
    return next_.send_bytes(bytes);
  }
  bool committed() const override { return next_.committed(); }

 protected:
  core::ResponseSink& next_;
};

// Records the response's id before the client can see it.
class ResponseIdRecorder final : public ForwardingSink {
 public:
  ResponseIdRecorder(core::ResponseSink& next, core::Exchange& exchange, ResponseRouteStore& store)
      : ForwardingSink(next), exchange_(exchange), store_(store) {}

  boost::asio::awaitable<void> send(core::Response& response) override;
  boost::asio::awaitable<void> send_chunk(core::Chunk& chunk) override;

 private:
  boost::asio::awaitable<void> record(const std::string& id);

  core::Exchange& exchange_;
  ResponseRouteStore& store_;
  bool recorded_ = false;
};

// A 2xx answer to a DELETE first tombstones the id, so that any replica asked for it once
// the client has its answer finds it gone.
class ResponseIdForgetter final : public ForwardingSink {
 public:
  ResponseIdForgetter(core::ResponseSink& next, const std::string& id, ResponseRouteStore& store)
      : ForwardingSink(next), id_(id), store_(store) {}

  boost::asio::awaitable<void> send(core::Response& response) override;
  boost::asio::awaitable<void> begin_stream(int status, const core::Headers& headers) override;

 private:
  boost::asio::awaitable<void> forget_if(int status);

  const std::string& id_;
  ResponseRouteStore& store_;
};

// The runtime's store, or one without Redis for a runtime built without services.
ResponseRouteStore& response_routes(const Runtime& runtime);

// Serves a response_item request on the provider that made the response. An unknown id
// (or one another key made, or whose target is no longer configured) fails as a
// client_error with a 404 in `outcome.upstream_error`. Nothing is billed for it.
boost::asio::awaitable<void> serve_response_item(const Runtime& runtime, core::Exchange& exchange,
                                                 core::CallContext& context,
                                                 core::CallOutcome& outcome);

}  // namespace tollgate::gateway::pipeline
