// The one per-request context, created by the session when a request has been read
// and passed by reference through stages, router and provider (Pingora's CTX). It
// holds the request as received, what the gateway decided about it, and what happened.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "gateway/core/abort_signal.h"
#include "gateway/core/config.h"
#include "gateway/core/failure.h"
#include "gateway/core/headers.h"
#include "gateway/core/request_json.h"

namespace tollgate::core {

// The OpenAI operation a path names; `passthrough` is any other POST /v1/... with a model.
enum class Operation { chat_completions, completions, embeddings, models, passthrough };

struct Usage {
  std::int64_t prompt_tokens = 0;
  std::int64_t completion_tokens = 0;
  bool reported = false;  // true when the provider said so (not our estimate)
  std::int64_t total() const { return prompt_tokens + completion_tokens; }
};

struct Exchange {
  using Clock = std::chrono::steady_clock;

  ConfigPtr config;  // the snapshot this request started with
  std::string request_id;
  std::string client_address;

  // The request as received (body already decoded when the client compressed it).
  std::string method;
  std::string target;  // path and query, as sent
  std::string path;    // without the query
  Headers request_headers;
  std::string body;  // capacity keeps simdjson's padding past size()
  Operation operation = Operation::passthrough;
  RequestJson json;  // what the gateway read from the body

  // Decisions.
  const ModelConfig* model = nullptr;
  const TargetConfig* target_model = nullptr;
  const ProviderConfig* provider = nullptr;
  Headers response_headers;  // added to whatever response the client gets
  AbortSignal client_gone;   // fired by the session when the client disconnects

  // What happened.
  int status = 0;
  Usage usage;
  FailureClass failure = FailureClass::none;
  std::string failure_detail;  // for logs; never a secret
  bool streamed = false;
  Clock::time_point started = Clock::now();
  Clock::time_point first_byte{};
  Clock::time_point finished{};
};

}  // namespace tollgate::core
