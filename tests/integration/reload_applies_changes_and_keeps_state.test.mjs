// Hot reload with routes, keys and prices in files of their own (`include:`): SIGHUP and
// POST /admin/reload apply a rule added in an included file, a key removed, a price
// changed; a broken file or a change that takes a restart is refused with the reason and
// the old configuration keeps serving; rate counters, a half-spent budget and an open
// circuit breaker are the same after a reload; GET /admin/config shows what serves, with
// its secrets masked.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { SLOW, curl, json, sleep, startGateway, startMock, stopAll } from "./lib/harness.mjs";
import { validate } from "./lib/openapi.mjs";

const ADMIN_KEY = "admin-key-for-reload-0123456789";
const APP = "tg-reload-app-000001";
const GONE = "tg-reload-gone-00001";
const RPM = "tg-reload-rpm-000001";
const BUDGET = "tg-reload-budget-001";

let mock, gw;

const keysFile = (withGone) => `keys:
  - {id: app, key: ${APP}}
  - {id: rpm, key: ${RPM}, limits: {rpm: 3}}
  - {id: budget, key: ${BUDGET}, limits: {budget_usd_per_month: 0.05}}
${withGone ? `  - {id: gone, key: ${GONE}}\n` : ""}`;

const modelsFile = ({ price = 1000, route = "", breaker = "" } = {}) => `models:
  - name: flaky
    targets: [{provider: flaky, model: flaky-model}]
routes:
${route || "  []"}
pricing:
  demo: {input: ${price}, output: ${price}}
${breaker}`;

function mainConfig({ extraServer = "" } = {}) {
  return `server:
  listen: ["127.0.0.1:\${PORT}"]
  admin: 127.0.0.1:\${ADMIN_PORT}
  admin_key: ${ADMIN_KEY}
  threads: 2
${extraServer}
include: ["conf.d/*.yaml"]
providers:
  - {name: flaky, kind: openai, base_url: "${mock.url}", api_key: sk-provider-secret-1, forward_headers: ["x-mock-*"], timeout: 5s}
models:
  - name: demo
    targets: [{provider: demo, model: demo}]
circuit_breaker: {failures: 2, open_for: 60s}
state:
  sqlite: data/tollgate.db
  flush_interval: 100ms
limits:
  default_completion_tokens: 22
`;
}

function writeIncluded(name, text) {
  mkdirSync(path.join(gw.dir, "conf.d"), { recursive: true });
  writeFileSync(path.join(gw.dir, "conf.d", name), text);
}

function chat(key, { model = "demo", headers = [] } = {}) {
  const args = [`${gw.base}/v1/chat/completions`, "-H", `authorization: Bearer ${key}`];
  for (const h of headers) args.push("-H", h);
  args.push("-d", JSON.stringify({ model, messages: [{ role: "user", content: "hello there" }] }));
  return curl(args);
}

function admin(method, route) {
  return curl(["-X", method, `http://127.0.0.1:${gw.adminPort}${route}`, "-H", `authorization: Bearer ${ADMIN_KEY}`]);
}

async function reloadBy(how) {
  if (how === "SIGHUP") {
    const before = (gw.proc.stdout + gw.proc.stderr).match(/configuration reload/g)?.length ?? 0;
    gw.proc.child.kill("SIGHUP");
    for (let i = 0; i < 250 * SLOW; i++) {
      const now = (gw.proc.stdout + gw.proc.stderr).match(/configuration reload/g)?.length ?? 0;
      if (now > before) return;
      await sleep(20);
    }
    throw new Error("no reload logged after SIGHUP");
  }
  const r = await admin("POST", "/admin/reload");
  assert.equal(r.status, 200, r.body);
  assert.equal(json(r.body).status, "reloaded");
}

async function costOf(key) {
  const r = await admin("GET", `/admin/usage?scope=key:${key}`);
  assert.equal(r.status, 200, r.body);
  return json(r.body).data.reduce((sum, row) => sum + row.cost_usd, 0);
}

