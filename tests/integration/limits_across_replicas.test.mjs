// Two gateways sharing one real redis-server: one limit held in total, keys made on one
// replica usable (and revocable) on the other, usage summed, and Redis going away and
// coming back mid-test under fail_open and fail_closed.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { basicConfig, curl, json, sleep, startGateway, startRedis, stop, stopAll, tempDir } from "./lib/harness.mjs";
import { validate } from "./lib/openapi.mjs";

after(stopAll);

const ADMIN_KEY = "admin-key-for-tests-0123456789";

function chat(gw, key, content = "hello there") {
  const args = [`${gw.base}/v1/chat/completions`];
  if (key) args.push("-H", `authorization: Bearer ${key}`);
  args.push("-d", JSON.stringify({ model: "demo", messages: [{ role: "user", content }] }));
  return curl(args);
}

function admin(gw, method, path, body) {
  const args = ["-X", method, `http://127.0.0.1:${gw.adminPort}${path}`, "-H", `authorization: Bearer ${ADMIN_KEY}`];
  if (body !== undefined) args.push("-H", "content-type: application/json", "-d", JSON.stringify(body));
  return curl(args);
}

// A name the machine's /etc/hosts gives to 127.0.0.1 (Debian lists its host name there),
// so that the lookup is a real one; "localhost" where there is no other.
function loopbackHostName() {
  for (const line of readFileSync("/etc/hosts", "utf8").split("\n")) {
    const [address, ...names] = line.replace(/#.*/, "").trim().split(/\s+/);
    const other = names.find((n) => n && n !== "localhost" && !n.includes("localhost"));
    if (address === "127.0.0.1" && other) return other;
  }
  return "localhost";
}

function replicaConfig(redis, { keys, onError = "fail_open", prefix }) {
  return basicConfig({ server: `  admin_key: ${ADMIN_KEY}\n` }) + `
state:
  sqlite: ${tempDir()}/tollgate.db
  redis: ${redis.url}
  on_redis_error: ${onError}
  key_prefix: "${prefix}:"
keys:
${keys}
`;
}

async function usageRequests(gw, scope) {
  const r = await admin(gw, "GET", `/admin/usage?${new URLSearchParams({ scope, period: new Date().toISOString().slice(0, 10) })}`);
  if (r.status !== 200) return { status: r.status, requests: -1 };
  return { status: 200, requests: json(r.body).data[0]?.requests ?? 0 };
}

// Polls (bounded) until the replicas' background usage writes have landed.
async function waitForUsage(gw, scope, expected) {
  let last;
  for (let i = 0; i < 60; i++) {
    last = await usageRequests(gw, scope);
    if (last.requests === expected) return last;
    await sleep(100);
  }
  return last;
}

test("two replicas hold one rpm limit in total and share usage", async (t) => {
  const redis = await startRedis();
  const key = "tg-shared-key-01";
  const config = replicaConfig(redis, { prefix: "t1", keys: `  - {id: shared, key: ${key}, limits: {rpm: 10}}` });
  const a = await startGateway(config);
  // The other replica names the server by host name, as a Kubernetes service would be.
  const name = loopbackHostName();
  t.diagnostic(`replica b reaches redis as ${name}`);
  const b = await startGateway(config.replace(redis.url, redis.url.replace("127.0.0.1", name)));
  const statuses = [];
  for (let i = 0; i < 20; i++) statuses.push((await chat(i % 2 ? b : a, key)).status);
  assert.equal(statuses.filter((s) => s === 200).length, 10, statuses.join(","));
  assert.ok(statuses.slice(10).every((s) => s === 429), statuses.join(","));
  // Both replicas report the same shared total.
  assert.equal((await waitForUsage(a, "key:shared", 10)).requests, 10);
  assert.equal((await usageRequests(b, "key:shared")).requests, 10);
});

test("a key made on one replica works on the other, and its revocation holds on both at once", async () => {
  const redis = await startRedis();
  const config = replicaConfig(redis, { prefix: "t2", keys: "  - {id: config-key, key: tg-config-key-01}" });
  const a = await startGateway(config);
  const b = await startGateway(config);
  let r = await admin(a, "POST", "/admin/keys", { id: "roaming", models: ["demo"] });
  assert.equal(r.status, 201, r.body);
  const { key } = json(r.body);
  assert.equal((await chat(b, key)).status, 200);
  r = await admin(b, "GET", "/admin/keys/roaming");
  assert.equal(json(r.body).id, "roaming");
  r = await admin(b, "DELETE", "/admin/keys/roaming");
  assert.equal(r.status, 200, r.body);
  assert.equal((await chat(a, key)).status, 401, "revoked on A by B, at the very next request");
  assert.equal((await chat(b, key)).status, 401);
});

test("fail_open: Redis stops mid-test, requests keep flowing, and usage catches up when it is back", async () => {
  let redis = await startRedis();
  const key = "tg-outage-key-01";
  const config = replicaConfig(redis, { prefix: "t3", keys: `  - {id: outage, key: ${key}, limits: {rpm: 1000}}` });
  const a = await startGateway(config);
  const b = await startGateway(config);
  for (let i = 0; i < 4; i++) assert.equal((await chat(i % 2 ? b : a, key)).status, 200);
  assert.equal((await waitForUsage(a, "key:outage", 4)).requests, 4);

  await stop(redis.proc);
  for (let i = 0; i < 6; i++) {
    const r = await chat(i % 2 ? b : a, key);
    assert.equal(r.status, 200, `served during the outage: ${r.body}`);
  }
  const during = await usageRequests(a, "key:outage");
  assert.equal(during.status, 503, "the shared report is unavailable, not wrong");
  assert.match(a.proc.stdout, /Redis unavailable/);

  // The same port again, empty (no persistence): the replicas resend what they counted.
  redis = await startRedis({ port: redis.port });
  await sleep(400); // past the client's reconnect backoff
  // One request per replica sends its own settlement and then its backlog.
  for (const gw of [a, b]) assert.equal((await chat(gw, key)).status, 200);
  const after = await waitForUsage(a, "key:outage", 6 + 2);
  assert.equal(after.requests, 6 + 2, "the outage's requests reached Redis (the 4 before were lost with its data)");
});

test("fail_closed: without Redis, limited requests get 503 and come back with it", async () => {
  let redis = await startRedis();
  const key = "tg-closed-key-01";
  const config = replicaConfig(redis, {
    prefix: "t4", onError: "fail_closed", keys: `  - {id: closed, key: ${key}, limits: {rpm: 1000}}`,
  });
  const gw = await startGateway(config);
  assert.equal((await chat(gw, key)).status, 200);
  await stop(redis.proc);
  const r = await chat(gw, key);
  assert.equal(r.status, 503, r.body);
  validate("ErrorResponse", json(r.body));
  assert.ok(!r.body.includes("127.0.0.1"), "no internal address in the error");
  redis = await startRedis({ port: redis.port });
  let status = 0;
  for (let i = 0; i < 40 && status !== 200; i++) {
    await sleep(100);
    status = (await chat(gw, key)).status;
  }
  assert.equal(status, 200);
});
