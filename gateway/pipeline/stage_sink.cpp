// Response and chunk hooks, last stage first.
#include "gateway/pipeline/stage_sink.h"

namespace tollgate::gateway::pipeline {

boost::asio::awaitable<void> StageSink::send(core::Response& response) {
  for (auto it = stages_.rbegin(); it != stages_.rend(); ++it) {
    (*it)->on_response(exchange_, response);
  }
  co_await client_.send(response);
}

boost::asio::awaitable<void> StageSink::begin_stream(int status, const core::Headers& headers) {
  co_await client_.begin_stream(status, headers);
}

boost::asio::awaitable<void> StageSink::send_chunk(core::Chunk& chunk) {
  for (auto it = stages_.rbegin(); it != stages_.rend(); ++it) {
    (*it)->on_chunk(exchange_, chunk);
  }
  co_await client_.send_chunk(chunk);
}

boost::asio::awaitable<void> StageSink::end_stream() {
  co_await client_.end_stream();
}

}  // namespace tollgate::gateway::pipeline
