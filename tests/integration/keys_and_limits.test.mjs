// API keys, the admin key API, rate limits, quotas, budgets and the usage ledger,
// through the real binary with curl and the openai SDK, all state in process (SQLite).
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import OpenAI from "openai";
import {
  SLOW, TOLLGATE_BIN, basicConfig, curl, json, sleep, startGateway, startMock, stop, stopAll, tempDir,
} from "./lib/harness.mjs";
import { validate } from "./lib/openapi.mjs";

after(stopAll);

const ADMIN_KEY = "admin-key-for-tests-0123456789";

function keyHash(key) {
  const r = spawnSync(TOLLGATE_BIN, ["key", "hash"], { input: key + "\n", encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^hash: sha256:[0-9a-f]{64}\n$/);
  return r.stdout.trim().slice("hash: ".length);
}

function chat(gw, key, { model = "demo", content = "hello there", extra = {}, headers = [] } = {}) {
  const args = [`${gw.base}/v1/chat/completions`];
  if (key) args.push("-H", `authorization: Bearer ${key}`);
  for (const h of headers) args.push("-H", h);
  args.push("-d", JSON.stringify({ model, messages: [{ role: "user", content }], ...extra }));
  return curl(args);
}

function admin(gw, method, path, body, key = ADMIN_KEY) {
  const args = ["-X", method, `http://127.0.0.1:${gw.adminPort}${path}`];
  if (key) args.push("-H", `authorization: Bearer ${key}`);
  if (body !== undefined) args.push("-H", "content-type: application/json", "-d", JSON.stringify(body));
  return curl(args);
}

async function usageOf(gw, scope, period) {
  const q = new URLSearchParams({ scope, ...(period ? { period } : {}) });
  const r = await admin(gw, "GET", `/admin/usage?${q}`);
  assert.equal(r.status, 200, r.body);
  return json(r.body).data;
}

function today() {
  return new Date().toISOString().slice(0, 10);
}

function limitedConfig({ keys, extra = "", stateDir = tempDir(), mockUrl } = {}) {
  return basicConfig({
    mockUrl,
    server: `  admin_key: ${ADMIN_KEY}\n`,
    models: "",
  }) + `
state:
  sqlite: ${stateDir}/tollgate.db
  flush_interval: 200ms
keys:
${keys}
${extra}
`;
}

test("keys: missing, unknown and disallowed are refused in OpenAI's shape; every header form works", async () => {
  const key = "tg-app-key-0001";
  const devKey = "tg-dev-key-0002";
  const gw = await startGateway(
    limitedConfig({
      keys: `  - id: app
    hash: ${keyHash(key)}
    models: ["demo"]
  - {id: dev, key: "\${DEV_KEY}"}`,
    }),
    { env: { DEV_KEY: devKey } },
  );

  let r = await chat(gw, null);
  assert.equal(r.status, 401);
  validate("ErrorResponse", json(r.body));
  assert.equal(json(r.body).error.code, "invalid_api_key");

  r = await chat(gw, "tg-not-a-key-at-all");
  assert.equal(r.status, 401);
  assert.equal(json(r.body).error.code, "invalid_api_key");
  assert.ok(!r.body.includes("tg-not-a-key-at-all"), "the error never echoes the key");

  for (const header of [`authorization: Bearer ${key}`, `x-api-key: ${key}`, `api-key: ${key}`]) {
    r = await chat(gw, null, { headers: [header] });
    assert.equal(r.status, 200, `${header}: ${r.body}`);
  }
  r = await chat(gw, devKey);
  assert.equal(r.status, 200, "the key: ${ENV} form works");

  // One keep-alive connection, keys in turn: each request is judged by its own key (the
  // gateway remembers a connection's last key digest; the memo must never stand in for
  // another key). The app key may use `demo` only; the dev key anything.
  const one = (k, model = "demo") => [`${gw.base}/v1/chat/completions`, "-H", `authorization: Bearer ${k}`,
    "-H", "content-type: application/json", "-o", "/dev/null", "-w", "%{http_code} %{num_connects}\\n",
    "--data-binary", JSON.stringify({ model, messages: [{ role: "user", content: "hi" }] })];
  const sequence = spawnSync("curl", ["-sS", ...one(key), "--next", ...one(devKey), "--next",
    ...one(key, "gpt-test"), "--next", ...one(devKey), "--next", ...one("tg-not-a-key-at-all")],
  { encoding: "utf8" });
  assert.equal(sequence.stdout, "200 1\n200 0\n403 0\n200 0\n401 0\n", sequence.stderr);

  // The app key may use `demo` only: gpt-test exists but is not its to use.
  r = await chat(gw, key, { model: "gpt-test" });
  assert.equal(r.status, 403);
  validate("ErrorResponse", json(r.body));
  assert.equal(json(r.body).error.code, "model_not_allowed");

  // /v1/models shows each key what it may use.
  r = await curl([`${gw.base}/v1/models`, "-H", `authorization: Bearer ${key}`]);
  assert.deepEqual(json(r.body).data.map((m) => m.id), ["demo"]);
  r = await curl([`${gw.base}/v1/models`, "-H", `authorization: Bearer ${devKey}`]);
  assert.deepEqual(json(r.body).data.map((m) => m.id).sort(), ["demo", "gpt-test"]);
  r = await curl([`${gw.base}/v1/models/gpt-test`, "-H", `authorization: Bearer ${key}`]);
  assert.equal(r.status, 404);

  await stop(gw.proc);
  for (const secret of [key, devKey, ADMIN_KEY]) {
    assert.ok(!gw.proc.stdout.includes(secret) && !gw.proc.stderr.includes(secret), "no key in the logs");
  }
});

test("rpm: a burst of the limit passes, the next gets 429 with retry-after; x-ratelimit-* on every answer", async () => {
  const key = "tg-rpm-key-0001";
  const gw = await startGateway(limitedConfig({ keys: `  - {id: rpm, key: ${key}, limits: {rpm: 3}}` }));
  for (let i = 0; i < 3; i++) {
    const r = await chat(gw, key);
    assert.equal(r.status, 200, r.body);
    assert.equal(r.headers["x-ratelimit-limit-requests"], "3");
    assert.equal(r.headers["x-ratelimit-remaining-requests"], String(2 - i));
    assert.match(r.headers["x-ratelimit-reset-requests"], /^(\d+m)?\d+(\.\d+)?s$|^\d+ms$/);
  }
  const r = await chat(gw, key);
  assert.equal(r.status, 429);
  const body = json(r.body);
  validate("ErrorResponse", body);
  assert.equal(body.error.code, "rate_limit_exceeded");
  assert.equal(r.headers["x-ratelimit-remaining-requests"], "0");
  // One request comes back every 20 s at 3 rpm.
  const retry = Number(r.headers["retry-after"]);
  assert.ok(retry >= 18 && retry <= 20, `retry-after ${retry}`);
  assert.ok(Number(r.headers["retry-after-ms"]) > 17000);
});

test("tpm: tokens are admitted on the estimate (prompt + max_tokens) and reconciled with usage", async () => {
  const key = "tg-tpm-key-0001";
  const gw = await startGateway(limitedConfig({ keys: `  - {id: tpm, key: ${key}, limits: {tpm: 100}}` }));
  // Larger than the whole limit: refused at once, and it says why.
  let r = await chat(gw, key, { extra: { max_tokens: 500 } });
  assert.equal(r.status, 429);
  assert.equal(json(r.body).error.code, "rate_limit_exceeded");
  assert.equal(json(r.body).error.type, "tokens");
  assert.match(json(r.body).error.message, /too large/i);

  // n completions are each reserved: 4 × 30 does not fit in 100, 1 × 30 does.
  r = await chat(gw, key, { extra: { max_tokens: 30, n: 4 } });
  assert.equal(r.status, 429, r.body);
  assert.match(json(r.body).error.message, /too large/i);

  // max_tokens 80 is reserved, then only what the demo answered is kept.
  r = await chat(gw, key, { extra: { max_tokens: 80 } });
  assert.equal(r.status, 200, r.body);
  assert.equal(r.headers["x-ratelimit-limit-tokens"], "100");
  const remainingAtAdmission = Number(r.headers["x-ratelimit-remaining-tokens"]);
  assert.ok(remainingAtAdmission <= 20, `reserved the estimate: ${remainingAtAdmission}`);
  const used = json(r.body).usage.total_tokens;
  await sleep(100);
  r = await chat(gw, key, { extra: { max_tokens: 1 } });
  assert.equal(r.status, 200, "capacity came back after reconciliation: " + r.body);
  const remaining = Number(r.headers["x-ratelimit-remaining-tokens"]);
  assert.ok(remaining >= 100 - used - 10 - 5 && remaining > remainingAtAdmission, `${remaining} after ${used}`);
});

test("max_parallel: requests beyond the limit in flight get 429, and the slot frees when one ends", async () => {
  const mock = await startMock();
  const key = "tg-par-key-0001";
  const gw = await startGateway(
    limitedConfig({ mockUrl: mock.url, keys: `  - {id: par, key: ${key}, limits: {max_parallel: 1}}` }),
  );
  const slow = chat(gw, key, { model: "gpt-test", headers: [`x-mock-latency-ms: ${1000 * SLOW}`] });
  await sleep(250 * SLOW);
  let r = await chat(gw, key, { model: "gpt-test" });
  assert.equal(r.status, 429, r.body);
  assert.equal(json(r.body).error.code, "rate_limit_exceeded");
  assert.match(json(r.body).error.message, /max_parallel/);
  assert.equal((await slow).status, 200);
  // The slot is given back as the slow request completes, just after its answer.
  for (let i = 0; i < 40; i++) {
    r = await chat(gw, key, { model: "gpt-test" });
    if (r.status !== 429) break;
    await sleep(50);
  }
  assert.equal(r.status, 200, r.body);
});

test("tokens_per_day and the monthly budget answer 429 insufficient_quota once used up", async () => {
  const dayKey = "tg-day-key-0001";
  const budgetKey = "tg-bud-key-0001";
  const gw = await startGateway(
    limitedConfig({
      keys: `  - {id: day, key: ${dayKey}, limits: {tokens_per_day: 40}}
  - {id: budget, key: ${budgetKey}, limits: {budget_usd_per_month: 0.03}}`,
      // A demo answer here is 3 prompt tokens (estimated) and 22 completion tokens.
      extra: "pricing:\n  demo: {input: 1000, output: 1000}\nlimits:\n  default_completion_tokens: 22\n",
    }),
  );
  let served = 0;
  let r;
  for (let i = 0; i < 20; i++) {
    r = await chat(gw, dayKey);
    if (r.status !== 200) break;
    served++;
  }
  assert.equal(r.status, 429, r.body);
  assert.equal(json(r.body).error.code, "insufficient_quota");
  validate("ErrorResponse", json(r.body));
  assert.ok(served >= 1 && served < 20);
  // Admission reserves the prompt estimate and max_tokens, or without it
  // limits.default_completion_tokens (22 here): a request is refused once its reservation
  // no longer fits in what is left, so answers that keep to it never pass the quota.
  const [day] = await usageOf(gw, "key:day", today());
  assert.equal(day.requests, served);
  assert.ok(day.total_tokens <= 40 && day.total_tokens + 25 > 40, JSON.stringify(day));

  // $1000 per million tokens: a demo answer costs $0.024 and reserves $0.025 of the $0.03
  // budget; the next one's reservation no longer fits.
  r = await chat(gw, budgetKey);
  assert.equal(r.status, 200);
  r = await chat(gw, budgetKey);
  assert.equal(r.status, 429);
  assert.equal(json(r.body).error.code, "insufficient_quota");
  assert.match(json(r.body).error.message, /budget/);
  const month = (await usageOf(gw, "key:budget", today().slice(0, 7)))[0];
  assert.equal(month.requests, 1);
  assert.ok(month.cost_usd > 0.02 && month.cost_usd <= 0.03, JSON.stringify(month));
});

test("user and team limits hold across all their keys", async () => {
  const a = "tg-team-key-000a";
  const b = "tg-team-key-000b";
  const gw = await startGateway(
    limitedConfig({
      keys: `  - {id: a, key: ${a}, user: alice, team: search}
  - {id: b, key: ${b}, user: bob, team: search}`,
      extra: "teams:\n  - {name: search, limits: {rpm: 4}}\nusers:\n  - {name: alice, limits: {rpm: 100}}\n",
    }),
  );
  const statuses = [];
  for (let i = 0; i < 6; i++) statuses.push((await chat(gw, i % 2 ? b : a)).status);
  assert.deepEqual(statuses, [200, 200, 200, 200, 429, 429]);
  const r = await chat(gw, a);
  assert.match(json(r.body).error.message, /team search/);
  const rows = await usageOf(gw, "team:search", today());
  assert.equal(rows[0].requests, 4);
});

test("streamed requests are counted from the provider's usage chunk", async () => {
  const mock = await startMock();
  const key = "tg-stream-key-01";
  const gw = await startGateway(
    limitedConfig({ mockUrl: mock.url, keys: `  - {id: streamer, key: ${key}, limits: {tpm: 100000}}` }),
  );
  const client = new OpenAI({ baseURL: `${gw.base}/v1`, apiKey: key, maxRetries: 0 });
  const stream = await client.chat.completions.create(
    { model: "gpt-test", stream: true, messages: [{ role: "user", content: "count my tokens" }] },
    { headers: { "x-mock-completion-tokens": "37" } },
  );
  let chunks = 0;
  for await (const chunk of stream) {
    chunks++;
    assert.equal(chunk.usage ?? null, null, "the usage chunk the gateway asked for stays hidden");
  }
  assert.ok(chunks > 0);
  await sleep(100);
  const [row] = await usageOf(gw, "key:streamer", today());
  assert.equal(row.requests, 1);
  assert.equal(row.completion_tokens, 37);
  assert.ok(row.prompt_tokens > 0);
});

test("admin API: make a key (shown once), list, inspect, revoke; protected by the admin key", async () => {
  const stateDir = tempDir();
  const config = limitedConfig({ stateDir, keys: "  - {id: config-key, key: tg-config-key-01}" });
  let gw = await startGateway(config);

  let r = await admin(gw, "GET", "/admin/keys", undefined, null);
  assert.equal(r.status, 401);
  validate("ErrorResponse", json(r.body));
  r = await admin(gw, "GET", "/admin/keys", undefined, "wrong-admin-key-0000000");
  assert.equal(r.status, 401);

  r = await admin(gw, "POST", "/admin/keys", {
    id: "made", user: "carol", team: "ops", tags: ["batch"], models: ["demo"], limits: { rpm: 2 },
  });
  assert.equal(r.status, 201, r.body);
  const made = json(r.body);
  assert.match(made.key, /^tg-[A-Za-z0-9_-]{43}$/);
  assert.equal(made.id, "made");
  assert.deepEqual(made.limits, { rpm: 2 });

  r = await admin(gw, "POST", "/admin/keys", { id: "made" });
  assert.equal(r.status, 409, "ids are unique");
  r = await admin(gw, "POST", "/admin/keys", { limits: { rpm: -1 } });
  assert.equal(r.status, 400);
  validate("ErrorResponse", json(r.body));

  r = await chat(gw, made.key);
  assert.equal(r.status, 200, r.body);
  assert.equal(r.headers["x-ratelimit-limit-requests"], "2");
  r = await chat(gw, made.key, { model: "gpt-test" });
  assert.equal(r.status, 403);

  r = await admin(gw, "GET", "/admin/keys");
  const listed = json(r.body).data;
  assert.deepEqual(listed.map((k) => k.id), ["made"]);
  assert.ok(!r.body.includes(made.key) && !r.body.includes("sha256"), "never the key or its hash");
  r = await admin(gw, "GET", "/admin/keys/made");
  assert.equal(json(r.body).user, "carol");
  assert.equal(json(r.body).revoked_at, null);

  // A restart keeps it (SQLite).
  await stop(gw.proc);
  gw = await startGateway(config);
  r = await chat(gw, made.key);
  assert.equal(r.status, 200, "the key survives a restart: " + r.body);

  r = await admin(gw, "DELETE", "/admin/keys/made");
  assert.equal(r.status, 200, r.body);
  r = await chat(gw, made.key);
  assert.equal(r.status, 401, "revoked from the next request on");
  r = await admin(gw, "DELETE", "/admin/keys/made");
  assert.equal(r.status, 404);
  r = await admin(gw, "GET", "/admin/keys/made");
  assert.ok(json(r.body).revoked_at > 0);
  await stop(gw.proc);
  assert.ok(!gw.proc.stdout.includes(made.key) && !gw.proc.stderr.includes(made.key), "the made key never reaches the log");
});

test("without keys the gateway is open and says so; the first admin-made key closes it", async () => {
  const gw = await startGateway(basicConfig({ server: `  admin_key: ${ADMIN_KEY}\n` }));
  assert.match(gw.proc.stdout, /AUTHENTICATION IS OFF/);
  let r = await chat(gw, null);
  assert.equal(r.status, 200, r.body);
  r = await admin(gw, "POST", "/admin/keys", { id: "first" });
  assert.equal(r.status, 201, r.body);
  const { key } = json(r.body);
  r = await chat(gw, null);
  assert.equal(r.status, 401);
  r = await chat(gw, key);
  assert.equal(r.status, 200);
});

test("the admin API is off without server.admin_key", async () => {
  const gw = await startGateway(basicConfig());
  const r = await admin(gw, "GET", "/admin/keys");
  assert.equal(r.status, 403);
  validate("ErrorResponse", json(r.body));
});

test("usage and quotas survive kill -9: at most the last flush interval is lost", async () => {
  const stateDir = tempDir();
  const key = "tg-durable-key-1";
  const config = limitedConfig({ stateDir, keys: `  - {id: durable, key: ${key}, limits: {tokens_per_day: 1000000}}` });
  let gw = await startGateway(config);
  let tokens = 0;
  for (let i = 0; i < 5; i++) {
    const r = await chat(gw, key);
    assert.equal(r.status, 200);
    tokens += json(r.body).usage.total_tokens;
  }
  await sleep(600 * SLOW); // three flush intervals
  gw.proc.child.kill("SIGKILL");
  await gw.proc.exited;

  gw = await startGateway(config);
  const [row] = await usageOf(gw, "key:durable", today());
  assert.equal(row.requests, 5);
  assert.equal(row.total_tokens, tokens);
  // The daily quota counts from what was recorded before the crash.
  await stop(gw.proc);
  gw = await startGateway(
    limitedConfig({ stateDir, keys: `  - {id: durable, key: ${key}, limits: {tokens_per_day: ${tokens + 1}}}` }),
  );
  const r = await chat(gw, key);
  assert.equal(r.status, 429, r.body);
  assert.equal(json(r.body).error.code, "insufficient_quota");
});

test("SIGTERM writes out usage counted since the last flush", async () => {
  const stateDir = tempDir();
  const key = "tg-sigterm-key-1";
  const config = limitedConfig({ stateDir, keys: `  - {id: term, key: ${key}}` }).replace(
    "flush_interval: 200ms",
    "flush_interval: 1h",
  );
  let gw = await startGateway(config);
  for (let i = 0; i < 3; i++) assert.equal((await chat(gw, key)).status, 200);
  await stop(gw.proc);
  gw = await startGateway(config);
  const [row] = await usageOf(gw, "key:term", today());
  assert.equal(row.requests, 3);
});
