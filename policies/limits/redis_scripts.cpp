// The Lua of the Redis counters. Each script reads Redis's clock (TIME), so replicas
// with skewed clocks agree; the rules are admission_rules.cpp's, line for line.
#include "policies/limits/redis_scripts.h"

#include <string_view>

namespace tollgate::policies::limits {

namespace {

// Shared by every script: reading a scope's limits, the GCRA maths, releasing.
constexpr std::string_view kLuaCommon = R"lua(
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local MIN = 60000000
local function fmt(x) return string.format('%.0f', x) end
-- Each key's TAT is read once per script (GET is a round through Redis's dispatch).
local tats = {}
local function tat_of(key)
  local tat = tats[key]
  if tat == nil then
    tat = tonumber(redis.call('GET', key) or '0')
    tats[key] = tat
  end
  return tat
end
local function set_tat(key, tat)
  tats[key] = tat
  redis.call('SET', key, fmt(tat), 'PX', math.max(1, math.ceil((tat - now) / 1000)) + 1000)
end
local S = 7  -- keys per scope
local function limits_of(i, base)
  local a = base + (i - 1) * 6
  return ARGV[a + 1], tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3]), tonumber(ARGV[a + 4]),
         tonumber(ARGV[a + 5]), tonumber(ARGV[a + 6])
end
local function add(key, field, x)
  if x ~= 0 then redis.call('HINCRBY', key, field, fmt(x)) end
end
-- Frees an admission's in-flight slot (par) or a replica's lease (lease) and gives back
-- what it reserved (resv): "tokens cost" for a request, "tokens cost slots" for a lease.
local function release(set, resv, id)
  redis.call('ZREM', set, id)
  local held = redis.call('HGET', resv, id)
  if not held then return end
  redis.call('HDEL', resv, id)
  local tokens, cost, slots = string.match(held, '^(%d+) (%d+) ?(%d*)$')
  if tokens then
    add(resv, 'tokens', -tonumber(tokens))
    add(resv, 'cost', -tonumber(cost))
    if slots ~= '' then
      add(resv, 'slots', -tonumber(slots))
      add(resv, 'leases', -1)
    end
  end
end
-- Gives back what expired in a scope's in-flight and lease sets (a replica died), a few
-- at a time; the lease set only when the scope has leases.
local function expire(par, leases, resv, with_leases)
  local expired = redis.call('ZRANGEBYSCORE', par, '-inf', fmt(now), 'LIMIT', 0, 64)
  for _, id in ipairs(expired) do release(par, resv, id) end
  if not with_leases then return #expired end
  local gone = redis.call('ZRANGEBYSCORE', leases, '-inf', fmt(now), 'LIMIT', 0, 64)
  for _, id in ipairs(gone) do release(leases, resv, id) end
  return #expired + #gone
end
-- Corrects a GCRA window by `units` (negative gives capacity back, never below now).
local function adjust_tat(key, limit, units)
  local delta = units * (MIN / limit)
  local tat = tat_of(key)
  if delta >= 0 then tat = math.max(tat, now) + delta else tat = math.max(tat + delta, now) end
  set_tat(key, tat)
end
-- A rate window as the headers show it: what is left now, and when it is whole again.
local function window(key, limit)
  local debt = math.max(0, tat_of(key) - now)
  local remaining = math.floor((MIN - debt) / (MIN / limit))
  if remaining > limit then remaining = limit end
  if remaining < 0 then remaining = 0 end
  return remaining, math.ceil(debt / 1000)
end
-- Adds a settled usage to a period's hash; the first of the period sets its TTL and
-- indexes the scope, once (three commands per period fewer than every time).
local function add_usage(key, index, ttl, id, requests, prompt, completion, cost)
  if redis.call('HINCRBY', key, 'requests', requests) == requests then
    redis.call('EXPIRE', key, ttl)
    redis.call('SADD', index, id)
    redis.call('EXPIRE', index, ttl)
  end
  redis.call('HINCRBY', key, 'prompt_tokens', prompt)
  redis.call('HINCRBY', key, 'completion_tokens', completion)
  redis.call('HINCRBY', key, 'cost_nusd', cost)
