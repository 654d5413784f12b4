#include "cache/cache_stage.h"

#include <chrono>
#include <cstdio>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/this_coro.hpp>

#include "cache/cache_hub.h"
#include "cache/request_controls.h"
#include "cache/request_key.h"
#include "gateway/core/background_work.h"
#include "gateway/core/errors.h"
#include "gateway/core/log.h"
#include "gateway/core/module_registry.h"
#include "gateway/core/sha256.h"

namespace tollgate::cache {

namespace asio = boost::asio;

// What the stage keeps for one request of a cacheable operation, for as long as its
// answer runs (a stream for minutes): what only a store needs is on the heap, made when
// needed, and let go when nothing will be stored.
struct CacheStage::RequestCache : core::StageState {
  RequestKeys keys;
  Controls controls;
  std::string_view result = "none";
  bool storing = false;
  std::unique_ptr<Embedding> vector;  // the last user message's, once embedded
  int status = 0;
  std::unique_ptr<CachedAnswer> whole;
  std::vector<std::string> events;
  std::size_t event_bytes = 0;
  asio::any_io_executor executor;
};

namespace {

// A streamed answer larger than this is not kept (nor is one over a shard's share of
// max_bytes: MemoryStore refuses it).
constexpr std::size_t kMaxStoredStream = 8u << 20;

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// What the answer would have cost, from `pricing` (by the model that served it).
std::int64_t saved_nusd(const core::Config* config, const CachedAnswer& answer) {
  if (config == nullptr) return 0;
  auto it = config->pricing.find(answer.served_by);
  if (it == config->pricing.end()) return 0;
  double usd = (static_cast<double>(answer.prompt_tokens) * it->second.input_per_million +
                static_cast<double>(answer.completion_tokens) * it->second.output_per_million) /
               1e6;
  return static_cast<std::int64_t>(usd * 1e9);
}

EntryTags tags_of(const core::Exchange& exchange) {
  const core::Principal* p = exchange.principal.get();
  if (p == nullptr) return {};
  return {p->key_id, p->user, p->team};
}

}  // namespace

CacheStage::CacheStage(CacheSettings settings, Store& store)
    : settings_(std::move(settings)), store_(store) {
  if (settings_.semantic && !settings_.semantic->embedder_model.empty()) {
    model_embedder_ = std::make_unique<ModelEmbedder>(settings_.semantic->embedder_model,
                                                      settings_.semantic->embedder_timeout);
  }
}

asio::awaitable<core::Decision> CacheStage::on_request(core::Exchange& exchange) {
  if (exchange.operation != core::Operation::chat_completions) co_return core::Decision::proceed();
  auto& state = exchange.stage_state<RequestCache>(this);
  if (auto bad = read_controls(exchange.request_headers, state.controls)) {
    co_return core::Decision::respond(core::error_response(core::ErrorKind::invalid_request, *bad));
  }
  if (request_keys(settings_, exchange, state.keys)) {
    state.result = "bypass";  // never looked up or stored (tools, temperature, n...)
    exchange.cache = state.result;
    co_return core::Decision::proceed();
  }
  state.executor = co_await asio::this_coro::executor;
  state.storing = state.controls.store;
  core::Decision decision = core::Decision::proceed();
  if (!state.controls.lookup) {
    state.result = state.storing ? "refresh" : "bypass";
    // A model's vector is asked for now, while the request waits anyway (on_complete
    // cannot wait); the builtin's is made when the answer is stored.
    if (state.storing && model_embedder_ && settings_.semantic && !state.keys.context.empty()) {
      co_await embed(exchange, state);
    }
  } else if (!co_await look_up(exchange, state, decision)) {
    state.result = "miss";
  }
  store_.count(state.result);
  exchange.cache = state.result;
  if (!state.storing) {  // a hit, or no-store: nothing more to keep while the answer runs
    state.keys = {};
    state.vector.reset();
  }
  co_return decision;
}

asio::awaitable<bool> CacheStage::look_up(core::Exchange& exchange, RequestCache& state,
                                          core::Decision& decision) {
  bool stream = exchange.json.stream;
  if (auto found = co_await store_.get(state.keys.exact); found && found->serves(stream)) {
    state.result = "hit";
    if (answer_hit(exchange, state, *found, std::nullopt, decision)) co_return true;
  }
  if (!settings_.semantic || state.keys.context.empty()) co_return false;
  // A model's contexts are keyed by the model that answers the embedding, known only after.
  if (!model_embedder_ && !store_.may_hold_context(state.keys.context)) co_return false;
  if (!co_await embed(exchange, state)) co_return false;
  double threshold = std::max(settings_.semantic->threshold, state.controls.threshold.value_or(0));
  auto hit =
      co_await store_.similar(state.keys.context, *state.vector, static_cast<float>(threshold));
  if (!hit || !hit->answer->serves(stream)) co_return false;
  state.result = "semantic-hit";
  co_return answer_hit(exchange, state, *hit->answer, hit->similarity, decision);
}

asio::awaitable<bool> CacheStage::embed(core::Exchange& exchange, RequestCache& state) {
  state.vector = std::make_unique<Embedding>();
  if (!model_embedder_) {
    embed_builtin(state.keys.last_user_text, *state.vector);
    co_return true;
  }
  std::string served;
  if (!co_await model_embedder_->embed(exchange, state.keys.last_user_text, *state.vector,
                                       served)) {
    state.vector.reset();
    state.keys.context.clear();
    co_return false;
  }
  // Vectors of one target model only are compared: a fallback to another embeddings model,
  // or a reload that changes the model, starts contexts of its own.
  state.keys.context = core::sha256_hex(state.keys.context + "\x1e" + served);
  co_return true;
}

bool CacheStage::answer_hit(core::Exchange& exchange, RequestCache& state,
                            const CachedAnswer& answer, std::optional<float> similarity,
                            core::Decision& decision) const {
  // An entry that cannot be read back (a Redis value another version wrote) is a miss.
  std::optional<core::Response> whole;
  std::optional<core::StreamAnswer> stream;
  try {
    if (exchange.json.stream) {
      stream = render_stream(answer, state.keys.include_usage);
    } else {
      whole = render_whole(answer);
    }
  } catch (const std::exception&) {
    return false;
  }
  state.storing = false;  // the cache's own answer is never stored again
  core::Headers headers;
  headers.set("x-tollgate-cache", state.result);
  if (similarity) {
    char text[16];
    std::snprintf(text, sizeof text, "%.4f", static_cast<double>(*similarity));
    headers.set("x-tollgate-cache-similarity", text);
  }
  headers.set("age", std::to_string(std::max<std::int64_t>(0, unix_now() - answer.stored_at)));
  if (!answer.served_by.empty()) headers.set("x-tollgate-model", answer.served_by);
  if (exchange.config != nullptr)
    exchange.model = exchange.config->find_model(*exchange.json.model);
  exchange.cache_saved_nusd = saved_nusd(exchange.config.get(), answer);
  if (stream) {
    for (auto field : headers) stream->headers.set(field.name, field.value);
    decision = core::Decision::respond_stream(std::move(*stream));
  } else {
    for (auto field : headers) whole->headers.set(field.name, field.value);
    decision = core::Decision::respond(std::move(*whole));
  }
  return true;
}

void CacheStage::on_response_head(core::Exchange& exchange, core::ResponseHead& head) {
  auto* state = exchange.find_stage_state<RequestCache>(this);
  if (state == nullptr || state->result == "none") return;
  head.headers.set("x-tollgate-cache", state->result);
  state->status = head.status;
  if (head.status < 200 || head.status > 299) state->storing = false;
}

void CacheStage::on_response(core::Exchange& exchange, core::Response& response) {
  auto* state = exchange.find_stage_state<RequestCache>(this);
  if (state == nullptr || !state->storing) return;
  auto answer = answer_from_body(response.body, !settings_.skip_tools);
  if (!answer) {
    state->storing = false;
    return;
  }
  // With the provider's own usage known, stored now, before the client has the answer:
  // a client that repeats the request at once, on any connection, gets a hit. Without
  // it, on_complete stores once the usage is estimated.
  if (exchange.usage.reported && !exchange.client_gone.aborted()) {
    answer->prompt_tokens = exchange.usage.prompt_tokens;
    answer->completion_tokens = exchange.usage.completion_tokens;
    state->storing = false;
    store(exchange, *state, std::move(*answer));
    return;
  }
  state->whole = std::make_unique<CachedAnswer>(std::move(*answer));
}

void CacheStage::on_chunk(core::Exchange& exchange, core::Events& events) {
  auto* state = exchange.find_stage_state<RequestCache>(this);
  if (state == nullptr || !state->storing) return;
  for (const auto& event : events) {
    state->event_bytes += event.data.size() + sizeof(std::string);
    if (state->event_bytes > kMaxStoredStream || !event.event.empty()) {
      state->storing = false;
      std::vector<std::string>().swap(state->events);
      return;
    }
    state->events.push_back(event.data);
  }
}

void CacheStage::on_complete(core::Exchange& exchange) {
  auto* state = exchange.find_stage_state<RequestCache>(this);
  if (state == nullptr || !state->storing || exchange.failure != core::FailureClass::none ||
      state->status < 200 || state->status > 299 || exchange.client_gone.aborted()) {
    return;
  }
  std::optional<CachedAnswer> answer;
  if (exchange.streamed) {
    if (!exchange.stream_ended) return;  // cut short
    answer = answer_from_events(state->events, !settings_.skip_tools);
  } else {
    if (state->whole) answer = std::move(*state->whole);
  }
  if (!answer) return;
  core::complete_usage(exchange);
  answer->prompt_tokens = exchange.usage.prompt_tokens;
  answer->completion_tokens = exchange.usage.completion_tokens;
  store(exchange, *state, std::move(*answer));
}

void CacheStage::store(core::Exchange& exchange, RequestCache& state, CachedAnswer answer) {
  if (exchange.target_model != nullptr) answer.served_by = exchange.target_model->model;
  auto ttl = state.controls.ttl.value_or(settings_.exact_ttl);
  std::optional<SemanticPart> semantic;
  if (settings_.semantic && !state.keys.context.empty() && (state.vector || !model_embedder_)) {
    if (!state.vector) {
      state.vector = std::make_unique<Embedding>();
      embed_builtin(state.keys.last_user_text, *state.vector);
    }
    semantic = SemanticPart{state.keys.context, *state.vector,
                            state.controls.ttl.value_or(settings_.semantic->ttl)};
  }
  auto tags = tags_of(exchange);
  try {  // on_complete runs in a destructor: nothing may escape it (nor a hook)
    if (store_.put_now(state.keys.exact, answer, ttl, tags, semantic ? &*semantic : nullptr)) {
      return;
    }
  } catch (const std::exception& e) {
    core::log_warn(std::string("cache: an answer could not be stored: ") + e.what());
    return;
  }
  // A store that needs I/O runs in a coroutine of its own, off the request's path; drain
  // waits for it.
  asio::co_spawn(
      state.executor,
      [&store = store_, key = state.keys.exact, answer = std::move(answer), ttl,
       tags = std::move(tags), semantic = std::move(semantic),
       work = std::make_shared<core::BackgroundWork>()]() -> asio::awaitable<void> {
        try {
          co_await store.put(key, answer, ttl, tags, semantic ? &*semantic : nullptr);
        } catch (const std::exception& e) {
          core::log_warn(std::string("cache: an answer could not be stored: ") + e.what());
        }
      },
      asio::detached);
}

namespace {

const core::Registration kRegistration{core::StageSpec<CacheSettings>{
    .name = "cache",
    .position = 600,
    .sections = {{.name = "cache",
                  .keys = {"scope", "store", "max_bytes", "exact", "semantic", "skip"}}},
    .read = read_cache_settings,
    .make = [](const CacheSettings& settings,
               const core::Services& services) -> std::unique_ptr<core::Stage> {
      if (!settings.enabled) return nullptr;
      Store& store = services.get<CacheHub>().store_for(settings);
      return std::make_unique<CacheStage>(settings, store);
    }}};

}  // namespace

}  // namespace tollgate::cache
