// Response and chunk hooks, last stage first. Answers are also measured here, the one
// place every provider's answer passes, so that a completion whose usage never comes
// (the client hung up, the provider cut the stream, a dialect without usage) is still
// estimated from what was relayed (core::complete_usage).
#include "gateway/pipeline/stage_sink.h"

#include "routing/providers/common/usage_json.h"

namespace tollgate::gateway::pipeline {

boost::asio::awaitable<void> StageSink::send(core::Response& response) {
  // Only when the provider gave no usage: reading a whole answer costs a parse.
  if (!exchange_.usage.reported && response.status >= 200 && response.status <= 299) {
    exchange_.answer_text_bytes += routing::providers::answer_text_bytes(response.body);
  }
  for (auto it = stages_.rbegin(); it != stages_.rend(); ++it) {
    (*it)->on_response(exchange_, response);
  }
  co_await client_.send(response);
}

boost::asio::awaitable<void> StageSink::begin_stream(int status, const core::Headers& headers) {
  co_await client_.begin_stream(status, headers);
}

boost::asio::awaitable<void> StageSink::send_chunk(core::Chunk& chunk) {
  // Every event: whether usage will come is known only at the end (about 110 ns for a
  // chat chunk of 250 bytes). Counted as the provider answered, before a stage edits it.
  exchange_.answer_text_bytes += routing::providers::answer_text_bytes(chunk.data);
  for (auto it = stages_.rbegin(); it != stages_.rend(); ++it) {
    (*it)->on_chunk(exchange_, chunk);
  }
  co_await client_.send_chunk(chunk);
}

boost::asio::awaitable<void> StageSink::end_stream() {
  co_await client_.end_stream();
  exchange_.stream_ended = true;
}

}  // namespace tollgate::gateway::pipeline
