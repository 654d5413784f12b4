#include "policies/auth/auth_stage.h"

#include "gateway/core/errors.h"
#include "gateway/core/log.h"
#include "gateway/core/module_registry.h"
#include "policies/auth/key_material.h"

namespace tollgate::policies::auth {

namespace asio = boost::asio;

namespace {

core::Decision refuse(core::ErrorKind kind, std::string_view message, std::string_view param = {}) {
  return core::Decision::respond(core::error_response(kind, message, param));
}

// The SHA-256 (hex) of a presented key, remembered for the connection: hashing it again
// for every request of a keep-alive client was ~1% of a request's CPU. The memo is a pure
// function of the key's bytes (a reload that revokes a key changes what the digest finds,
// not the digest), and the bytes are compared in constant time.
// Without a memo (a subrequest) the digest is computed into `scratch`.
const std::string& digest_of(std::string_view presented, core::ConnectionMemo* memo,
                             std::string& scratch) {
  if (memo == nullptr) return scratch = sha256_hex(presented);
  if (!constant_time_equal(memo->presented_key, presented)) {
    memo->key_digest = sha256_hex(presented);
    memo->presented_key.assign(presented);
  }
  return memo->key_digest;
}

}  // namespace

AuthStage::AuthStage(ConfiguredKeys configured, KeyStore& store)
    : configured_(std::move(configured)), store_(store) {}

asio::awaitable<bool> AuthStage::open_mode(bool& store_down) {
  if (!configured_.empty()) co_return false;
  try {
    co_return !(co_await store_.any_active());
  } catch (const state::RedisUnavailable&) {
    // Unknown whether keys exist: never open the door on a guess, whatever
    // on_redis_error says (that setting is about counters, not about who gets in).
    store_down = true;
    co_return false;
  }
}

// On the head: a caller without a valid key never makes the gateway read, inflate or
// parse a body, and hears 401 whatever its body holds.
asio::awaitable<core::Decision> AuthStage::on_request_head(core::Exchange& exchange) {
  std::string_view presented = presented_key(exchange.request_headers);
  core::PrincipalPtr principal;
  bool store_down = false;
  if (!presented.empty()) {
    std::string scratch;
    const std::string& digest = digest_of(presented, exchange.connection, scratch);
    principal = configured_.find(digest);
    if (!principal) {
      try {
        principal = with_residency(co_await store_.find(digest), configured_.residency());
      } catch (const state::RedisUnavailable&) {
        store_down = true;
      }
    }
  }
  if (!principal) {
    if (co_await open_mode(store_down)) co_return core::Decision::proceed();
    if (store_down) {
      // The key may be a valid admin-made one we cannot check now: not the caller's fault.
      co_return refuse(core::ErrorKind::unavailable,
                       "the key store is unavailable; try again shortly");
    }
    if (presented.empty()) {
      co_return refuse(core::ErrorKind::invalid_api_key,
                       "You didn't provide an API key. You need to provide your API key in an "
                       "Authorization header using Bearer auth (i.e. Authorization: Bearer "
                       "YOUR_KEY).");
    }
    // Never echo the key, not even masked: it may be another system's secret.
    co_return refuse(core::ErrorKind::invalid_api_key, "Incorrect API key provided.");
  }
  exchange.principal = principal;
  exchange.decisions.emplace_back("auth", "key:" + principal->key_id);
  co_return core::Decision::proceed();
}

// The model is known once the body is parsed: a key may be limited to some models.
asio::awaitable<core::Decision> AuthStage::on_request(core::Exchange& exchange) {
  const core::Principal* principal = exchange.principal.get();
  const auto& model = exchange.json.model;
  if (principal != nullptr && exchange.operation != core::Operation::models && model &&
      !principal->allows_model(*model)) {
    co_return refuse(core::ErrorKind::model_not_allowed,
                     "this key may not use the model '" + *model + "'", "model");
  }
  co_return core::Decision::proceed();
}

namespace {

std::unique_ptr<core::Stage> make_auth_stage(const ConfiguredKeys& configured,
                                             const core::Services& services) {
  if (configured.empty()) {
    core::log_warn(
        "AUTHENTICATION IS OFF: the config has no `keys` section, so every request is "
        "served without an API key, unless keys were made through POST /admin/keys");
  } else {
    core::log_info("auth: " + std::to_string(configured.size()) + " configured key(s)");
  }
  return std::make_unique<AuthStage>(configured, services.get<KeyStore>());
}

// `keys:`, one entry per key (configured_keys.cpp); the admin-made ones come from the
// KeyStore the policies module provides.
const core::Registration kRegistration{core::StageSpec<ConfiguredKeys>{
    .name = "auth",
    .position = 100,
    .sections = {{.name = "keys",
                  .shape = core::ConfigSection::Shape::list,
                  .keys = {"id", "hash", "key", "user", "team", "tags", "models", "limits",
                           "residency"}}},
    .read = [](const core::ConfigReader&,
               const core::Config& config) { return ConfiguredKeys::read(config); },
    .make = make_auth_stage}};

}  // namespace

}  // namespace tollgate::policies::auth
