#include "routing/router.h"

#include <algorithm>
#include <charconv>
#include <random>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "gateway/core/errors.h"
#include "gateway/core/log.h"
#include "routing/route_rules.h"

namespace tollgate::routing {

namespace asio = boost::asio;
using core::FailureClass;

namespace {

// Failures of the target itself: worth another try, and they count toward its breaker.
// A cancelled attempt (the client hung up) and a request the provider found wrong never
// are: one tenant's behaviour must not open a breaker for every tenant.
bool target_failed(FailureClass f) {
  return f == FailureClass::rate_limit || f == FailureClass::server_error ||
         f == FailureClass::timeout || f == FailureClass::connect_error ||
         f == FailureClass::credentials_refused;
}

// One attempt's mark on its target: counted in flight while it runs, and abandoned (no
// verdict, a half-open probe handed on) unless a verdict was given, also when the
// attempt ends by an exception (a write to a client that has gone throws through the
// provider).
class AttemptMark {
 public:
  explicit AttemptMark(TargetHealth& health) : health_(health) { health_.begin(); }
  ~AttemptMark() {
    ended();
    if (!judged_) health_.on_abandoned();
  }
  void ended() {
    if (!ended_) health_.end();
    ended_ = true;
  }
  void judged() { judged_ = true; }
  AttemptMark(const AttemptMark&) = delete;
  AttemptMark& operator=(const AttemptMark&) = delete;

