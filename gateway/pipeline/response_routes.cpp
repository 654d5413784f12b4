// Responses addressed by id: recording where each was made, and serving calls there.
#include "gateway/pipeline/response_routes.h"

#include <simdjson.h>

#include "gateway/core/errors.h"

namespace tollgate::gateway::pipeline {

namespace asio = boost::asio;
namespace od = simdjson::ondemand;

namespace {

constexpr std::string_view kPrefix = "/v1/responses/";

// An id no replica knows, or that another key made: the same answer, so that a key cannot
// learn whether someone else's response exists.
void unknown_response(const std::string& id, std::string_view why, core::CallOutcome& outcome) {
  outcome.failure = core::FailureClass::client_error;
  outcome.detail = "response '" + id + "': " + std::string(why);
  outcome.upstream_error = core::error_response(core::ErrorKind::response_not_found,
                                                "Response with id '" + id + "' not found.");
}

// The configured target the response was made on: its model's, else any model's with the
// same provider and target model (the model was renamed by a reload). Null when gone.
const core::TargetConfig* find_target(const core::Config& config, const ResponseRoute& route,
                                      const core::ModelConfig*& model) {
  auto matches = [&](const core::TargetConfig& t) {
    return t.provider == route.provider && t.model == route.target_model;
  };
  if (const core::ModelConfig* named = config.find_model(route.model)) {
    for (const auto& target : named->targets) {
      if (!matches(target)) continue;
      model = named;
      return &target;
    }
  }
  for (const auto& candidate : config.models) {
    for (const auto& target : candidate.targets) {
      if (!matches(target)) continue;
      model = &candidate;
      return &target;
    }
  }
  return nullptr;
}

}  // namespace

std::optional<ResponseItemPath> response_item_path(std::string_view path) {
  if (!path.starts_with(kPrefix)) return std::nullopt;
  std::string_view rest = path.substr(kPrefix.size());
  std::size_t slash = rest.find('/');
  std::string_view id = rest.substr(0, slash);
  if (id.empty()) return std::nullopt;
  if (slash == std::string_view::npos) return ResponseItemPath{id, "GET, DELETE"};
  std::string_view sub = rest.substr(slash);
  if (sub == "/cancel") return ResponseItemPath{id, "POST"};
  if (sub == "/input_items") return ResponseItemPath{id, "GET"};
  return std::nullopt;
}

bool response_item_method_allowed(const ResponseItemPath& item, std::string_view method) {
  if (item.allow == "GET, DELETE") return method == "GET" || method == "DELETE";
  return method == item.allow;
}

bool creates_response(const core::Exchange& exchange) {
  return exchange.operation == core::Operation::passthrough && exchange.path == "/v1/responses";
}

std::optional<std::string> response_id_in(std::string_view json, bool event) {
  simdjson::padded_string padded(json);
  od::parser parser;
  try {
    od::document doc = parser.iterate(padded);
    od::object object = event ? doc.find_field_unordered("response").get_object().value()
                              : doc.get_object().value();
    std::string_view id = object.find_field_unordered("id").get_string().value();
    if (!valid_response_id(id)) return std::nullopt;
    return std::string(id);
  } catch (const simdjson::simdjson_error&) {
    return std::nullopt;
  }
}

asio::awaitable<void> ResponseIdRecorder::record(const std::string& id) {
  recorded_ = true;
  if (exchange_.provider == nullptr || exchange_.target_model == nullptr) co_return;
  ResponseRoute route{exchange_.provider->name, exchange_.target_model->model,
                      exchange_.model != nullptr ? exchange_.model->name : std::string(),
                      exchange_.principal ? exchange_.principal->key_id : std::string()};
  co_await store_.remember(id, route);
}

asio::awaitable<void> ResponseIdRecorder::send(core::Response& response) {
  if (!recorded_ && response.status >= 200 && response.status <= 299) {
    if (auto id = response_id_in(response.body, false)) co_await record(*id);
  }
  co_await next_.send(response);
}

// The first event that carries the Response object (response.created) gives the id; an
// event's text can never hold the unescaped `"response":{` that is looked for first.
asio::awaitable<void> ResponseIdRecorder::send_chunk(core::Chunk& chunk) {
  if (!recorded_ && chunk.data.find("\"response\":{") != std::string::npos) {
    if (auto id = response_id_in(chunk.data, true)) co_await record(*id);
  }
  co_await next_.send_chunk(chunk);
}

asio::awaitable<void> ResponseIdForgetter::forget_if(int status) {
  if (status >= 200 && status <= 299) co_await store_.forget(id_);
}

asio::awaitable<void> ResponseIdForgetter::send(core::Response& response) {
  co_await forget_if(response.status);
  co_await next_.send(response);
}

asio::awaitable<void> ResponseIdForgetter::begin_stream(int status, const core::Headers& headers) {
  co_await forget_if(status);
  co_await next_.begin_stream(status, headers);
}

ResponseRouteStore& response_routes(const Runtime& runtime) {
  static ResponseRouteStore memory_only(nullptr);
  return runtime.response_route_store ? *runtime.response_route_store : memory_only;
}

// long: one lookup, its three refusals, the exchange's record of the target and the call;
// each step is a few lines and they share the locals.
asio::awaitable<void> serve_response_item(const Runtime& runtime, core::Exchange& exchange,
                                          core::CallContext& context, core::CallOutcome& outcome) {
  std::string id(response_item_path(exchange.path)->id);
  std::optional<ResponseRoute> route = co_await response_routes(runtime).lookup(id);
  std::string owner = exchange.principal ? exchange.principal->key_id : std::string();
  if (!route) {
    unknown_response(id, "no replica made it", outcome);
    co_return;
  }
  if (route->owner != owner) {
    unknown_response(id, "another key made it", outcome);
    co_return;
  }
  auto provider = runtime.providers.find(route->provider);
  const core::ModelConfig* model = nullptr;
  const core::TargetConfig* target = find_target(*runtime.config, *route, model);
  if (provider == runtime.providers.end() || target == nullptr) {
    unknown_response(id, "its provider '" + route->provider + "' is no longer configured", outcome);
    co_return;
  }
  exchange.model = model;
  exchange.target_model = target;
  exchange.provider = &provider->second->config();
  exchange.attempts = 1;
  exchange.response_headers.set("x-tollgate-provider", target->provider);
  exchange.response_headers.set("x-tollgate-model", target->model);
  exchange.response_headers.set("x-tollgate-attempts", "1");
  auto started = std::chrono::steady_clock::now();
  if (exchange.method == "DELETE") {
    // Tombstoned before the client sees the answer: a retrieve it sends next to another
    // replica must not race the tombstone's write.
    ResponseIdForgetter forgetter(context.sink, id, response_routes(runtime));
    core::CallContext forgetting{context.upstream, forgetter};
    co_await provider->second->call(exchange, *target, forgetting, outcome);
  } else {
    co_await provider->second->call(exchange, *target, context, outcome);
  }
  exchange.upstream_time += std::chrono::steady_clock::now() - started;
  if (outcome.failure != core::FailureClass::none && exchange.client_gone.aborted()) {
    outcome.failure = core::FailureClass::cancelled;
  }
  // A stored response's usage was billed when it was made.
  exchange.usage = core::Usage{};
  exchange.usage.reported = true;
}

}  // namespace tollgate::gateway::pipeline
