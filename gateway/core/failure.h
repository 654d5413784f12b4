// How an upstream attempt failed, decided once where it happens (the transport or the
// provider adapter). Retries, fallbacks, status codes and metrics act on this class.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace tollgate::core {

enum class FailureClass {
  none,
  rate_limit,      // provider said 429
  server_error,    // provider 5xx, or a broken answer
  timeout,         // no answer (or no next stream event) in time
  connect_error,   // refused, reset, DNS, TLS handshake
  context_length,  // prompt too long for the model
  content_filter,  // provider refused the content
  client_error,    // provider 4xx: the request itself is wrong; never retried
  // The provider refused the gateway's own credentials (its 401/403): the operator's
  // fault, never the client's. Another target may hold a good key, so it falls back.
  credentials_refused,
  // The client hung up and the attempt was cancelled for it: never the target's fault,
  // so it never counts toward a breaker (one tenant must not take a model offline).
  cancelled,
};

std::string_view to_string(FailureClass f);

// Thrown by the upstream transport. `what()` is for logs: it never holds a secret.
class UpstreamError : public std::runtime_error {
 public:
  UpstreamError(FailureClass failure, const std::string& detail)
      : std::runtime_error(detail), failure_(failure) {}
  FailureClass failure() const { return failure_; }

 private:
  FailureClass failure_;
};

}  // namespace tollgate::core