before(async () => {
  mock = await startMock();
  // The config's own directory holds conf.d/ (the gateway runs there): written before it starts.
  const { tempDir } = await import("./lib/harness.mjs");
  const placeholder = tempDir();
  gw = { dir: placeholder };
  writeIncluded("keys.yaml", keysFile(true));
  writeIncluded("models.yaml", modelsFile());
  gw = await startGateway(mainConfig().replace(`include: ["conf.d/*.yaml"]`, `include: ["${placeholder}/conf.d/*.yaml"]`));
  gw.dir = placeholder;
});
after(stopAll);

test("a rule added in an included file applies after SIGHUP, another after POST /admin/reload", async () => {
  assert.equal((await chat(APP, { model: "alias-one" })).status, 404);
  writeIncluded("models.yaml", modelsFile({ route: "  - {match: {model: \"alias-one\"}, to: demo}" }));
  await reloadBy("SIGHUP");
  assert.equal((await chat(APP, { model: "alias-one" })).status, 200);
  assert.equal((await chat(APP, { model: "alias-two" })).status, 404);
  writeIncluded("models.yaml", modelsFile({ route: "  - {match: {model: \"alias-*\"}, to: demo}" }));
  await reloadBy("POST");
  assert.equal((await chat(APP, { model: "alias-two" })).status, 200);
});

test("a key removed from its file stops working", async () => {
  assert.equal((await chat(GONE)).status, 200);
  writeIncluded("keys.yaml", keysFile(false));
  await reloadBy("POST");
  const r = await chat(GONE);
  assert.equal(r.status, 401);
  validate("ErrorResponse", json(r.body));
  assert.equal((await chat(APP)).status, 200);
});

test("a price change applies to the requests after it", async () => {
  const start = await costOf("app");
  assert.equal((await chat(APP)).status, 200);
  await sleep(300); // the ledger flushes every 100 ms
  const first = (await costOf("app")) - start;
  writeIncluded("models.yaml", modelsFile({ price: 2000, route: "  - {match: {model: \"alias-*\"}, to: demo}" }));
  await reloadBy("SIGHUP");
  assert.equal((await chat(APP)).status, 200);
  await sleep(300);
  const second = (await costOf("app")) - start - first;
  assert.ok(first > 0, `first cost ${first}`);
  assert.ok(Math.abs(second - 2 * first) < 1e-9, `cost ${first} then ${second}`);
});

test("rate counters and a half-spent budget are the same after a reload", async () => {
  assert.equal((await chat(RPM)).status, 200);
  assert.equal((await chat(RPM)).status, 200);
  // $2000 per million tokens now: one demo answer costs about $0.05 of the $0.05 budget
  // ... so first bring the price back to where one answer takes about half.
  writeIncluded("models.yaml", modelsFile({ price: 1000, route: "  - {match: {model: \"alias-*\"}, to: demo}" }));
  await reloadBy("POST");
  assert.equal((await chat(BUDGET)).status, 200); // $0.024 of $0.05
  await reloadBy("SIGHUP");
  const third = await chat(RPM);
  assert.equal(third.status, 200);
  assert.equal(third.headers["x-ratelimit-remaining-requests"], "0");
  assert.equal((await chat(RPM)).status, 429, "the rpm window was not reset by the reloads");
  assert.equal((await chat(BUDGET)).status, 200); // $0.048
  const over = await chat(BUDGET);
  assert.equal(over.status, 429, "the budget was not reset by the reload");
  assert.equal(json(over.body).error.code, "insufficient_quota");
});

test("an open circuit breaker stays open across a reload", async () => {
  const failing = ["x-mock-status: 500"];
  for (let i = 0; i < 2; i++) assert.notEqual((await chat(APP, { model: "flaky", headers: failing })).status, 200);
  const open = await chat(APP, { model: "flaky" });
  assert.equal(open.status, 503, "open: the healthy request is not even tried");
  await reloadBy("POST");
  assert.equal((await chat(APP, { model: "flaky" })).status, 503, "still open after the reload");
  const metrics = await curl([`http://127.0.0.1:${gw.adminPort}/metrics`]);
  assert.match(metrics.body, /tollgate_circuit_breaker_state\{model="flaky",provider="flaky",target="flaky-model"\} 1/);
});