end
)lua";

// Admission: checks every limit of every scope and, only if all pass, charges them all
// and records the request's reservation. Leases held by replicas count like requests in
// flight: their slots against max_parallel, their tokens and cost as reservations.
constexpr std::string_view kAdmitBody = R"lua(
local n, est, rid, lease = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3], tonumber(ARGV[4]) * 1000
local cest = tonumber(ARGV[5])
local function gcra_check(tat, limit, cost)
  if cost > limit then return false, 0, true end
  local new = math.max(tat, now) + cost * (MIN / limit)
  if new - now > MIN then return false, new - MIN - now, false end
  return true, 0, false
end
local function tracked(par, tpd, budget) return par > 0 or tpd > 0 or budget > 0 end
local verdict = {1, 0, '', 0, 0}
for i = 1, n do
  local k = (i - 1) * S
  local _, rpm, tpm, par, tpd, budget = limits_of(i, 5)
  local ok, retry, never = true, 0, false
  local resv = {}
  if tracked(par, tpd, budget) then
    resv = redis.call('HMGET', KEYS[k + 6], 'tokens', 'cost', 'slots', 'leases')
    -- Slots and leases past their end (a replica died): give them back.
    if expire(KEYS[k + 3], KEYS[k + 7], KEYS[k + 6], tonumber(resv[4] or '0') > 0) > 0 then
      resv = redis.call('HMGET', KEYS[k + 6], 'tokens', 'cost', 'slots', 'leases')
    end
  end
  if rpm > 0 then
    ok, retry = gcra_check(tat_of(KEYS[k + 1]), rpm, 1)
    if not ok then verdict = {0, i, 'rpm', retry, 0} break end
  end
  if tpm > 0 then
    ok, retry, never = gcra_check(tat_of(KEYS[k + 2]), tpm, est)
    if not ok then verdict = {0, i, 'tpm', retry, never and 1 or 0} break end
  end
  if par > 0 then
    local live = redis.call('ZCOUNT', KEYS[k + 3], '(' .. fmt(now), '+inf') + tonumber(resv[3] or '0')
    if live >= par then verdict = {0, i, 'max_parallel', 1000000, 0} break end
  end
  if tpd > 0 then
    local h = redis.call('HMGET', KEYS[k + 4], 'prompt_tokens', 'completion_tokens')
    local reserved = tonumber(resv[1] or '0')
    local used = tonumber(h[1] or '0') + tonumber(h[2] or '0') + reserved
    if used + est > tpd then verdict = {0, i, 'tokens_per_day', -1, est > tpd and 1 or 0} break end
  end
  if budget > 0 then
    local spent = tonumber(redis.call('HGET', KEYS[k + 5], 'cost_nusd') or '0')
    local reserved = tonumber(resv[2] or '0')
    if spent >= budget or spent + reserved + cest > budget then
      verdict = {0, i, 'budget_usd_per_month', -2, cest > budget and 1 or 0} break
    end
  end
end
if verdict[1] == 1 then
  for i = 1, n do
    local k = (i - 1) * S
    local _, rpm, tpm, par, tpd, budget = limits_of(i, 5)
    if rpm > 0 then set_tat(KEYS[k + 1], math.max(tat_of(KEYS[k + 1]), now) + MIN / rpm) end
    if tpm > 0 then set_tat(KEYS[k + 2], math.max(tat_of(KEYS[k + 2]), now) + est * (MIN / tpm)) end
    if tracked(par, tpd, budget) then
      local ttl = math.ceil(lease / 1000) + 1000
      redis.call('ZADD', KEYS[k + 3], fmt(now + lease), rid)
      redis.call('PEXPIRE', KEYS[k + 3], ttl)
      if tpd > 0 or budget > 0 then
        redis.call('HSET', KEYS[k + 6], rid, fmt(est) .. ' ' .. fmt(cest))
        add(KEYS[k + 6], 'tokens', est)
        add(KEYS[k + 6], 'cost', cest)
        redis.call('PEXPIRE', KEYS[k + 6], ttl)
      end
    end
  end
