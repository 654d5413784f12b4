// Where each stored Responses API response was made: its id → the provider, the target
// model and the configured model that answered the POST /v1/responses, and the key that
// asked. Kept for the response's life (kResponseRouteTtl) in Redis when `state.redis` is
// set, so any replica finds it, and always in a bounded in-process LRU (the store without
// Redis, and the fallback while Redis is down).
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>

namespace tollgate::state {
class StateServices;
}

namespace tollgate::gateway::pipeline {

// OpenAI keeps a stored response for 30 days.
inline constexpr std::chrono::seconds kResponseRouteTtl = std::chrono::hours(24 * 30);
// In-process entries, over all threads; the least recently used go first.
inline constexpr std::size_t kResponseRouteMemoryEntries = 100'000;
// Ids longer than this, or with bytes other than [A-Za-z0-9_-], are never stored or looked up.
inline constexpr std::size_t kMaxResponseIdBytes = 128;

bool valid_response_id(std::string_view id);

struct ResponseRoute {
  std::string provider;      // the provider that made the response
  std::string target_model;  // the model name that provider was sent
  std::string model;         // the configured model the client asked for
  std::string owner;         // the key that made it (empty without authentication)

  std::string encode() const;
  static std::optional<ResponseRoute> decode(std::string_view value);
};

class ResponseRouteStore {
 public:
  // `state`: null, or the process's state services (Redis when configured).
  explicit ResponseRouteStore(state::StateServices* state) : state_(state) {}

  // Never throws: a Redis failure is logged and the in-process entry still made.
  boost::asio::awaitable<void> remember(const std::string& id, const ResponseRoute& route);
  // The route for `id`, or nullopt when no replica remembers it.
  boost::asio::awaitable<std::optional<ResponseRoute>> lookup(const std::string& id);
  // After a DELETE: the id routes nowhere any more.
  boost::asio::awaitable<void> forget(const std::string& id);

 private:
  state::StateServices* state_;
};

}  // namespace tollgate::gateway::pipeline