 private:
  TargetHealth& health_;
  bool ended_ = false;
  bool judged_ = false;
};

bool falls_back(const core::ModelConfig& model, FailureClass f) {
  return std::find(model.fallback_on.begin(), model.fallback_on.end(), f) !=
         model.fallback_on.end();
}

// Exponential backoff with full jitter (AWS's "full jitter"), capped; a provider's
// retry-after (seconds) is honoured up to the same cap.
core::Duration backoff_for(const core::RetryPolicy& retries, unsigned retry,
                           const core::CallOutcome& outcome) {
  auto cap = retries.max_backoff;
  if (outcome.upstream_error) {
    std::string_view value = outcome.upstream_error->headers.get("retry-after");
    unsigned seconds = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
    if (ec == std::errc() && end == value.data() + value.size() && !value.empty()) {
      return std::min<core::Duration>(std::chrono::seconds(seconds), cap);
    }
  }
  auto base = retries.backoff * (1LL << std::min(retry, 16u));
  auto ceiling = std::min<core::Duration>(base, cap);
  if (ceiling <= core::Duration::zero()) return core::Duration::zero();
  thread_local std::mt19937_64 generator{std::random_device{}()};
  // Half fixed, half random: never a near-zero wait that would hammer a struggling target.
  auto half = ceiling.count() / 2;
  std::uniform_int_distribution<long long> jitter(0, ceiling.count() - half);
  return core::Duration(half + jitter(generator));
}

core::CallOutcome no_target(const std::string& model) {
  core::CallOutcome outcome;
  outcome.failure = FailureClass::server_error;
  outcome.detail = "every target of '" + model + "' is unavailable (circuit breakers open)";
  outcome.upstream_error = core::error_response(
      core::ErrorKind::unavailable,
      "no provider for model '" + model + "' is available right now; try again shortly");
  outcome.upstream_error->headers.set("retry-after", "1");
  return outcome;
}

// A resident caller whose chain was spent with targets passed over for their region:
// never a silent route elsewhere, and never an error that blames a provider.
core::CallOutcome no_compliant_target(const std::string& model, const std::string& regions) {
  core::CallOutcome outcome;
  outcome.failure = FailureClass::server_error;
  outcome.detail = "no target of '" + model + "' in the regions " + regions + " is left";
  outcome.upstream_error = core::error_response(
      core::ErrorKind::no_compliant_target,
      "no provider for model '" + model + "' in the regions this key may use (" + regions +
          ") is available; the request was not sent elsewhere");
  return outcome;
}

// A request only providers of its ingress dialect can take, and no such target.
core::CallOutcome dialect_only(const core::Exchange& exchange, const std::string& model) {
  core::CallOutcome outcome;
  outcome.failure = FailureClass::client_error;
  outcome.detail = "model '" + model + "' has no target of the kind the request needs";
  outcome.upstream_error = core::error_response(
      core::ErrorKind::invalid_request, exchange.ingress_only_message + " (model '" + model + "')",
      exchange.ingress_only_param);
  return outcome;
}

std::string joined(const std::vector<std::string>& regions) {
  std::string out;
  for (const auto& r : regions) out += (out.empty() ? "" : ",") + r;
  return out;
}

// The audit line's record of residency: the regions and the provider that served
// ("eu:azure-eu"), or none.
void record_residency(core::Exchange& exchange, const std::vector<std::string>& residency,
                      bool served) {
  if (residency.empty()) return;
  exchange.decisions.emplace_back(
      "residency", joined(residency) + ":" +
                       (served && exchange.provider != nullptr ? exchange.provider->name : "none"));
}

}  // namespace

std::shared_ptr<TargetHealth> Router::find_health(const std::string& model,
                                                  const std::string& name) const {
  auto it = models_.find(model);
  if (it == models_.end()) return nullptr;
  for (const auto& health : it->second->health) {
    if (health->name() == name) return health;
  }
  return nullptr;
}

Router::Router(const core::Config& config, const Router* previous) : config_(config) {
  for (const auto& model : config.models) {
    auto targets = std::make_unique<ModelTargets>();
    targets->model = &model;
    for (const auto& target : model.targets) {
      const core::ProviderConfig* provider = config.find_provider(target.provider);
      core::BreakerConfig breaker = provider != nullptr && provider->circuit_breaker
                                        ? *provider->circuit_breaker
                                        : config.circuit_breaker;
      std::string name = model.name + "/" + target.provider + "/" + target.model;
      std::shared_ptr<TargetHealth> kept =
          previous != nullptr ? previous->find_health(model.name, name) : nullptr;
      if (kept && kept->breaker().failures == breaker.failures &&
          kept->breaker().open_for == breaker.open_for) {
        targets->health.push_back(std::move(kept));
      } else if (kept) {
        targets->health.push_back(std::make_shared<TargetHealth>(*kept, breaker));
      } else {
        targets->health.push_back(std::make_shared<TargetHealth>(std::move(name), breaker));
      }
      targets->region.push_back(provider != nullptr ? provider->region : std::string());
      targets->kind.push_back(provider != nullptr ? provider->kind : std::string());
      auto price = config.pricing.find(target.model);
      targets->cost_per_million.push_back(price == config.pricing.end()
                                              ? -1.0
                                              : price->second.input_per_million +
                                                    price->second.output_per_million);
    }
    models_.emplace(model.name, std::move(targets));
  }
  for (const auto& model : config.models) {
    std::vector<ModelTargets*>& chain = chains_[&model];
    chain.push_back(models_.at(model.name).get());
    for (const auto& name : model.fallbacks) {
      auto next = models_.find(name);
      if (next != models_.end() &&
          std::find(chain.begin(), chain.end(), next->second.get()) == chain.end()) {
        chain.push_back(next->second.get());
      }
    }
  }
}

Router::~Router() = default;

const TargetHealth* Router::health(std::string_view model, std::size_t target) const {
  auto it = models_.find(std::string(model));
  if (it == models_.end() || target >= it->second->health.size()) return nullptr;
  return it->second->health[target].get();
}

const core::ModelConfig* Router::resolve(core::Exchange& exchange) const {
  if (!exchange.json.model) return nullptr;
  if (auto rule = match_route(config_.routes, exchange)) {
    exchange.route_rule = "routes[" + std::to_string(*rule) + "]";
    return config_.find_model(config_.routes[*rule].to);
  }
  return config_.find_model(*exchange.json.model);
}

namespace {

// Waits `wait` in a frame of its own, so the router's frame (held by a stream for
// minutes) carries no timer.
asio::awaitable<void> pause_for(core::Duration wait) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  timer.expires_after(wait);
  co_await timer.async_wait(asio::use_awaitable);
}

}  // namespace