end
local rq = {-1, 0, 0}
local tk = {-1, 0, 0}
for i = 1, n do
  local k = (i - 1) * S
  local _, rpm, tpm = limits_of(i, 5)
  if rpm > 0 then
    local rem, reset = window(KEYS[k + 1], rpm)
    if rq[1] < 0 or rem < rq[2] or (rem == rq[2] and reset > rq[3]) then rq = {rpm, rem, reset} end
  end
  if tpm > 0 then
    local rem, reset = window(KEYS[k + 2], tpm)
    if tk[1] < 0 or rem < tk[2] or (rem == tk[2] and reset > tk[3]) then tk = {tpm, rem, reset} end
  end
end
return {verdict[1], verdict[2], verdict[3], math.ceil(verdict[4]), verdict[5],
        rq[1], rq[2], rq[3], tk[1], tk[2], tk[3]}
)lua";

// Settlement of one request. Its reservation is given back by request id: a settlement
// retried after an outage, or one whose slot was already reclaimed, gives nothing back
// twice.
constexpr std::string_view kSettleBody = R"lua(
local n, est, rid = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
local prompt, completion = tonumber(ARGV[4]), tonumber(ARGV[5])
for i = 1, n do
  local k = (i - 1) * S
  local id, _, tpm = limits_of(i, 6)
  if tpm > 0 then adjust_tat(KEYS[k + 2], tpm, prompt + completion - est) end
  release(KEYS[k + 3], KEYS[k + 6], rid)
  for j, ttl in ipairs({3456000, 34560000}) do
    add_usage(KEYS[k + 3 + j], KEYS[n * S + j], ttl, id, 1, ARGV[4], ARGV[5], ARGV[6])
  end
end
return 1
)lua";

// One replica's lease on one scope, synced: adds the usage its requests settled, gives
// back rate units (all of them, every sync) and quota units or slots it no longer wants,
// and grants what it asks for, never more than is left. Its quota units and slots are a
// reservation under the lease id in resv, ending at the lease's end unless renewed.
constexpr std::string_view kLeaseBody = R"lua(
local sid, lid, life = ARGV[1], ARGV[2], tonumber(ARGV[3]) * 1000
local rpm, tpm, par, tpd, budget = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6]),
                                   tonumber(ARGV[7]), tonumber(ARGV[8])
local function arg(i) return tonumber(ARGV[i]) end
local R, T, PAR, DAY, MON, RESV, LEASES = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7]
expire(PAR, LEASES, RESV, true)
local mine = redis.call('HGET', RESV, lid)
local renewed = mine and 1 or 0
local old = {0, 0, 0}
if mine then
  local a, b, c = string.match(mine, '^(%d+) (%d+) (%d+)$')
  old = {tonumber(a or '0'), tonumber(b or '0'), tonumber(c or '0')}
end
local h = {old[1], old[2], old[3]}
local function take(i, x) h[i] = h[i] - math.min(h[i], x) end
if arg(9) > 0 then
  if tpm > 0 and arg(13) ~= 0 then adjust_tat(T, tpm, arg(13)) end
  for j, ttl in ipairs({3456000, 34560000}) do
    add_usage(KEYS[3 + j], KEYS[S + j], ttl, sid, arg(9), ARGV[10], ARGV[11], ARGV[12])
  end
  take(1, arg(14))
  take(2, arg(15))
