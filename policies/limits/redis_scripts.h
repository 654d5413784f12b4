// The Lua scripts of the Redis counters (admission, settlement, lease sync) and the keys
// they touch. Keys per scope, in this order:
//   <prefix>rl:rpm:<scope>, rl:tpm:<scope>   GCRA theoretical arrival time (µs)
//   <prefix>par:<scope>                      requests in flight: zset id → lease end
//   <prefix>usage:<scope>:<day>, :<month>    hash: requests, prompt_tokens,
//                                            completion_tokens, cost_nusd
//   <prefix>resv:<scope>                     reservations: hash id → "tokens cost" for a
//                                            request, "tokens cost slots" for a replica's
//                                            lease; sums "tokens", "cost", "slots", and
//                                            "leases" (how many leases hold some)
//   <prefix>lease:<scope>                    replicas' leases: zset lease id → lease end
// and after the scopes, for settlements: <prefix>usage-index:<day>, :<month> (sets of
// scopes with usage in the period).
#pragma once

#include <string>
#include <vector>

#include "state/redis/redis_client.h"
#include "state/state_services.h"

namespace tollgate::policies::limits {

constexpr int kKeysPerScope = 7;

// ARGV: n, token estimate, request id, lease ms, cost estimate nano-USD, then per scope:
// id, rpm, tpm, max_parallel, tokens_per_day, budget nano-USD (0 = none).
// Returns {allowed, scope index, limit, retry µs (-1 day, -2 month), never,
//          requests limit, remaining, reset ms, tokens limit, remaining, reset ms}.
const state::RedisScript& admit_script();
// ARGV: n, token estimate, request id, prompt, completion, cost nano-USD, then per scope
// as above. KEYS: per scope, then the two usage indexes.
const state::RedisScript& settle_script();
// One scope's lease sync: ARGV scope id, lease id, lease ms; the scope's five limits;
// settled requests, prompt, completion, cost, tpm correction, released tokens, released
// cost; units given back (requests, tokens, day tokens, cost, slots); units wanted (the
// same). KEYS: the scope's, then the two usage indexes.
// Returns {renewed, granted requests, tokens, day tokens, cost, slots,
//          requests remaining, reset ms, tokens remaining, reset ms}.
const state::RedisScript& lease_script();

// Appends a scope's keys (kKeysPerScope of them) for the given day and month.
void append_scope_keys(const state::StateServices& services, const std::string& scope,
                       const std::string& day, const std::string& month,
                       std::vector<std::string>& keys);

}  // namespace tollgate::policies::limits
