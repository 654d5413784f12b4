// Per-replica leases (state.redis_lease) on a real redis-server shared by two gateways:
// more requests than the limit, across both, never get more than the limit through; every
// admitted request is in the shared ledger; max_parallel holds in total; what a replica
// did not spend goes back to Redis on SIGTERM; and Redis runs far fewer commands per
// request than with one admission and one settlement script each.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { SLOW, basicConfig, curl, json, sleep, startGateway, startMock, startRedis, stop, stopAll, tempDir } from "./lib/harness.mjs";

after(stopAll);

const ADMIN_KEY = "admin-key-for-tests-0123456789";
const KEY = "tg-lease-key-0001";

function config(redis, mock, { limits, lease = "{slice: 0.1, ttl: 1s}", prefix = "tollgate" }) {
  return basicConfig({ mockUrl: mock.url, server: `  admin_key: ${ADMIN_KEY}\n` }) + `
state:
  sqlite: ${tempDir()}/tollgate.db
  redis: ${redis.url}
  key_prefix: "${prefix}:"
${lease ? `  redis_lease: ${lease}\n` : ""}keys:
  - {id: leased, key: ${KEY}, limits: ${limits}}
`;
}

async function chat(gw, headers = {}) {
  const res = await fetch(`${gw.base}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json", ...headers },
    body: JSON.stringify({ model: "gpt-test", max_tokens: 20, messages: [{ role: "user", content: "hello" }] }),
  });
  await res.arrayBuffer();
  return res.status;
}

// `count` requests, `width` at a time, alternating between the replicas.
async function fire(replicas, count, width, headers) {
  const statuses = [];
  for (let i = 0; i < count; i += width) {
    const batch = Array.from({ length: Math.min(width, count - i) }, (_, j) => chat(replicas[(i + j) % replicas.length], headers));
    statuses.push(...(await Promise.all(batch)));
  }
  return statuses;
}

function cli(redis, ...args) {
  return execFileSync("redis-cli", ["-p", String(redis.port), ...args], { encoding: "utf8" }).trim();
}

// Calls of every command Redis ran (those inside scripts included), and of the scripts.
function commandCalls(redis) {
  const stats = cli(redis, "info", "commandstats");
  let all = 0;
  let scripts = 0;
  for (const [, name, calls] of stats.matchAll(/cmdstat_([a-z|]+):calls=(\d+)/g)) {
    if (name === "info" || name === "config|resetstat") continue;
    all += Number(calls);
    if (name === "evalsha" || name === "eval") scripts += Number(calls);
  }
  return { all, scripts };
}

async function settledRequests(gw, expected) {
  const period = new Date().toISOString().slice(0, 10);
  const args = [`http://127.0.0.1:${gw.adminPort}/admin/usage?scope=key:leased&period=${period}`, "-H", `authorization: Bearer ${ADMIN_KEY}`];
  let requests = -1;
  for (let i = 0; i < 60; i++) {
    const r = await curl(args);
    requests = r.status === 200 ? (json(r.body).data[0]?.requests ?? 0) : -1;
    if (requests === expected) break;
    await sleep(100);
  }
  return requests;
}

test("two replicas on leases: 300 requests against rpm 100 get at most 100 through, all in the ledger", async (t) => {
  const redis = await startRedis();
  const mock = await startMock();
  const cfg = config(redis, mock, { limits: "{rpm: 100, tpm: 1000000, tokens_per_day: 100000000}" });
  const a = await startGateway(cfg);
  const b = await startGateway(cfg);
  const before = commandCalls(redis);
  const started = Date.now();
  const statuses = await fire([a, b], 300, 20);
  const elapsed = Date.now() - started;
  const scripts = commandCalls(redis).scripts - before.scripts;
  const ok = statuses.filter((s) => s === 200).length;
  // GCRA gives one request back every 600 ms: what the limit itself allows in that time.
  const allowed = 100 + Math.floor(elapsed / 600);
  t.diagnostic(`${ok} of 300 admitted in ${elapsed} ms (the limit allows ${allowed}); ${scripts} scripts`);
  // The refused ones get the exact verdict (a script each); the leases do not add a sync
  // per refusal on top.
  assert.ok(scripts <= 300 + 40, `${scripts} scripts for 300 requests`);
  assert.ok(ok <= allowed, `${ok} admitted, more than ${allowed}`);
  // Under-admission is bounded by the leases outstanding: a slice (10) per replica.
  assert.ok(ok >= 100 - 2 * 10, `${ok} admitted`);
  assert.equal(statuses.filter((s) => s === 429).length, 300 - ok, statuses.join(","));
  // Settled on the leases, summed, and sent with the next sync: none is lost.
  assert.equal(await settledRequests(a, ok), ok);
  assert.equal(await settledRequests(b, ok), ok);
});

test("two replicas on leases hold a daily token quota: the ledger never passes it", async (t) => {
  const redis = await startRedis();
  const mock = await startMock();
  // Each request reserves its prompt estimate and max_tokens (20); the mock answers fewer.
  const cfg = config(redis, mock, { limits: "{tokens_per_day: 2000}" });
  const a = await startGateway(cfg);
  const b = await startGateway(cfg);
  const statuses = await fire([a, b], 300, 20);
  const ok = statuses.filter((s) => s === 200).length;
  assert.equal(await settledRequests(a, ok), ok);
  const day = new Date().toISOString().slice(0, 10);
  const [prompt, completion] = cli(redis, "hmget", `tollgate:usage:key:leased:${day}`, "prompt_tokens", "completion_tokens").split("\n").map(Number);
  t.diagnostic(`${ok} admitted, ${prompt + completion} tokens of 2000`);
  assert.ok(prompt + completion <= 2000, `${prompt + completion} tokens`);
  assert.ok(statuses.includes(429), "the quota ran out");
});

test("fail_open on leases: Redis stops mid-test, requests keep flowing, and their usage arrives when it is back", async () => {
  let redis = await startRedis();
  const mock = await startMock();
  const cfg = config(redis, mock, { limits: "{rpm: 100000, max_parallel: 1000}" });
  const a = await startGateway(cfg);
  const b = await startGateway(cfg);
  assert.ok((await fire([a, b], 20, 4)).every((s) => s === 200));
  assert.equal(await settledRequests(a, 20), 20);
  await stop(redis.proc);
  // On what the leases still hold, then on each replica's own counters.
  const during = await fire([a, b], 30, 3);
  assert.ok(during.every((s) => s === 200), during.join(","));
  await sleep(1200); // past every lease's ttl
  assert.ok((await fire([a, b], 10, 2)).every((s) => s === 200));
  // The same port again, empty (no persistence): the replicas send what they counted.
  redis = await startRedis({ port: redis.port });
  await sleep(400); // past the client's reconnect backoff
  assert.ok((await fire([a, b], 2, 2)).every((s) => s === 200));
  assert.equal(await settledRequests(a, 30 + 10 + 2), 30 + 10 + 2, "the outage's requests reached Redis");
});

test("two replicas on leases, 60 slow requests at once: no more than max_parallel run, in total", async (t) => {
  const redis = await startRedis();
  const mock = await startMock();
  const cfg = config(redis, mock, { limits: "{max_parallel: 8}", lease: "{slice: 0.25, ttl: 1s}" });
  const a = await startGateway(cfg);
  const b = await startGateway(cfg);
  // Warm both leases first, so that most of the burst is admitted on them.
  assert.deepEqual(await fire([a, b], 4, 4), [200, 200, 200, 200]);
  await sleep(100);
  const statuses = await fire([a, b], 60, 60, { "x-mock-latency-ms": String(800 * SLOW) });
  const ok = statuses.filter((s) => s === 200).length;
  t.diagnostic(`${ok} of 60 admitted`);
  assert.ok(ok <= 8 && ok >= 8 - 2 * 2, statuses.join(","));
  assert.equal(statuses.filter((s) => s === 429).length, 60 - ok);
  // The slots come back when those end (just after their answers): the next ones are
  // admitted again.
  for (const gw of [a, b]) {
    let status;
    for (let i = 0; i < 40 * SLOW && status !== 200; i++) {
      status = await chat(gw);
      if (status !== 200) await sleep(50);
    }
    assert.equal(status, 200);
  }
});

test("a replica without leases beside one with them (a rolling change): max_parallel holds in total, the lease's slots counted", async () => {
  const redis = await startRedis();
  const mock = await startMock();
  const limits = "{max_parallel: 8, tokens_per_day: 100000}";
  const leased = await startGateway(config(redis, mock, { limits, lease: "{slice: 0.5, ttl: 1s}" }));
  const exact = await startGateway(config(redis, mock, { limits, lease: "" }));
  assert.deepEqual(await fire([leased], 2, 2), [200, 200]);
  await sleep(100); // the lease holds 4 slots and 50,000 tokens: the exact replica counts both
  const statuses = await fire([exact, leased], 60, 60, { "x-mock-latency-ms": "800" });
  assert.ok(statuses.filter((s) => s === 200).length <= 8, statuses.join(","));
  const [slots, tokens] = cli(redis, "hmget", "tollgate:resv:key:leased", "slots", "tokens").split("\n").map(Number);
  assert.ok(slots >= 1 && tokens >= 1, `the lease holds ${slots} slots and ${tokens} tokens`);
});

test("a request running longer than its lease's ttl stays reserved in Redis until it ends", async () => {
  const redis = await startRedis();
  const mock = await startMock();
  const gw = await startGateway(config(redis, mock, { limits: "{tokens_per_day: 100000}", lease: "{slice: 0.1, ttl: 200ms}" }));
  assert.deepEqual(await fire([gw], 2, 1), [200, 200]);
  await sleep(100); // leased
  const slow = chat(gw, { "x-mock-latency-ms": "1500" });
  await sleep(1000); // the scope is otherwise idle: its free units went back long ago
  const reserved = Number(cli(redis, "hget", "tollgate:resv:key:leased", "tokens"));
  assert.ok(reserved >= 20, `${reserved} tokens reserved while the request runs (it reserved max_tokens 20 and its prompt)`);
  // ... under a lease still renewed: one past its end is given back by the next script.
  const [seconds, micros] = cli(redis, "time").split("\n").map(Number);
  const live = cli(redis, "zcount", "tollgate:lease:key:leased", `(${seconds * 1e6 + micros}`, "+inf");
  assert.equal(live, "1", "the lease is renewed while a request admitted on it runs");
  assert.equal(await slow, 200);
  assert.equal(await settledRequests(gw, 3), 3);
  for (let i = 0; i < 20 && cli(redis, "hget", "tollgate:resv:key:leased", "tokens") !== "0"; i++) await sleep(100);
  assert.equal(cli(redis, "hget", "tollgate:resv:key:leased", "tokens"), "0", "given back once it ended and the scope went idle");
});

test("what a replica did not spend goes back to Redis when it stops", async () => {
  const redis = await startRedis();
  const mock = await startMock();
  const cfg = config(redis, mock, { limits: "{rpm: 1000, max_parallel: 100, tokens_per_day: 1000000}", lease: "{enabled: true, slice: 0.2, ttl: 10s}" });
  const gw = await startGateway(cfg);
  assert.deepEqual(await fire([gw], 6, 1), [200, 200, 200, 200, 200, 200]);
  await sleep(200); // the lease is taken (200 requests, 20 slots, 200,000 tokens)
  const [slots, tokens] = cli(redis, "hmget", "tollgate:resv:key:leased", "slots", "tokens").split("\n").map(Number);
  assert.ok(slots >= 19 && tokens >= 100000, `the lease holds ${slots} slots and ${tokens} tokens`);
  await stop(gw.proc);
  assert.equal(gw.proc.exit.code, 0);
  // Nothing reserved any more, no lease left, and the rpm window charged only for the six.
  assert.equal(cli(redis, "hmget", "tollgate:resv:key:leased", "slots", "tokens", "leases"), "0\n0\n0");
  assert.equal(cli(redis, "zcard", "tollgate:lease:key:leased"), "0");
  const [seconds, micros] = cli(redis, "time").split("\n").map(Number);
  const debt = Number(cli(redis, "get", "tollgate:rl:rpm:key:leased")) - (seconds * 1e6 + micros);
  assert.ok(debt <= 6 * 60000, `rpm charged for ${debt / 60000} requests`);
  const day = cli(redis, "hmget", `tollgate:usage:key:leased:${new Date().toISOString().slice(0, 10)}`, "requests");
  assert.equal(day, "6");
});

test("with leases Redis runs a fraction of the commands per request", async (t) => {
  const redis = await startRedis();
  const mock = await startMock();
  const limits = "{rpm: 1000000, tpm: 1000000000, max_parallel: 1000, tokens_per_day: 1000000000000, budget_usd_per_month: 1000000}";
  const measure = async (lease, prefix) => {
    const cfg = config(redis, mock, { limits, lease, prefix });
    const a = await startGateway(cfg);
    const b = await startGateway(cfg);
    await fire([a, b], 10, 2); // connected, scripts loaded, leases taken
    await sleep(200);
    const before = commandCalls(redis);
    const statuses = await fire([a, b], 400, 8);
    assert.ok(statuses.every((s) => s === 200), statuses.join(","));
    await stop(a.proc);
    await stop(b.proc); // their last usage is sent: counted too
    const after = commandCalls(redis);
    return { all: (after.all - before.all) / 400, scripts: (after.scripts - before.scripts) / 400 };
  };
  const exact = await measure("", "exact");
  const leased = await measure("{slice: 0.05, ttl: 1s}", "leased");
  t.diagnostic(`per request: exact ${exact.scripts} scripts, ${exact.all.toFixed(1)} commands; leased ${leased.scripts.toFixed(3)} scripts, ${leased.all.toFixed(2)} commands`);
  assert.ok(exact.scripts >= 2, JSON.stringify(exact));
  assert.ok(leased.scripts < 0.25, JSON.stringify(leased));
  assert.ok(leased.all < exact.all / 5, `${leased.all} against ${exact.all}`);
});
