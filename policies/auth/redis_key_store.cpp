// Admin-created keys in Redis, shared by every replica:
//   <prefix>key:<sha256>   the key's JSON record (revoked_at set once revoked)
//   <prefix>keyid:<id>     its sha256, so ids stay unique
//   <prefix>keys:all       every id;  <prefix>keys:active  the ids not revoked
// Create and revoke are Lua scripts, so two admins racing cannot break these invariants.
#include <algorithm>

#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "policies/auth/key_store.h"
#include "policies/auth/key_store_impl.h"

namespace tollgate::policies::auth {

namespace {

namespace asio = boost::asio;

// KEYS: key:<sha>, keyid:<id>, keys:all, keys:active. ARGV: id, sha, json.
const state::RedisScript kCreate(R"lua(
if redis.call('EXISTS', KEYS[2]) == 1 or redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('SET', KEYS[1], ARGV[3])
redis.call('SET', KEYS[2], ARGV[2])
redis.call('SADD', KEYS[3], ARGV[1])
redis.call('SADD', KEYS[4], ARGV[1])
return 1
)lua");

// KEYS: keyid:<id>, keys:active. ARGV: id, revoked_at, key prefix ("<prefix>key:").
const state::RedisScript kRevoke(R"lua(
local sha = redis.call('GET', KEYS[1])
if not sha then return 0 end
local record_key = ARGV[3] .. sha
local json = redis.call('GET', record_key)
if not json then return 0 end
local record = cjson.decode(json)
if record.revoked_at ~= nil and record.revoked_at ~= cjson.null then return 0 end
record.revoked_at = tonumber(ARGV[2])
redis.call('SET', record_key, cjson.encode(record))
redis.call('SREM', KEYS[2], ARGV[1])
return 1
)lua");

// KEYS: keys:all. ARGV: "<prefix>keyid:", "<prefix>key:". Every record, for listing.
const state::RedisScript kList(R"lua(
local out = {}
for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local sha = redis.call('GET', ARGV[1] .. id)
  if sha then
    local json = redis.call('GET', ARGV[2] .. sha)
    if json then table.insert(out, json) end
  end
end
return out
)lua");

class RedisKeyStore final : public KeyStore {
 public:
  explicit RedisKeyStore(state::StateServices& services) : services_(services) {}

  asio::awaitable<core::PrincipalPtr> find(const std::string& sha256_hex) override {
    state::RedisClient& redis = services_.redis(co_await asio::this_coro::executor);
    std::vector<std::string> argv{"GET", services_.redis_key("key:" + sha256_hex)};
    state::RedisReply reply = co_await redis.command(argv);
    if (reply.type != state::RedisReply::Type::string) co_return nullptr;
    auto key = stored_key_from_json(reply.str);
    if (!key || key->revoked_at || key->sha256_hex != sha256_hex) co_return nullptr;
    co_return principal_of(*key);
  }
  asio::awaitable<bool> any_active() override {
    state::RedisClient& redis = services_.redis(co_await asio::this_coro::executor);
    std::vector<std::string> argv{"SCARD", services_.redis_key("keys:active")};
    state::RedisReply reply = co_await redis.command(argv);
    co_return reply.type == state::RedisReply::Type::integer&& reply.integer > 0;
  }
  asio::awaitable<void> create(const state::StoredKey& key) override {
    state::RedisClient& redis = services_.redis(co_await asio::this_coro::executor);
    std::vector<std::string> keys{
        services_.redis_key("key:" + key.sha256_hex), services_.redis_key("keyid:" + key.id),
        services_.redis_key("keys:all"), services_.redis_key("keys:active")};
    std::vector<std::string> args{key.id, key.sha256_hex, stored_key_json(key, true)};
    state::RedisReply reply = co_await redis.eval(kCreate, keys, args);
    check(reply);
    if (reply.integer != 1) {
      throw std::invalid_argument("a key with id '" + key.id + "' already exists");
    }
  }
  asio::awaitable<std::vector<state::StoredKey>> list() override {
    state::RedisClient& redis = services_.redis(co_await asio::this_coro::executor);
    std::vector<std::string> keys{services_.redis_key("keys:all")};
    std::vector<std::string> args{services_.redis_key("keyid:"), services_.redis_key("key:")};
    state::RedisReply reply = co_await redis.eval(kList, keys, args);
    check(reply);
    std::vector<state::StoredKey> out;
    for (const auto& item : reply.elements) {
      if (auto key = stored_key_from_json(item.str)) out.push_back(std::move(*key));
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
      return a.created_at != b.created_at ? a.created_at < b.created_at : a.id < b.id;
    });
    co_return out;
  }
  asio::awaitable<std::optional<state::StoredKey>> get(const std::string& id) override {
    state::RedisClient& redis = services_.redis(co_await asio::this_coro::executor);
    std::vector<std::string> argv{"GET", services_.redis_key("keyid:" + id)};
    state::RedisReply sha = co_await redis.command(argv);
    if (sha.type != state::RedisReply::Type::string) co_return std::nullopt;
    std::vector<std::string> record_argv{"GET", services_.redis_key("key:" + sha.str)};
    state::RedisReply record = co_await redis.command(record_argv);
    if (record.type != state::RedisReply::Type::string) co_return std::nullopt;
    co_return stored_key_from_json(record.str);
  }
  asio::awaitable<bool> revoke(const std::string& id, std::int64_t at) override {
    state::RedisClient& redis = services_.redis(co_await asio::this_coro::executor);
    std::vector<std::string> keys{services_.redis_key("keyid:" + id),
                                  services_.redis_key("keys:active")};
    std::vector<std::string> args{id, std::to_string(at), services_.redis_key("key:")};
    state::RedisReply reply = co_await redis.eval(kRevoke, keys, args);
    check(reply);
    co_return reply.integer == 1;
  }

 private:
  static void check(const state::RedisReply& reply) {
    if (reply.is_error()) throw std::runtime_error("redis: " + reply.str);
  }

  state::StateServices& services_;
};

}  // namespace

std::unique_ptr<KeyStore> make_redis_key_store(state::StateServices& services) {
  return std::make_unique<RedisKeyStore>(services);
}

}  // namespace tollgate::policies::auth