test("a broken file is refused with its reason; the old configuration keeps serving", async () => {
  writeIncluded("models.yaml", "models:\n  - {name: broken, targets: [{provider: nowhere, model: x}]}\n");
  const r = await admin("POST", "/admin/reload");
  assert.equal(r.status, 400);
  const error = json(r.body);
  validate("ErrorResponse", error);
  assert.equal(error.error.code, "config_rejected");
  assert.match(error.error.message, /conf\.d\/models\.yaml:2:\d+: .*unknown provider 'nowhere'/);
  gw.proc.child.kill("SIGHUP");
  for (let i = 0; i < 100 * SLOW && !/configuration reload refused \(SIGHUP\)/.test(gw.proc.stdout + gw.proc.stderr); i++) {
    await sleep(50);
  }
  assert.equal(gw.proc.exit, null, "SIGHUP no longer ends the process");
  assert.match(gw.proc.stdout + gw.proc.stderr, /configuration reload refused \(SIGHUP\): .*nowhere/);
  assert.equal((await chat(APP, { model: "alias-x" })).status, 200, "the old rules still serve");
  const metrics = await curl([`http://127.0.0.1:${gw.adminPort}/metrics`]);
  assert.match(metrics.body, /tollgate_config_reloads_total\{result="error"\} 2/);
  assert.match(metrics.body, /tollgate_config_reloads_total\{result="ok"\} [1-9]/);
});

test("a change to server: takes a restart and is refused", async () => {
  writeIncluded("models.yaml", modelsFile({ route: "  - {match: {model: \"alias-*\"}, to: demo}" }));
  writeFileSync(gw.file, mainConfig({ extraServer: "  max_body_bytes: 1000" })
    .replace(`include: ["conf.d/*.yaml"]`, `include: ["${gw.dir}/conf.d/*.yaml"]`)
    .replaceAll("${PORT}", String(gw.port)).replaceAll("${ADMIN_PORT}", String(gw.adminPort)));
  const r = await admin("POST", "/admin/reload");
  assert.equal(r.status, 400);
  assert.match(json(r.body).error.message, /server:.*takes a restart/);
});

test("GET /admin/config shows the files, their hashes and the config with secrets masked", async () => {
  const r = await admin("GET", "/admin/config");
  assert.equal(r.status, 200, r.body);
  const view = json(r.body);
  assert.match(view.loaded_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.deepEqual(view.files.map((f) => path.basename(f.path)), ["tollgate.yaml", "keys.yaml", "models.yaml"]);
  for (const f of view.files) assert.match(f.sha256, /^[0-9a-f]{64}$/);
  assert.equal(view.config.server.admin_key, "****");
  assert.equal(view.config.providers[0].api_key, "****");
  assert.ok(view.config.keys.every((k) => k.key === "****"));
  for (const secret of [ADMIN_KEY, APP, "sk-provider-secret-1"]) assert.ok(!r.body.includes(secret), secret);
  const unauthorized = await curl([`http://127.0.0.1:${gw.adminPort}/admin/config`]);
  assert.equal(unauthorized.status, 401);
});

test("the split example (conf/examples/split/) passes --check from the repository root", async () => {
  const { spawnSync } = await import("node:child_process");
  const { TOLLGATE_BIN } = await import("./lib/harness.mjs");
  const root = process.env.TOLLGATE_SOURCE_DIR ?? path.resolve(import.meta.dirname, "..", "..");
  const r = spawnSync(TOLLGATE_BIN, ["--check", "--config", "conf/examples/split/tollgate.yaml"], {
    cwd: root, encoding: "utf8",
  });
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.match(r.stdout, /is valid \(2 provider\(s\), 2 model\(s\)\)/);
});
