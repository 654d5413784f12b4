// Admin-created keys in SQLite, looked up in an in-memory snapshot: the request path
// reads one atomic pointer, and only the admin API (create, revoke) writes.
#include <atomic>
#include <mutex>
#include <unordered_map>

#include "policies/auth/key_store.h"
#include "policies/auth/key_store_impl.h"

namespace tollgate::policies::auth {

namespace {

using Snapshot = std::unordered_map<std::string, core::PrincipalPtr>;  // by SHA-256 hex

class SqliteKeyStore final : public KeyStore {
 public:
  explicit SqliteKeyStore(state::SqliteStore& db) : db_(db) { reload(); }

  boost::asio::awaitable<core::PrincipalPtr> find(const std::string& sha256_hex) override {
    auto snapshot = snapshot_.load(std::memory_order_acquire);
    auto it = snapshot->find(sha256_hex);
    co_return it == snapshot->end() ? nullptr : it->second;
  }
  boost::asio::awaitable<bool> any_active() override {
    co_return !snapshot_.load(std::memory_order_acquire)->empty();
  }
  boost::asio::awaitable<void> create(const state::StoredKey& key) override {
    try {
      db_.insert_key(key);
    } catch (const state::StorageUnavailable&) {
      throw;  // not the caller's fault: the admin API answers 500 and logs why
    } catch (const std::runtime_error& e) {
      throw std::invalid_argument(e.what());
    }
    reload();
    co_return;
  }
  boost::asio::awaitable<std::vector<state::StoredKey>> list() override {
    co_return db_.list_keys();
  }
  boost::asio::awaitable<std::optional<state::StoredKey>> get(const std::string& id) override {
    co_return db_.find_key_by_id(id);
  }
  boost::asio::awaitable<bool> revoke(const std::string& id, std::int64_t at) override {
    bool revoked = db_.revoke_key(id, at);
    if (revoked) reload();
    co_return revoked;
  }

 private:
  void reload() {
    std::lock_guard lock(reload_mutex_);
    auto snapshot = std::make_shared<Snapshot>();
    for (const auto& key : db_.active_keys()) snapshot->emplace(key.sha256_hex, principal_of(key));
    snapshot_.store(std::move(snapshot), std::memory_order_release);
  }

  state::SqliteStore& db_;
  std::mutex reload_mutex_;  // admin-side only
  std::atomic<std::shared_ptr<const Snapshot>> snapshot_;
};

}  // namespace

std::unique_ptr<KeyStore> make_sqlite_key_store(state::SqliteStore& db) {
  return std::make_unique<SqliteKeyStore>(db);
}

std::unique_ptr<KeyStore> make_key_store(state::StateServices& services) {
  if (services.has_redis()) return make_redis_key_store(services);
  return make_sqlite_key_store(services.sqlite());
}

}  // namespace tollgate::policies::auth
