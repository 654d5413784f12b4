#include "routing/providers/common/call_outcomes.h"

#include "gateway/core/errors.h"

namespace tollgate::routing::providers {

core::CallOutcome failed(core::FailureClass failure, std::string detail, int status) {
  core::CallOutcome outcome;
  outcome.failure = failure;
  outcome.detail = std::move(detail);
  outcome.upstream_status = status;
  return outcome;
}

core::CallOutcome refused(core::Response response, core::FailureClass failure, std::string detail,
                          int status) {
  core::CallOutcome outcome = failed(failure, std::move(detail), status);
  outcome.upstream_error = std::move(response);
  return outcome;
}

std::string stream_error_event(core::FailureClass failure) {
  auto kind = failure == core::FailureClass::timeout ? core::ErrorKind::upstream_timeout
                                                     : core::ErrorKind::upstream_unreachable;
  return core::error_body(
      kind, "the provider's stream ended early: " + std::string(core::to_string(failure)));
}

}  // namespace tollgate::routing::providers
