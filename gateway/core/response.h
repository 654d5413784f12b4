// What flows back to the client, in our own small types: a whole response, or a stream
// of server-sent events. The sink is implemented in gateway/ (over Beast) and wrapped
// by the pipeline runner so that stage hooks see every response and chunk.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>

#include "gateway/core/headers.h"

namespace tollgate::core {

struct Response {
  int status = 200;
  Headers headers;  // content-type defaults to application/json when absent
  std::string body;
};

// One server-sent event. `data` is the payload after "data: " (JSON, or "[DONE]");
// `event` is the optional event name. Stages may edit either.
struct Chunk {
  std::string event;
  std::string data;
  bool is_done() const { return data == "[DONE]"; }
};

// A member of a chat answer's message, or of a chunk's delta, that a provider makes only
// for a client of another ingress dialect (Anthropic's: thinking with its signature,
// server tool blocks, citations; routing/providers/anthropic/anthropic_tables.h) and that
// its edge writes back: never made for an OpenAI client. In a chunk, {"start": ...} in it
// opens a new block of the answer: a stage holding text back releases it before.
inline constexpr std::string_view kDialectMember = "x_tollgate_anthropic";

// Coroutine hooks take references, never by-value objects: GCC 12 can destroy a
// by-value coroutine argument twice when the call sits inside a co_await expression.
// Callers pass named objects and co_await at once, so the references stay valid.
class ResponseSink {
 public:
  virtual ~ResponseSink() = default;
  // A whole response. Call at most once, and not after begin_stream.
  virtual boost::asio::awaitable<void> send(Response& response) = 0;
  // Starts a text/event-stream response with `status` and extra `headers`.
  virtual boost::asio::awaitable<void> begin_stream(int status, const Headers& headers) = 0;
  // Sends one event at once (no buffering until the next one).
  virtual boost::asio::awaitable<void> send_chunk(Chunk& chunk) = 0;
  virtual boost::asio::awaitable<void> end_stream() = 0;
  // Raw bytes of a stream begun with another content-type in `headers` (audio from
  // /v1/audio/speech): sent at once as they are, no event framing, no stage's chunk hooks.
  // Only the sinks on the way to a client carry them.
  virtual boost::asio::awaitable<void> send_bytes(std::string_view /*bytes*/) {
    throw std::logic_error("this sink carries events only");
    co_return;
  }
  // True once any byte of the response may have reached the client: from then on a
  // failure can no longer be answered with an error status or a fallback.
  virtual bool committed() const = 0;
};

}  // namespace tollgate::core
