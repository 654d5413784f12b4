// The few ways every dialect ends an attempt, in one place: a failure of a class, a
// failure carrying the OpenAI-shaped error to pass on, and the error event that ends a
// stream already under way.
#pragma once

#include <string>

#include "gateway/core/provider.h"

namespace tollgate::routing::providers {

core::CallOutcome failed(core::FailureClass failure, std::string detail, int status = 0);

// A failure whose answer, if no retry or fallback helps, is `response`.
core::CallOutcome refused(core::Response response, core::FailureClass failure, std::string detail,
                          int status = 0);

// The data of the OpenAI-shaped error event that ends a stream cut short by `failure`.
std::string stream_error_event(core::FailureClass failure);

}  // namespace tollgate::routing::providers
