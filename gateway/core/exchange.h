// The one per-request context, created by the session when a request has been read
// and passed by reference through stages, router and provider (Pingora's CTX). It
// holds the request as received, what the gateway decided about it, and what happened.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gateway/core/abort_signal.h"
#include "gateway/core/config.h"
#include "gateway/core/failure.h"
#include "gateway/core/headers.h"
#include "gateway/core/hex_id.h"
#include "gateway/core/principal.h"
#include "gateway/core/request_json.h"

namespace tollgate::core {

// The OpenAI operation a path names; `passthrough` is any other POST /v1/... with a model.
// `count_tokens` is Anthropic's POST /v1/messages/count_tokens (its body read as a chat
// request; an anthropic target answers it, else the gateway does). `response_item` is a
// stored response addressed by id (GET/DELETE /v1/responses/{id}, .../cancel,
// .../input_items): it has no model and goes where the response was made.
enum class Operation {
  chat_completions,
  completions,
  embeddings,
  models,
  passthrough,
  count_tokens,
  response_item
};

// The API the client speaks. Stages and providers always see OpenAI's form: a request in
// another dialect is translated to it when its body is read, and the answer back at the
// client's edge, after the stages (gateway/ingress/).
enum class Ingress { openai, anthropic };

struct Usage {
  std::int64_t prompt_tokens = 0;
  std::int64_t completion_tokens = 0;
  bool reported = false;   // true when the provider said so (not our estimate)
  bool estimated = false;  // some figure is the gateway's estimate (see complete_usage)
  // Parts of the two counts, when the provider details them (OpenAI's *_tokens_details):
  // prompt tokens read from its cache, completion tokens spent reasoning.
  std::int64_t cached_tokens = 0;
  std::int64_t reasoning_tokens = 0;
  std::int64_t total() const { return prompt_tokens + completion_tokens; }
};

// What a stage remembers about one request between its hooks (stages are shared by all
// requests, so this lives in the Exchange; Envoy's filter state).
struct StageState {
  virtual ~StageState() = default;
};

class Subrequests;  // gateway/core/subrequest.h

// What a stage may remember from one request to the next on the same client connection:
// a keep-alive client sends the same key with every request. Owned by the session; the
// Exchange of a subrequest has none.
struct ConnectionMemo {
  std::string presented_key;  // the auth stage: the key last presented here...
  std::string key_digest;     // ...and its SHA-256, hex
};

struct Exchange {
  using Clock = std::chrono::steady_clock;

  ConfigPtr config;  // the snapshot this request started with
  std::string request_id;
  std::string client_address;  // the socket's peer
  ConnectionMemo* connection = nullptr;
  // Where the caller is, as the geo stage found it (policies/geo): ISO 3166 country and
  // continent codes ("DE", "EU"); empty when unknown or when there is no geo stage.
  std::string country;
  std::string continent;

  // The request as received (body already decoded when the client compressed it).
  std::string method;
  std::string target;  // path and query, as sent
  std::string path;    // without the query
  // Released (empty) once a streamed answer's head is out: a stream holds the Exchange for
  // minutes. A stage that needs a header at on_complete copies it in on_request.
  Headers request_headers;
  std::string body;  // capacity keeps simdjson's padding past size()
  Operation operation = Operation::passthrough;
  RequestJson json;  // what the gateway read from the body
  Ingress ingress = Ingress::openai;
  // A request in another dialect as the client sent it, and the hash of its OpenAI form as
  // first made: a provider of that dialect is sent the client's own body (model replaced)
  // while no stage changed the translation (same hash): nothing of it is lost on the way.
  std::string ingress_body;
  std::size_t ingress_translation_hash = 0;
  // What of the client's request OpenAI's form has no place for (Anthropic: server tools,
  // thinking blocks in history, mcp_servers, ...), as JSON, empty when nothing: a provider
  // of the dialect puts it back into a changed request; the cache keys on it. And the first
  // such field that only a provider of the dialect can take ("tools[1].type"), with why:
  // the router passes over targets of other kinds, and refuses with a 400 naming it when
  // none is left.
  std::string ingress_extras;
  std::string ingress_only_param;
  std::string ingress_only_message;

  // Decisions.
  PrincipalPtr principal;  // set by the auth stage; null when authentication is off
  const ModelConfig* model = nullptr;
  const TargetConfig* target_model = nullptr;
  const ProviderConfig* provider = nullptr;
  std::string route_rule;       // the routing rule that rewrote the model ("routes[2]"), if any
  Duration attempt_timeout{0};  // per attempt, from the model; 0: the provider's timeout
  int attempts = 0;             // upstream attempts made (retries and fallbacks included)
  int fallbacks = 0;            // models of the chain moved on to after the first
  // Every failed attempt: the provider tried and how it failed (metrics, audit).
  std::vector<std::pair<std::string, FailureClass>> failed_attempts;
  // What the policy stages decided, in order, for the audit log: ("limits", "rpm:key:app").
  std::vector<std::pair<std::string, std::string>> decisions;
  // W3C trace context: the caller's trace (or a new one), the caller's span, and ours
  // (sent upstream as the parent of the provider's work).
  HexId<32> trace_id;
  HexId<16> parent_span_id, span_id;
  Headers response_headers;  // added to whatever response the client gets; released like
                             // request_headers
  AbortSignal client_gone;   // fired by the session when the client disconnects
  // Requests the gateway makes on its own account for this one (the cache's embeddings),
  // through this request's config snapshot; set by the pipeline, null without one.
  Subrequests* subrequests = nullptr;

