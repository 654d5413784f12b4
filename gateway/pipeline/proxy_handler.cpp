// The proxy pipeline: path → head stages → body checks → stages → route → provider →
// answer. Errors are chosen here from what went wrong (core/errors.h builds them).
#include "gateway/pipeline/proxy_handler.h"

#include "gateway/core/content_coding.h"
#include "gateway/core/errors.h"
#include "gateway/core/multipart_model.h"
#include "gateway/ingress/anthropic_ingress.h"
#include "gateway/pipeline/cors.h"
#include "gateway/pipeline/request_path.h"
#include "gateway/pipeline/response_routes.h"
#include "gateway/pipeline/stage_sink.h"
#include "gateway/pipeline/subrequests.h"

namespace tollgate::gateway::pipeline {

namespace asio = boost::asio;
using core::ErrorKind;
using core::Operation;

std::optional<PathMatch> match_path(std::string_view method, std::string_view path) {
  bool post = method == "POST";
  if (path == "/v1/chat/completions") return PathMatch{Operation::chat_completions, post};
  if (path == "/v1/completions") return PathMatch{Operation::completions, post};
  if (path == "/v1/embeddings") return PathMatch{Operation::embeddings, post};
  // Anthropic's Messages API: its body is translated to a chat request (gateway/ingress/).
  if (ingress::is_messages_path(path)) {
    Operation operation =
        path.ends_with("/count_tokens") ? Operation::count_tokens : Operation::chat_completions;
    return PathMatch{operation, post, false, core::Ingress::anthropic};
  }
  if (path == "/v1/models") {
    return PathMatch{Operation::models, method == "GET", false, core::Ingress::openai, "GET"};
  }
  if (path.starts_with("/v1/models/") && path.size() > 11) {
    return PathMatch{Operation::models, method == "GET", true, core::Ingress::openai, "GET"};
  }
  // A stored response, by id: served where it was made (response_routes.h).
  if (auto item = response_item_path(path)) {
    return PathMatch{Operation::response_item, response_item_method_allowed(*item, method), false,
                     core::Ingress::openai, item->allow};
  }
  // Any other POST /v1/... is routed by the model in its body (JSON, or a multipart
  // upload's model field) and passed through.
  if (path.starts_with("/v1/") && path.size() > 4 && post) {
    return PathMatch{Operation::passthrough, true};
  }
  return std::nullopt;
}

namespace {

using core::error_response;

core::Response json_response(std::string body) {
  core::Response response;
  response.headers.set("content-type", "application/json");
  response.body = std::move(body);
  return response;
}

// The field each operation cannot do without, checked before any stage runs.
std::optional<core::Response> missing_field(const core::Exchange& exchange) {
  const core::RequestJson& json = exchange.json;
  if (!json.model) {
    return error_response(ErrorKind::invalid_request, "you must provide a model parameter",
                          "model");
  }
  switch (exchange.operation) {
    case Operation::chat_completions:
      if (!json.has_messages) {
        return error_response(ErrorKind::invalid_request,
                              "'messages' is a required property and must be an array", "messages");
      }
      break;
    case Operation::completions:
      if (!json.has_prompt) {
        return error_response(ErrorKind::invalid_request, "'prompt' is a required property",
                              "prompt");
      }
      break;
    case Operation::embeddings:
      if (!json.has_input) {
        return error_response(ErrorKind::invalid_request, "'input' is a required property",
                              "input");
      }
      break;
    default:
      break;
  }
  return std::nullopt;
}

// A client may compress its request body; the gateway must read it, so decode it once
// here, bounded by max_body_bytes after decoding: past it is a 413 like an uncompressed
// body's (decoding stops there), a corrupt or truncated body a 400.
std::optional<core::Response> decode_request_body(core::Exchange& exchange) {
  std::string_view encoding = exchange.request_headers.get("content-encoding");
  if (encoding.empty()) return std::nullopt;
  auto coding = core::parse_coding(encoding);
  if (coding == core::Coding::identity) return std::nullopt;
  if (coding == core::Coding::unsupported) {
    return error_response(ErrorKind::unsupported_media,
                          "unsupported content-encoding; use gzip, deflate or br");
  }
  std::size_t limit = exchange.config->server.max_body_bytes;
  core::DecodedBody decoded = core::decode_body(coding, exchange.body, limit);
  switch (decoded.outcome) {
    case core::DecodedBody::Outcome::too_large:
      return error_response(
          ErrorKind::request_too_large,
          "the decoded request body is larger than " + std::to_string(limit) + " bytes");
    case core::DecodedBody::Outcome::corrupt:
      return error_response(ErrorKind::invalid_request,
                            "the compressed request body is corrupt or truncated");
    case core::DecodedBody::Outcome::ok:
      break;
  }
  exchange.body = std::move(decoded.body);
  exchange.request_headers.remove("content-encoding");
  return std::nullopt;
}

// Path and method: decided before any stage runs. Returns the answer when the request
// stops here.
std::optional<core::Response> check_path(core::Exchange& exchange) {
  // From here on, path and target are what a provider's server would make of them: what
  // is matched below is what is forwarded (`/v1/x/../../internal/admin` is /internal/admin,
  // an unknown path, never a passthrough to the provider with the gateway's key).
  std::string_view bad_path = normalize_request_target(exchange.target, exchange.path);
  if (!bad_path.empty()) return error_response(ErrorKind::invalid_request, bad_path);
  auto match = match_path(exchange.method, exchange.path);
  if (!match) {
    return error_response(ErrorKind::not_found,
                          "unknown path: " + exchange.method + " " + exchange.path);
  }
  exchange.ingress = match->ingress;
  if (!match->method_allowed) {
    core::Response response =
        error_response(ErrorKind::method_not_allowed,
                       "method " + exchange.method + " is not allowed for " + exchange.path);
    response.headers.set("allow", match->allow);
    return response;
  }
  exchange.operation = match->operation;
  return std::nullopt;
}

// An upload (multipart/form-data): only its model field is read, bounded.
std::optional<core::Response> read_multipart(core::Exchange& exchange) {
  core::MultipartModel found =
      core::read_multipart_model(exchange.request_headers.get("content-type"), exchange.body);
  if (!found.ok) return error_response(ErrorKind::invalid_request, found.error, "model");
  exchange.json.multipart = true;
  exchange.json.model = std::move(found.model);
  exchange.json.model_range = found.value;
  return std::nullopt;
}

// The body, once read: decoded, parsed, and the fields its operation needs.
std::optional<core::Response> check_body(core::Exchange& exchange) {
  if (exchange.operation == Operation::models) return std::nullopt;
  bool item = exchange.operation == Operation::response_item;
  if (item && exchange.body.empty()) return std::nullopt;
  if (auto error = decode_request_body(exchange)) return error;
  if (exchange.operation == Operation::passthrough &&
      core::is_multipart_form(exchange.request_headers.get("content-type"))) {
    return read_multipart(exchange);
  }
  if (exchange.ingress == core::Ingress::anthropic) {
    if (auto refusal = ingress::accept_anthropic_request(exchange)) return refusal;
  }
  auto parsed = core::parse_request_json(exchange.body, exchange.json,
                                         exchange.config->server.max_json_depth);
  if (!parsed.ok) return error_response(ErrorKind::invalid_json, parsed.error);
  if (item) return std::nullopt;  // addressed by its id: no model
  return missing_field(exchange);
}

// The same, into `answer`: true when the request stops here. Plain functions, so that
// the optional they build never lands on the handler's coroutine frame.
bool refuse_path(core::Exchange& exchange, core::Response& answer) {
  std::optional<core::Response> refusal = check_path(exchange);
  if (refusal) answer = std::move(*refusal);
  return refusal.has_value();
}
bool refuse_body(core::Exchange& exchange, core::Response& answer) {
  std::optional<core::Response> refusal = check_body(exchange);
  if (refusal) answer = std::move(*refusal);
  return refusal.has_value();
}

// GET /v1/models and GET /v1/models/{id}: only the models the caller's key may use.
core::Response models_answer(const Runtime& runtime, const core::Exchange& exchange) {
  constexpr std::string_view kPrefix = "/v1/models/";
  const core::Principal* principal = exchange.principal.get();
  bool restricted = principal != nullptr && !principal->models.empty();
  if (!exchange.path.starts_with(kPrefix)) {
    if (!restricted) return json_response(runtime.models_list_body);
    return json_response(models_list_json(*runtime.config, [&](const core::ModelConfig& model) {
      return principal->allows_model(model.name);
    }));
  }
  std::string_view id = std::string_view(exchange.path).substr(kPrefix.size());
  const core::ModelConfig* model = runtime.config->find_model(id);
  if (model != nullptr && (!restricted || principal->allows_model(model->name))) {
    return json_response(model_json(*model));
  }
  return error_response(ErrorKind::model_not_found,
                        "the model '" + std::string(id) + "' does not exist", "model");
}

}  // namespace

bool ProxyHandler::watches_client(const core::Exchange& exchange) const {
  return exchange.method == "POST";
}

namespace {

// The gateway's own answers when the request cannot be served, written into `answer`.
// Plain functions, so that none of what they build lands on the handler's coroutine
// frame, which a stream holds for minutes.
void refuse_unknown_model(const core::Exchange& exchange, core::Response& answer) {
  answer = error_response(
      ErrorKind::model_not_found,
      "the model '" + *exchange.json.model + "' does not exist or you do not have access to it",
      "model");
}

// An unknown model; or Anthropic's count_tokens, which the gateway estimates unless an
// anthropic provider can count the client's own body (no stage changed it).
bool answered_without_provider(const Runtime& runtime, const core::Exchange& exchange,
                               const core::ModelConfig* model, core::Response& answer) {
  if (model == nullptr) {
    refuse_unknown_model(exchange, answer);
    return true;
  }
  if (exchange.operation != Operation::count_tokens) return false;
  bool unchanged =
      std::hash<std::string_view>{}(exchange.body) == exchange.ingress_translation_hash;
  if (unchanged && ingress::served_by_anthropic(*runtime.config, *model)) return false;
  answer = ingress::count_tokens_answer(exchange);
  return true;
}

void failure_answer(const core::Exchange& exchange, core::CallOutcome& outcome,
                    core::Response& answer) {
  if (outcome.failure == core::FailureClass::credentials_refused) {
    // Never the provider's own 401/403: the client would take it for a bad tollgate key,
    // and providers echo part of the key they refused ("sk-proj-****abcd").
    std::string provider = exchange.provider != nullptr ? exchange.provider->name : "";
    answer = error_response(core::error_for(outcome.failure).kind,
                            "the provider '" + provider +
                                "' refused the gateway's credentials for it; your API key is "
                                "fine, the gateway's operator must fix the provider key");
    return;
  }
  answer = outcome.upstream_error ? std::move(*outcome.upstream_error)
                                  : core::failure_response(outcome.failure);
}

// A stage's answer, whole or as a stream, through the response hooks of the stages
// before it.
asio::awaitable<void> answer_decision(StageSink& sink, std::size_t stage,
                                      core::Decision& decision) {
  sink.answered_by(stage);
  if (decision.streams()) {
    co_await sink.replay(decision.stream());
  } else {
    co_await sink.send(decision.response());
  }
}

}  // namespace

// Every answer is built in the one named `answer` before it is co_awaited: see the note
// on ResponseSink about GCC 12 and temporaries in co_await expressions. One object, not
// one per kind of answer, because every local of a coroutine lives on its frame.
// long: the request's whole path in one coroutine, since a stream holds every frame of it
// for minutes and each helper coroutine would be one more.
asio::awaitable<void> ProxyHandler::handle(core::Exchange& exchange, core::RequestBody& body,
                                           core::ResponseSink& client) {
  RuntimePtr runtime = slot_->runtime;  // this request's snapshot, whatever a reload does meanwhile
  exchange.config = runtime->config;
  RuntimeSubrequests subrequests(runtime, *upstream_);  // the cache's embeddings call
  exchange.subrequests = &subrequests;
  StageSink sink(client, runtime->stages, exchange);
  ingress::AnthropicSink anthropic_edge(client, exchange);

  // on_complete runs once whatever happens, after the client has its answer.
  struct CompleteHooks {
    const Runtime& runtime;
    core::Exchange& exchange;
    ~CompleteHooks() {
      for (auto it = runtime.stages.rbegin(); it != runtime.stages.rend(); ++it) {
        if ((*it)->hooks() & core::kComplete) (*it)->on_complete(exchange);
      }
    }
  } complete_hooks{*runtime, exchange};

  core::Response answer;
  // A browser's preflight carries no key: answered before any stage, so it needs none,
  // counts against no limit and reaches no provider.
  if (answer_preflight(runtime->config->server.cors, exchange, answer)) {
    co_await sink.send(answer);
    co_return;
  }
  add_cors_headers(runtime->config->server.cors, exchange);
  bool refused = refuse_path(exchange, answer);
  if (exchange.ingress == core::Ingress::anthropic) sink.set_client(anthropic_edge);
  if (refused) {
    co_await sink.send(answer);
    co_return;
  }

  // The head phase: who is asking decides whether the body is read at all. One Decision
  // for both phases: every local of a coroutine lives on its frame for the whole stream.
  const auto& stages = runtime->stages;
  core::Decision decision = core::Decision::proceed();
  for (std::size_t i = 0; i < stages.size(); ++i) {
    if (!(stages[i]->hooks() & core::kRequestHead)) continue;
    decision = co_await stages[i]->on_request_head(exchange);
    if (decision.responds()) {
      co_await answer_decision(sink, i, decision);
      co_return;
    }
  }

  if (!co_await body.read(exchange, answer)) {
    if (answer.status != 0) co_await sink.send(answer);
    co_return;
  }
  if (refuse_body(exchange, answer)) {
    co_await sink.send(answer);
    co_return;
  }

  for (std::size_t i = 0; i < stages.size(); ++i) {
    if (!(stages[i]->hooks() & core::kRequest)) continue;
    decision = co_await stages[i]->on_request(exchange);
    if (decision.responds()) {
      co_await answer_decision(sink, i, decision);
      co_return;
    }
  }

  if (exchange.operation == Operation::models) {
    answer = models_answer(*runtime, exchange);
    co_await sink.send(answer);
    co_return;
  }

  core::CallOutcome outcome;
  if (exchange.operation == Operation::response_item) {
    core::CallContext context{*upstream_, sink};
    co_await serve_response_item(*runtime, exchange, context, outcome);
  } else {
    const core::ModelConfig* model = runtime->router->resolve(exchange);
    if (answered_without_provider(*runtime, exchange, model, answer)) {
      co_await sink.send(answer);
      co_return;
    }
    // A new stored response: where it was made is recorded before its id reaches the client.
    ResponseIdRecorder recorder(sink, exchange, response_routes(*runtime));
    core::ResponseSink& provider_sink = creates_response(exchange)
                                            ? static_cast<core::ResponseSink&>(recorder)
                                            : static_cast<core::ResponseSink&>(sink);
    core::CallContext context{*upstream_, provider_sink};
    co_await runtime->router->serve(exchange, *model, runtime->providers, context, outcome);
  }
  if (outcome.failure == core::FailureClass::none) co_return;
  exchange.failure = outcome.failure;
  exchange.failure_detail = outcome.detail;
  if (sink.committed()) co_return;  // the provider already ended the stream with an error
  if (exchange.client_gone.aborted()) co_return;
  failure_answer(exchange, outcome, answer);
  co_await sink.send(answer);
}

}  // namespace tollgate::gateway::pipeline
