// The Compose stack's own files, run without containers: two gateways on
// deploy/k8s-redis/tollgate.yaml sharing a real redis-server, behind nginx on
// deploy/nginx/nginx.conf (the replicas' names become loopback ports). The README's curl
// answers through the load balancer, a repeat is a cache hit whichever replica takes
// it, streams pass event by event, and one replica draining loses no request.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { canConnect, curl, freePort, sleep, sseEvents, startGateway, startRedis, stop, stopAll, tempDir } from "./lib/harness.mjs";

const root = process.env.TOLLGATE_SOURCE_DIR ?? process.cwd();
const noNginx = spawnSync("sh", ["-c", "command -v nginx"]).status !== 0 && "nginx is not installed (Debian nginx-light)";
let redis, replicas, lb, nginx;

async function startReplica() {
  const config = readFileSync(path.join(root, "deploy/k8s-redis/tollgate.yaml"), "utf8")
    .replace("${TOLLGATE_LISTEN:-0.0.0.0:8080}", "127.0.0.1:${PORT}")
    .replace("${TOLLGATE_ADMIN:-0.0.0.0:9090}", "127.0.0.1:${ADMIN_PORT}");
  return startGateway(config, { env: { TOLLGATE_REDIS: redis.url, TOLLGATE_SQLITE: "tollgate.db", TOLLGATE_THREADS: "1" } });
}

before(async () => {
  if (noNginx) return;
  redis = await startRedis();
  replicas = [await startReplica(), await startReplica()];
  const dir = tempDir();
  mkdirSync(path.join(dir, "logs"));
  lb = await freePort();
  const conf = readFileSync(path.join(root, "deploy/nginx/nginx.conf"), "utf8")
    .replace("tollgate-1:8080", `127.0.0.1:${replicas[0].port}`)
    .replace("tollgate-2:8080", `127.0.0.1:${replicas[1].port}`)
    .replace("listen 8080;", `listen 127.0.0.1:${lb};`)
    .replace("pid /tmp/nginx.pid;", `pid ${dir}/nginx.pid;`);
  writeFileSync(path.join(dir, "nginx.conf"), conf);
  nginx = spawn("nginx", ["-p", dir, "-e", "stderr", "-c", path.join(dir, "nginx.conf"), "-g", "daemon off;"], { stdio: "inherit" });
  for (let i = 0; i < 200 && !(await canConnect(lb)); i++) await sleep(25);
});

after(async () => {
  if (nginx && nginx.exitCode === null) {
    const exited = new Promise((resolve) => nginx.once("exit", resolve));
    nginx.kill("SIGTERM");
    await exited;
  }
  await stopAll();
});

const readme = (content, extra = []) => [
  "-s", `http://127.0.0.1:${lb}/v1/chat/completions`, "-H", "authorization: Bearer tg-demo-key", ...extra,
  "-d", JSON.stringify({ model: "demo", messages: [{ role: "user", content }] }),
];

async function requestsServed(gw) {
  const text = (await curl([`http://127.0.0.1:${gw.adminPort}/metrics`])).body;
  return [...text.matchAll(/^tollgate_requests_total\{[^}]*\} (\d+)/gm)].reduce((n, m) => n + Number(m[1]), 0);
}

test("the README's curl answers through nginx, both replicas serve, and a repeat is a hit on either", { skip: noNginx }, async () => {
  const first = await curl(readme("hi from the load balancer"));
  assert.equal(first.status, 200, first.body);
  assert.ok(JSON.parse(first.body).choices[0].message.content.length > 0);
  assert.equal(first.headers["x-tollgate-cache"], "miss");
  // Round robin sends the next ones to the other replica: the answer stored in Redis
  // by one is a hit on the other (the store lands just after the answer: poll, bounded).
  let hit = null;
  for (let i = 0; i < 40 && !hit; i++) {
    const again = await curl(readme("hi from the load balancer"));
    assert.equal(again.status, 200);
    if (again.headers["x-tollgate-cache"] === "hit") hit = again;
    else await sleep(50);
  }
  assert.ok(hit, "no replica answered the repeat from the shared cache");
  // Once stored, every repeat is a hit, on each replica in turn.
  const before = await Promise.all(replicas.map(requestsServed));
  for (let i = 0; i < 4; i++) {
    const again = await curl(readme("hi from the load balancer"));
    assert.equal(again.headers["x-tollgate-cache"], "hit", `repeat ${i}`);
  }
  const served = (await Promise.all(replicas.map(requestsServed))).map((n, i) => n - before[i]);
  assert.ok(served.every((n) => n > 0), `requests per replica: ${served}`);
});

test("a stream passes nginx event by event to its [DONE]", { skip: noNginx }, async () => {
  const r = await curl([
    "-N", `http://127.0.0.1:${lb}/v1/chat/completions`, "-H", "authorization: Bearer tg-demo-key",
    "-d", JSON.stringify({ model: "demo", stream: true, messages: [{ role: "user", content: "stream through nginx" }] }),
  ]);
  assert.equal(r.status, 200);
  assert.match(r.headers["content-type"], /text\/event-stream/);
  const events = sseEvents(r.body);
  assert.ok(events.length > 2);
  assert.equal(events.at(-1), "[DONE]");
});

test("while one replica drains and exits, every request through nginx is answered", { skip: noNginx }, async () => {
  const leaving = stop(replicas[1].proc);
  for (let i = 0; i < 20; i++) {
    const r = await curl(readme(`during the drain ${i}`));
    assert.equal(r.status, 200, `request ${i}: ${r.status} ${r.body}`);
  }
  assert.deepEqual(await leaving, { code: 0, signal: null });
});
