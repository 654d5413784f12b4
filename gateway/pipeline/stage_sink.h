// Wraps the client's sink so that every answer passes the stages' response hooks in
// reverse order (Envoy's encoder chain) before it reaches the client: the head hook, then
// the whole body, or each streamed event through the chunk hooks and, when the stream
// ends, the end-of-stream hooks with what they held back.
#pragma once

#include <memory>
#include <vector>

#include "gateway/core/exchange.h"
#include "gateway/core/response.h"
#include "gateway/core/stage.h"

namespace tollgate::gateway::pipeline {

class StageSink final : public core::ResponseSink {
 public:
  StageSink(core::ResponseSink& client, const std::vector<std::unique_ptr<core::Stage>>& stages,
            core::Exchange& exchange)
      : client_(&client), stages_(stages), exchange_(exchange), depth_(stages.size()) {
    for (const auto& stage : stages_) hooks_ |= stage->hooks();
  }

  // The answer that follows was made by stage `index` itself: only the stages before it
  // see it (a cache hit is not stored again; pii before it still restores it).
  void answered_by(std::size_t index) { depth_ = index; }
  // Answers go to `client` instead, from now on (an ingress dialect's translating edge).
  void set_client(core::ResponseSink& client) { client_ = &client; }

  boost::asio::awaitable<void> send(core::Response& response) override;
  boost::asio::awaitable<void> begin_stream(int status, const core::Headers& headers) override;
  boost::asio::awaitable<void> send_chunk(core::Chunk& chunk) override;
  boost::asio::awaitable<void> end_stream() override;
  // Binary bytes skip the chunk hooks: stages read events, never audio.
  boost::asio::awaitable<void> send_bytes(std::string_view bytes) override {
    return client_->send_bytes(bytes);
  }
  bool committed() const override { return client_->committed(); }

  // Sends a stage's stream answer event by event, then [DONE], and ends the stream.
  boost::asio::awaitable<void> replay(core::StreamAnswer& stream);

 private:
  bool any(unsigned hook) const { return (hooks_ & hook) != 0; }
  // Runs the end-of-stream hooks once and sends what they add.
  boost::asio::awaitable<void> finish_events();
  boost::asio::awaitable<void> send_events();

  core::ResponseSink* client_;
  const std::vector<std::unique_ptr<core::Stage>>& stages_;
  core::Exchange& exchange_;
  std::size_t depth_;    // stages [0, depth_) see the answer
  unsigned hooks_ = 0;   // every hook some stage has
  core::Events events_;  // the events in flight, reused for the whole stream
  bool events_finished_ = false;
};

}  // namespace tollgate::gateway::pipeline
