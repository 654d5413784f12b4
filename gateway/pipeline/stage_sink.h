// Wraps the client's sink so that every answer passes the stages' response hooks in
// reverse order (Envoy's encoder chain) before it reaches the client.
#pragma once

#include <vector>

#include "gateway/core/exchange.h"
#include "gateway/core/response.h"
#include "gateway/core/stage.h"

namespace tollgate::gateway::pipeline {

class StageSink final : public core::ResponseSink {
 public:
  StageSink(core::ResponseSink& client, const std::vector<std::unique_ptr<core::Stage>>& stages,
            core::Exchange& exchange)
      : client_(client), stages_(stages), exchange_(exchange) {}

  boost::asio::awaitable<void> send(core::Response& response) override;
  boost::asio::awaitable<void> begin_stream(int status, const core::Headers& headers) override;
  boost::asio::awaitable<void> send_chunk(core::Chunk& chunk) override;
  boost::asio::awaitable<void> end_stream() override;
  bool committed() const override { return client_.committed(); }

 private:
  core::ResponseSink& client_;
  const std::vector<std::unique_ptr<core::Stage>>& stages_;
  core::Exchange& exchange_;
};

}  // namespace tollgate::gateway::pipeline
