// Keys made through the admin API, where they live: SQLite (one process; looked up in
// memory) or Redis (shared by replicas; looked up on every request, so a revocation
// holds on the very next request everywhere).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "gateway/core/principal.h"
#include "state/state_services.h"

namespace tollgate::policies::auth {

class KeyStore {
 public:
  virtual ~KeyStore() = default;
  // The active key with this SHA-256 (hex) as a principal, or null. Redis: may throw
  // state::RedisUnavailable.
  virtual boost::asio::awaitable<core::PrincipalPtr> find(const std::string& sha256_hex) = 0;
  // Whether any active admin-created key exists (then every request needs a key).
  virtual boost::asio::awaitable<bool> any_active() = 0;

  // Admin operations. create throws std::invalid_argument when the id is taken.
  virtual boost::asio::awaitable<void> create(const state::StoredKey& key) = 0;
  virtual boost::asio::awaitable<std::vector<state::StoredKey>> list() = 0;
  virtual boost::asio::awaitable<std::optional<state::StoredKey>> get(const std::string& id) = 0;
  // False when there is no such active key.
  virtual boost::asio::awaitable<bool> revoke(const std::string& id, std::int64_t at) = 0;
};

std::unique_ptr<KeyStore> make_key_store(state::StateServices& services);

// The principal a stored key stands for (its limits parsed from JSON).
core::PrincipalPtr principal_of(const state::StoredKey& key);

// A stored key as JSON for Redis and the admin API (never any key material but the hash
// when `with_hash`), and back.
std::string stored_key_json(const state::StoredKey& key, bool with_hash);
std::optional<state::StoredKey> stored_key_from_json(std::string_view json);

}  // namespace tollgate::policies::auth
