// The upstream transport as providers see it: send one HTTP request to a provider and
// read the answer, whole or as it arrives. Implemented in gateway/ over Beast with a
// keep-alive pool per thread; providers stay free of Beast and sockets.
#pragma once

#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>

#include "gateway/core/abort_signal.h"
#include "gateway/core/config.h"
#include "gateway/core/failure.h"
#include "gateway/core/headers.h"

namespace tollgate::core {

struct UpstreamRequest {
  std::string method = "POST";
  std::string target;  // path and query, base path of the provider included
  Headers headers;     // host, content-length and connection are set by the transport
  std::string body;
  bool stream = false;           // deliver a 2xx body as it arrives
  Duration timeout{0};           // overrides the provider's timeout when above zero
  AbortSignal* abort = nullptr;  // when fired, the upstream connection is closed at once
};

struct UpstreamResponse {
  int status = 0;
  Headers headers;   // content-encoding removed when the body was decoded
  std::string body;  // the whole body, decoded; empty when streamed to a receiver
};

// The most of one provider answer the gateway ever holds whole: a whole answer, or one
// that came whole (not as events) where a stream was asked for. Past it the attempt fails
// as a server error: a provider must not grow the gateway without bound.
inline constexpr std::size_t kMaxWholeAnswerBytes = 64 * 1024 * 1024;

// Adds what arrived to an answer being collected whole, within kMaxWholeAnswerBytes.
inline void append_answer_bytes(std::string& collected, std::string_view bytes) {
  if (bytes.size() > kMaxWholeAnswerBytes - collected.size()) {
    throw UpstreamError(FailureClass::server_error, "the provider's answer is larger than " +
                                                        std::to_string(kMaxWholeAnswerBytes >> 20) +
                                                        " MiB");
  }
  collected.append(bytes);
}

// Receives a streamed 2xx body. Each call may wait (it writes to the client); when it
// throws, the transport abandons the upstream connection at once.
class StreamReceiver {
 public:
  virtual ~StreamReceiver() = default;
  virtual boost::asio::awaitable<void> on_head(const UpstreamResponse& head) = 0;
  virtual boost::asio::awaitable<void> on_data(std::string_view bytes) = 0;
};

class UpstreamTransport {
 public:
  virtual ~UpstreamTransport() = default;
  // Throws UpstreamError (connect_error, timeout, server_error) when no complete
  // answer arrives. `provider` gives the endpoint, TLS settings and timeouts; a non-2xx
  // answer is returned whole, never streamed. Once an answer has begun, the request's
  // body and headers are released: build a new request for another attempt.
  virtual boost::asio::awaitable<UpstreamResponse> send(const ProviderConfig& provider,
                                                        UpstreamRequest& request,
                                                        StreamReceiver* receiver) = 0;
};

}  // namespace tollgate::core