end
if rpm > 0 and arg(16) > 0 then adjust_tat(R, rpm, -arg(16)) end
if tpm > 0 and arg(17) > 0 then adjust_tat(T, tpm, -arg(17)) end
take(1, arg(18))
take(2, arg(19))
take(3, arg(20))
local g = {0, 0, 0, 0, 0}
local function gcra_take(key, limit, want)
  if limit <= 0 or want <= 0 then return 0 end
  local tat = math.max(tat_of(key), now)
  local n = math.min(want, math.floor((MIN - (tat - now)) / (MIN / limit)))
  if n <= 0 then return 0 end
  set_tat(key, tat + n * (MIN / limit))
  return n
end
g[1] = gcra_take(R, rpm, arg(21))
g[2] = gcra_take(T, tpm, arg(22))
if tpd > 0 or budget > 0 or par > 0 then
  local resv = redis.call('HMGET', RESV, 'tokens', 'cost', 'slots')
  -- Everyone's reservations but this lease's old record, plus what it holds now.
  local function reserved(i) return tonumber(resv[i] or '0') - old[i] + h[i] end
  local function grant(i, want, left)
    local n = math.max(0, math.min(want, left))
    h[i] = h[i] + n
    return n
  end
  if tpd > 0 and arg(23) > 0 then
    local d = redis.call('HMGET', DAY, 'prompt_tokens', 'completion_tokens')
    g[3] = grant(1, arg(23), tpd - tonumber(d[1] or '0') - tonumber(d[2] or '0') - reserved(1))
  end
  if budget > 0 and arg(24) > 0 then
    local spent = tonumber(redis.call('HGET', MON, 'cost_nusd') or '0')
    g[4] = grant(2, arg(24), budget - spent - reserved(2))
  end
  if par > 0 and arg(25) > 0 then
    local live = redis.call('ZCOUNT', PAR, '(' .. fmt(now), '+inf')
    g[5] = grant(3, arg(25), par - live - reserved(3))
  end
end
add(RESV, 'tokens', h[1] - old[1])
add(RESV, 'cost', h[2] - old[2])
add(RESV, 'slots', h[3] - old[3])
if h[1] + h[2] + h[3] == 0 then
  if mine then
    redis.call('HDEL', RESV, lid)
    redis.call('ZREM', LEASES, lid)
    add(RESV, 'leases', -1)
  end
else
  redis.call('HSET', RESV, lid, fmt(h[1]) .. ' ' .. fmt(h[2]) .. ' ' .. fmt(h[3]))
  if not mine then add(RESV, 'leases', 1) end
  redis.call('ZADD', LEASES, fmt(now + life), lid)
  local ms = math.ceil(life / 1000) + 1000
  for _, key in ipairs({LEASES, RESV}) do
    if redis.call('PTTL', key) < ms then redis.call('PEXPIRE', key, ms) end
  end
end
local out = {renewed, g[1], g[2], g[3], g[4], g[5], -1, 0, -1, 0}
if rpm > 0 then out[7], out[8] = window(R, rpm) end
if tpm > 0 then out[9], out[10] = window(T, tpm) end
return out
)lua";

}  // namespace

const state::RedisScript& admit_script() {
  static const state::RedisScript script(std::string(kLuaCommon) + std::string(kAdmitBody));
  return script;
}
const state::RedisScript& settle_script() {
  static const state::RedisScript script(std::string(kLuaCommon) + std::string(kSettleBody));
  return script;
}
const state::RedisScript& lease_script() {
  static const state::RedisScript script(std::string(kLuaCommon) + std::string(kLeaseBody));
  return script;
}

void append_scope_keys(const state::StateServices& services, const std::string& scope,
                       const std::string& day, const std::string& month,
                       std::vector<std::string>& keys) {
  keys.push_back(services.redis_key("rl:rpm:" + scope));
  keys.push_back(services.redis_key("rl:tpm:" + scope));
  keys.push_back(services.redis_key("par:" + scope));
  keys.push_back(services.redis_key("usage:" + scope + ":" + day));
  keys.push_back(services.redis_key("usage:" + scope + ":" + month));
  keys.push_back(services.redis_key("resv:" + scope));
  keys.push_back(services.redis_key("lease:" + scope));
}

}  // namespace tollgate::policies::limits
