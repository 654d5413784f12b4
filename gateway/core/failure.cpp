// Names of failure classes, as they appear in logs, audit lines and metric labels.
#include "gateway/core/failure.h"

namespace tollgate::core {

std::string_view to_string(FailureClass f) {
  switch (f) {
    case FailureClass::none:
      return "none";
    case FailureClass::rate_limit:
      return "rate_limit";
    case FailureClass::server_error:
      return "server_error";
    case FailureClass::timeout:
      return "timeout";
    case FailureClass::connect_error:
      return "connect_error";
    case FailureClass::context_length:
      return "context_length";
    case FailureClass::content_filter:
      return "content_filter";
    case FailureClass::client_error:
      return "client_error";
    case FailureClass::credentials_refused:
      return "credentials_refused";
    case FailureClass::cancelled:
      return "cancelled";
  }
  return "unknown";
}

}  // namespace tollgate::core
