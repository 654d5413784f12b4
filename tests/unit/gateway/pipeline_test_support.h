// What tests of the proxy pipeline share: a runtime built from a config's text, a sink that
// records what the client would get, an upstream that has no network, and a request body
// the handler reads on demand.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "gateway/config/config_loader.h"
#include "gateway/core/http_handler.h"
#include "gateway/core/upstream.h"
#include "gateway/pipeline/runtime.h"
#include "routing/providers/builtin.h"

namespace tollgate::testing {

// The runtime a config's YAML builds, with the built-in providers and no stages.
inline gateway::pipeline::RuntimePtr runtime_of(std::string_view yaml) {
  core::ProviderRegistry providers;
  routing::providers::register_builtin_providers(providers);
  auto config = gateway::config::load_config_text(yaml, "<test>");
  return gateway::pipeline::build_runtime(config, providers, {});
}

class RecordingSink final : public core::ResponseSink {
 public:
  boost::asio::awaitable<void> send(core::Response& r) override {
    committed_ = true;
    whole = std::move(r);
    co_return;
  }
  boost::asio::awaitable<void> begin_stream(int status, const core::Headers&) override {
    committed_ = true;
    stream_status = status;
    co_return;
  }
  boost::asio::awaitable<void> send_chunk(core::Chunk& c) override {
    chunks.push_back(c);
    co_return;
  }
  boost::asio::awaitable<void> end_stream() override {
    ended = true;
    co_return;
  }
  bool committed() const override { return committed_; }
  // The status of whatever was answered, whole or streamed (0: nothing).
  int status() const { return whole ? whole->status : stream_status; }

  std::optional<core::Response> whole;
  int stream_status = 0;
  std::vector<core::Chunk> chunks;
  bool ended = false;

 private:
  bool committed_ = false;
};

class NoUpstream final : public core::UpstreamTransport {
 public:
  boost::asio::awaitable<core::UpstreamResponse> send(const core::ProviderConfig&,
                                                      core::UpstreamRequest&,
                                                      core::StreamReceiver*) override {
    throw core::UpstreamError(core::FailureClass::connect_error, "no network in unit tests");
    co_return core::UpstreamResponse{};
  }
};

// The request body as the session gives it: read only when the handler asks.
class GivenBody final : public core::RequestBody {
 public:
  explicit GivenBody(std::string body) : body_(std::move(body)) {}
  boost::asio::awaitable<bool> read(core::Exchange& ex, core::Response&) override {
    ++reads;
    ex.body = std::move(body_);
    co_return true;
  }
  int reads = 0;

 private:
  std::string body_;
};

}  // namespace tollgate::testing
