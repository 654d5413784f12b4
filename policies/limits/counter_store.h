// Where the limits stage keeps its counters: rate windows (GCRA), requests in flight,
// and the usage ledger (requests, tokens, cost per scope per UTC day and month) that
// daily token quotas and monthly budgets are checked against. In process (with SQLite
// for durability) or in Redis (shared by replicas). Both implement the same rules.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "gateway/core/exchange.h"
#include "gateway/core/principal.h"
#include "state/state_services.h"

namespace tollgate::policies::limits {

// One scope a request counts against: "key:<id>", "user:<name>" or "team:<name>".
struct Scope {
  std::string id;
  core::LimitSet limits;
};

enum class LimitKind { rpm, tpm, max_parallel, tokens_per_day, budget };
std::string_view limit_name(LimitKind kind);  // as in the config ("rpm", ...)

// A rate window as OpenAI's x-ratelimit-* headers show it.
struct WindowState {
  std::int64_t limit = 0;
  std::int64_t remaining = 0;
  std::int64_t reset_ms = 0;  // until the window is whole again
};

// What a request reserves at admission, before anyone knows what it will use: taken from
// tpm, tokens_per_day and budgets at once, settled to the real figures when it is done,
// so that requests running at the same time cannot together pass a quota or budget.
struct AdmitRequest {
  std::vector<Scope> scopes;
  // Prompt estimate + max_tokens, or limits.default_completion_tokens without it.
  std::int64_t token_estimate = 0;
  // Unique per admission (not the client's x-request-id, which a client could repeat):
  // names the request's in-flight slot and reservation in Redis.
  std::string request_id;
  std::chrono::milliseconds lease{0};  // how long an in-flight slot may be held at most
  // The token estimate priced as the most expensive model that may serve the request.
  std::int64_t cost_estimate_nusd = 0;
};

struct Admission {
  enum class Verdict { allowed, limited, unavailable };
  Verdict verdict = Verdict::allowed;
  // When limited: which limit of which scope, and when to try again.
  LimitKind limit = LimitKind::rpm;
  std::string scope;
  std::int64_t retry_after_ms = 0;
  bool never = false;  // the request alone is larger than the limit
  // The tightest request and token windows over all scopes, for the headers.
  std::optional<WindowState> requests;
  std::optional<WindowState> tokens;
  bool by_fallback = false;  // admitted on in-process counters while Redis was away
  bool by_lease = false;     // admitted on this replica's leases (state.redis_lease)
};

// What a finished request used, to reconcile its admission and record it.
struct Settlement {
  core::Usage usage;
  std::int64_t cost_nusd = 0;
  bool admitted_by_fallback = false;  // Admission::by_fallback
  bool admitted_by_lease = false;     // Admission::by_lease
};

class CounterStore {
 public:
  virtual ~CounterStore() = default;
  // Checks every limit of every scope and, only when all pass, takes the request into
  // all of them at once (a rejected request leaves no trace).
  virtual boost::asio::awaitable<Admission> admit(const AdmitRequest& request) = 0;
  // Reconciles tokens (estimate → actual), frees the in-flight slot and adds the usage
  // to the ledger. Never waits: Redis work runs detached and is tracked so that drain
  // waits for it; what cannot reach Redis is kept and sent when it is back.
  // Call once per admitted request; `executor` is the calling thread's.
  virtual void settle(const AdmitRequest& request, const Settlement& settlement,
                      const boost::asio::any_io_executor& executor) = 0;
  // Usage of the given scopes ("" = all) in the given periods, for the admin API.
  virtual boost::asio::awaitable<std::vector<state::UsageRow>> usage(
      const std::vector<std::string>& periods, const std::string& scope) = 0;
  // Writes out whatever is pending (shutdown). Blocks.
  virtual void flush() = 0;
};

std::unique_ptr<CounterStore> make_counter_store(state::StateServices& services);

// The UTC day ("2026-11-25") and month ("2026-11") of a time.
std::string utc_day(std::chrono::system_clock::time_point t);
std::string utc_month(std::chrono::system_clock::time_point t);

}  // namespace tollgate::policies::limits
