// Response hooks, last stage first. Answers are also measured here, the one place every
// provider's answer passes, so that a completion whose usage never comes (the client hung
// up, the provider cut the stream, a dialect without usage) is still estimated from what
// was relayed (core::complete_usage).
#include "gateway/pipeline/stage_sink.h"

#include "routing/providers/common/usage_json.h"

namespace tollgate::gateway::pipeline {

boost::asio::awaitable<void> StageSink::send(core::Response& response) {
  // Only when a provider answered without usage: reading a whole answer costs a parse,
  // and an answer of the gateway's own (a cache hit: no attempt) is never billed by it
  // (core::complete_usage).
  if (exchange_.attempts > 0 && !exchange_.usage.reported && response.status >= 200 &&
      response.status <= 299) {
    exchange_.answer_text_bytes += routing::providers::answer_text_bytes(response.body);
  }
  if (any(core::kResponseHead | core::kResponse)) {
    core::ResponseHead head{response.status, response.headers, false};
    for (std::size_t i = depth_; i-- > 0;) {
      if (stages_[i]->hooks() & core::kResponseHead) stages_[i]->on_response_head(exchange_, head);
    }
    for (std::size_t i = depth_; i-- > 0;) {
      if (stages_[i]->hooks() & core::kResponse) stages_[i]->on_response(exchange_, response);
    }
  }
  co_await client_->send(response);
}

boost::asio::awaitable<void> StageSink::begin_stream(int status, const core::Headers& headers) {
  if (!any(core::kResponseHead)) {
    co_await client_->begin_stream(status, headers);
    co_return;
  }
  core::Headers edited = headers;
  core::ResponseHead head{status, edited, true};
  for (std::size_t i = depth_; i-- > 0;) {
    if (stages_[i]->hooks() & core::kResponseHead) stages_[i]->on_response_head(exchange_, head);
  }
  co_await client_->begin_stream(status, edited);
}

boost::asio::awaitable<void> StageSink::send_chunk(core::Chunk& chunk) {
  if (chunk.is_done()) {
    co_await finish_events();
    co_await client_->send_chunk(chunk);
    co_return;
  }
  // Every event of a provider's stream: whether usage will come is known only at the end
  // (about 110 ns for a chat chunk of 250 bytes). Counted as the provider answered, before
  // a stage edits it. A replayed hit is no provider's (no attempt) and never billed.
  if (exchange_.attempts > 0) {
    exchange_.answer_text_bytes += routing::providers::answer_text_bytes(chunk.data);
  }
  if (!any(core::kChunk)) {
    co_await client_->send_chunk(chunk);
    co_return;
  }
  events_.clear();
  events_.push_back(std::move(chunk));
  for (std::size_t i = depth_; i-- > 0 && !events_.empty();) {
    if (stages_[i]->hooks() & core::kChunk) stages_[i]->on_chunk(exchange_, events_);
  }
  co_await send_events();
}

boost::asio::awaitable<void> StageSink::end_stream() {
  co_await finish_events();
  co_await client_->end_stream();
  exchange_.stream_ended = true;
}

boost::asio::awaitable<void> StageSink::replay(core::StreamAnswer& stream) {
  exchange_.streamed = true;
  co_await begin_stream(stream.status, stream.headers);
  for (auto& event : stream.events) co_await send_chunk(event);
  core::Chunk done{"", "[DONE]"};
  co_await send_chunk(done);
  co_await end_stream();
}

// Each stage, last first, sees as chunks what the stages after it flushed, then adds
// what it held itself: a placeholder split across events (pii) comes out whole, in order.
boost::asio::awaitable<void> StageSink::finish_events() {
  if (events_finished_) co_return;
  events_finished_ = true;
  if (!any(core::kStreamEnd)) co_return;
  events_.clear();
  for (std::size_t i = depth_; i-- > 0;) {
    unsigned hooks = stages_[i]->hooks();
    if (!events_.empty() && (hooks & core::kChunk)) stages_[i]->on_chunk(exchange_, events_);
    if (hooks & core::kStreamEnd) stages_[i]->on_stream_end(exchange_, events_);
  }
  co_await send_events();
}

boost::asio::awaitable<void> StageSink::send_events() {
  for (auto& event : events_) co_await client_->send_chunk(event);
  events_.clear();
}

}  // namespace tollgate::gateway::pipeline
