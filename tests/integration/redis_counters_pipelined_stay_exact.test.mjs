// Counters in a real redis-server under concurrency: the admissions and settlements of
// requests arriving together share writes on each worker's connection (pipelined, replies
// matched in order), and the limits still hold exactly: rpm, max_parallel and the usage
// ledger, on one replica and across two.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { basicConfig, curl, json, sleep, SLOW, startGateway, startMock, startRedis, stopAll, tempDir } from "./lib/harness.mjs";

after(stopAll);

const ADMIN_KEY = "admin-key-for-tests-0123456789";

function config(redis, mock, limits) {
  return basicConfig({ mockUrl: mock.url, server: `  admin_key: ${ADMIN_KEY}\n` }) + `
state:
  sqlite: ${tempDir()}/tollgate.db
  redis: ${redis.url}
keys:
  - {id: burst, key: tg-burst-key-0001, limits: ${limits}}
`;
}

async function chat(gw, headers = {}) {
  const res = await fetch(`${gw.base}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: "Bearer tg-burst-key-0001", "content-type": "application/json", ...headers },
    body: JSON.stringify({ model: "gpt-test", messages: [{ role: "user", content: "hello" }] }),
  });
  await res.arrayBuffer();
  return res.status;
}

// Redis's own counters: scripts run, and reads it did on client connections.
function redisStats(redis) {
  const info = execFileSync("redis-cli", ["-p", String(redis.port), "info", "all"], { encoding: "utf8" });
  const calls = (name) => Number(info.match(new RegExp(`cmdstat_${name}:calls=(\\d+)`))?.[1] ?? 0);
  return { scripts: calls("evalsha") + calls("eval"), reads: Number(info.match(/total_reads_processed:(\d+)/)[1]) };
}

async function usage(gw) {
  const period = new Date().toISOString().slice(0, 10);
  const args = [`http://127.0.0.1:${gw.adminPort}/admin/usage?scope=key:burst&period=${period}`, "-H", `authorization: Bearer ${ADMIN_KEY}`];
  for (let i = 0; i < 60; i++) {
    const r = await curl(args);
    const row = r.status === 200 ? json(r.body).data[0] : null;
    if (row) return row;
    await sleep(100);
  }
  return null;
}

async function settledUsage(gw, requests) {
  let row;
  for (let i = 0; i < 60; i++) {
    row = await usage(gw);
    if (row?.requests === requests) return row;
    await sleep(100);
  }
  return row;
}

test("80 requests at once: exactly rpm pass, the ledger counts them, and their scripts share writes", async (t) => {
  const redis = await startRedis();
  const mock = await startMock();
  const gw = await startGateway(config(redis, mock, "{rpm: 30}"));
  assert.equal(await chat(gw), 200); // connects and loads the scripts
  const before = redisStats(redis);
  const started = Date.now();
  const statuses = await Promise.all(Array.from({ length: 80 }, () => chat(gw)));
  // rpm 30 lets one more in every 2 s: exactly 29 when the burst is admitted within 2 s
  // (a slow, sanitized run may take longer).
  const served = statuses.filter((s) => s === 200).length;
  const allowed = 29 + Math.floor((Date.now() - started) / 2000);
  assert.ok(served >= 29 && served <= allowed, `${served} served, ${allowed} allowed: ${statuses.join(",")}`);
  assert.equal(statuses.filter((s) => s === 429).length, 80 - served, statuses.join(","));
  const row = await settledUsage(gw, served + 1);
  assert.equal(row?.requests, served + 1, JSON.stringify(row));
  const after = redisStats(redis);
  const scripts = after.scripts - before.scripts; // 80 admissions and 29 settlements
  const reads = after.reads - before.reads; // includes redis-cli's own and the usage reads
  t.diagnostic(`redis did ${reads} reads for ${scripts} scripts`);
  assert.ok(scripts >= 80 + served, `scripts ${scripts}`);
  assert.ok(reads < scripts, `pipelined: ${reads} reads for ${scripts} scripts`);
  // Every key the counters made expires (a period's usage hash and index, set once per
  // period): past periods do not fill Redis.
  const cli = (...args) => execFileSync("redis-cli", ["-p", String(redis.port), ...args], { encoding: "utf8" });
  const keys = cli("--scan").split("\n").filter(Boolean);
  assert.ok(keys.length >= 4, keys.join(", "));
  for (const key of keys) assert.ok(Number(cli("ttl", key)) > 0, `${key} has no expiry`);
});

test("two replicas, 60 slow requests at once: no more than max_parallel run, in total", async () => {
  const redis = await startRedis();
  const mock = await startMock();
  const cfg = config(redis, mock, "{max_parallel: 7}");
  const a = await startGateway(cfg);
  const b = await startGateway(cfg);
  // Long enough that all 60 are admitted or refused while the first 7 run, sanitized too.
  const slow = { "x-mock-latency-ms": String(800 * SLOW) };
  const statuses = await Promise.all(Array.from({ length: 60 }, (_, i) => chat(i % 2 ? b : a, slow)));
  assert.equal(statuses.filter((s) => s === 200).length, 7, statuses.join(","));
  assert.equal(statuses.filter((s) => s === 429).length, 53, statuses.join(","));
  // Their slots are given back (in Redis, just after each answer; the ledger has the
  // usage once they are): the next ones are admitted again.
  assert.equal((await settledUsage(a, 7))?.requests, 7);
  assert.equal(await chat(a), 200);
  assert.equal(await chat(b), 200);
  assert.equal((await settledUsage(a, 9))?.requests, 9);
});