// One coroutine for the whole chain, models and retries alike, and so a long one: a
// stream keeps its frame for minutes, and a coroutine per model was another frame.
asio::awaitable<void> Router::serve(core::Exchange& exchange, const core::ModelConfig& first,
                                    const ProviderMap& providers, core::CallContext& context,
                                    core::CallOutcome& last) {
  const std::vector<ModelTargets*>& chain = chains_.at(&first);
  static const std::vector<std::string> kAnyRegion;
  const std::vector<std::string>& residency =
      exchange.principal ? exchange.principal->residency : kAnyRegion;
  bool passed_over = false;  // a target outside `residency` was left out
  // A request with fields only its ingress dialect's providers take (Anthropic's server
  // tools, mcp_servers, ...) goes to providers of that kind only, never to another with
  // the fields dropped; when the chain has none, it is refused naming the field.
  std::string_view only_kind = exchange.ingress_only_param.empty() ? "" : "anthropic";
  bool kind_found = only_kind.empty();
  for (std::size_t link = 0; link < chain.size(); ++link) {
    ModelTargets& targets = *chain[link];
    const core::ModelConfig& model = *targets.model;
    std::vector<bool> tried(model.targets.size(), false);
    std::size_t compliant_targets = 0;
    std::size_t of_kind = 0;
    for (std::size_t i = 0; i < tried.size(); ++i) {
      bool kind = compliant(targets, i, {}, only_kind);
      of_kind += kind ? 1 : 0;
      compliant_targets += kind && compliant(targets, i, residency) ? 1 : 0;
    }
    kind_found = kind_found || of_kind > 0;
    passed_over = passed_over || compliant_targets < of_kind;
    // Even when no target can be tried, metrics and audit name the model asked for.
    if (link == 0 || compliant_targets > 0) exchange.model = &model;
    // A model with no target in the caller's regions is not part of its chain.
    if (compliant_targets == 0) continue;
    for (unsigned retry = 0; retry <= model.retries.attempts; ++retry) {
      std::optional<std::size_t> index =
          choose_target(targets, tried, TargetHealth::Clock::now(), residency, only_kind);
      auto provider = index ? providers.find(model.targets[*index].provider) : providers.end();
      if (provider == providers.end()) {
        // Nothing left to try: the last real failure stands, if there was one. (Built
        // only here: a request that is served never pays for this error answer.)
        if (retry == 0 || index) last = no_target(model.name);
        break;
      }
      tried[*index] = true;
      const core::TargetConfig& target = model.targets[*index];
      TargetHealth& health = *targets.health[*index];

      exchange.target_model = &target;
      exchange.provider = &provider->second->config();
      exchange.attempt_timeout = model.timeout.value_or(core::Duration::zero());
      ++exchange.attempts;
      exchange.response_headers.set("x-tollgate-provider", target.provider);
      exchange.response_headers.set("x-tollgate-model", target.model);
      exchange.response_headers.set("x-tollgate-attempts", std::to_string(exchange.attempts));

      exchange.usage = {};
      exchange.first_byte = {};
      auto started = TargetHealth::Clock::now();
      last = core::CallOutcome{};
      AttemptMark mark(health);
      co_await provider->second->call(exchange, target, context, last);
      mark.ended();
      auto finished = TargetHealth::Clock::now();
      // The client hung up, which cancelled the attempt: whatever it looked like to the
      // transport (a closed socket reads as connect_error), the target did nothing wrong.
      if (last.failure != FailureClass::none && exchange.client_gone.aborted()) {
        last.failure = FailureClass::cancelled;
      }
      exchange.upstream_time += finished - started;
      if (last.failure == FailureClass::none) {
        // Time to first byte for streams (what a user waits for), else the whole answer.
        auto until =
            exchange.streamed && exchange.first_byte > started ? exchange.first_byte : finished;
        health.on_success(std::chrono::duration_cast<std::chrono::microseconds>(until - started));
        mark.judged();
        record_residency(exchange, residency, true);
        co_return;
      }
      exchange.failed_attempts.emplace_back(target.provider, last.failure);
      if (last.failure == FailureClass::cancelled) co_return;
      if (last.failure == FailureClass::credentials_refused) {
        core::log_error("provider '" + target.provider +
                        "' refused the gateway's credentials (HTTP " +
                        std::to_string(last.upstream_status) + ") for model '" + target.model +
                        "': check its api_key; clients get 502 until it is fixed");
      }
      if (target_failed(last.failure)) {
        health.on_failure(finished);
      } else {
        health.on_alive();
      }
      mark.judged();
      // Past the first byte, or the client is gone: nothing more to do for it.
      if (context.sink.committed() || exchange.client_gone.aborted()) co_return;
      // A request the provider found wrong is wrong everywhere: never retried.
      if (!target_failed(last.failure)) break;
      if (retry == model.retries.attempts) break;
      core::Duration wait = backoff_for(model.retries, retry, last);
      if (wait > core::Duration::zero()) co_await pause_for(wait);
    }
    if (last.failure == FailureClass::none || context.sink.committed()) co_return;
    if (exchange.client_gone.aborted()) co_return;
    if (!falls_back(model, last.failure)) co_return;
    if (link + 1 < chain.size()) {
      ++exchange.fallbacks;
      core::log_info("request " + exchange.request_id + ": model '" + model.name + "' failed (" +
                     std::string(core::to_string(last.failure)) + "), falling back");
    }
  }
  // The chain is spent: when residency kept targets out, that is why.
  if (passed_over) last = no_compliant_target(first.name, joined(residency));
  if (!kind_found) last = dialect_only(exchange, first.name);
  record_residency(exchange, residency, false);
}

}  // namespace tollgate::routing