  // What happened.
  int status = 0;
  Usage usage;
  std::int64_t cost_nusd = 0;  // set by the limits stage from `pricing`
  // What the cache stage did (the audit line's `cache`, tollgate_cache_requests_total):
  // none, hit, semantic-hit, miss, bypass or refresh (static strings); a hit's saved cost.
  std::string_view cache = "none";
  std::int64_t cache_saved_nusd = 0;
  // The cache's embeddings call for this request, when it made one (none, ok, refused,
  // failed, timeout, cancelled, invalid: tollgate_cache_embedding_requests_total), and the
  // tokens the provider reported for it: the gateway's cost, never the caller's quota.
  std::string_view cache_embedding = "none";
  std::int64_t cache_embedding_tokens = 0;
  Clock::duration upstream_time{0};  // summed over attempts
  FailureClass failure = FailureClass::none;
  std::string failure_detail;  // for logs; never a secret
  bool streamed = false;
  // What the client was sent of the answer's text (content, tool arguments, reasoning),
  // in bytes, counted where answers pass the stages (gateway/pipeline/stage_sink.cpp),
  // and whether a stream reached its end: the completion is estimated from them when
  // the provider's usage never came (see complete_usage).
  std::int64_t answer_text_bytes = 0;
  bool stream_ended = false;
  // The answer as the provider gave it, for the audit line, when a stage changes it for
  // the client afterwards (pii putting pseudonymized values back): kept only while
  // `audit_bodies` (set by the observe stage when the audit log records bodies) asks for
  // it, so the audit log never holds what a stage protects.
  bool audit_bodies = false;
  bool audit_answer_kept = false;
  std::string audit_answer;
  Clock::time_point started = Clock::now();
  Clock::time_point first_byte{};
  Clock::time_point finished{};

  // The state `owner` (a stage) keeps for this request, made on first use.
  template <typename T>
  T& stage_state(const void* owner) {
    for (auto& [who, state] : stage_states_) {
      if (who == owner) return static_cast<T&>(*state);
    }
    auto made = std::make_unique<T>();
    T& ref = *made;
    stage_states_.emplace_back(owner, std::move(made));
    return ref;
  }
  template <typename T>
  T* find_stage_state(const void* owner) {
    for (auto& [who, state] : stage_states_) {
      if (who == owner) return static_cast<T*>(state.get());
    }
    return nullptr;
  }

 private:
  std::vector<std::pair<const void*, std::unique_ptr<StageState>>> stage_states_;
};

// Completion tokens guessed from the answer's text, as the prompt's are (request_json.h):
// about four bytes a token.
inline std::int64_t estimate_completion_tokens(std::int64_t text_bytes) {
  return (std::max<std::int64_t>(0, text_bytes) + 3) / 4;
}

// Fills in, once an answer is over, what its provider did not report, so that every
// consumer (the ledger, the audit and access lines, metrics) bills the same figures.
// A request no provider answered (a refusal, the gateway's own answer such as the model
// list, a failure before any byte) stays as it is. Otherwise a prompt without reported usage is the
// prompt estimate, and the completion is at least the estimate from what was relayed when the
// provider never said, or when a stream was cut (the client hung up, the provider failed
// mid-stream): usage that came before the cut (Anthropic's message_start) counts only what was
// known then. Marks `usage.estimated` when a figure was raised. Safe to call more than once.
// A client that hung up before any answer still pays for its prompt: the provider had
// it, and a tenant must not be able to send large prompts for free by closing the
// connection just before the answer comes.
inline void complete_usage(Exchange& exchange) {
  bool abandoned = exchange.failure == FailureClass::cancelled && exchange.status == 0;
  bool answered = exchange.status >= 200 && exchange.status <= 299;
  if (exchange.attempts == 0 || (!answered && !abandoned)) return;
  Usage& usage = exchange.usage;
  if (!usage.reported) {
    usage.prompt_tokens = estimate_prompt_tokens(exchange.json);
    usage.estimated = true;
  }
  // A filtered completion (Azure) still ends its stream whole, usage included.
  bool failed =
      exchange.failure != FailureClass::none && exchange.failure != FailureClass::content_filter;
  bool cut = exchange.streamed && (!exchange.stream_ended || failed);
  if (usage.reported && !cut) return;
  std::int64_t relayed = estimate_completion_tokens(exchange.answer_text_bytes);
  if (relayed > usage.completion_tokens) {
    usage.completion_tokens = relayed;
    usage.estimated = true;
  }
}

}  // namespace tollgate::core
