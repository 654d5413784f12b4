// The shipped observability files against a real Prometheus: the gateway's /metrics
// passes `promtool check metrics`; a real Prometheus (loopback port, 1 s scrapes, the
// shipped prometheus.yml and alerts.yml) scrapes the gateway through a short mixed load
// (plain, streamed, fallbacks, 4xx, 5xx, 429s); then every PromQL expression of the
// Grafana dashboard returns data, and every rule of alerts.yml runs. promtool checks the
// rule and scrape files and unit-tests that each alert fires when it should.
// RENDER_DASHBOARD=1 also draws observability/grafana/dashboard.png from that Prometheus.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import YAML from "yaml";
import { SLOW, canConnect, curl, freePort, sleep, startGateway, startMock, stopAll, tempDir } from "./lib/harness.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const DASHBOARD = path.join(ROOT, "observability", "grafana", "tollgate.json");
const PROMETHEUS_YML = path.join(ROOT, "observability", "prometheus", "prometheus.yml");
const ALERTS_YML = path.join(ROOT, "observability", "prometheus", "alerts.yml");
const RENDER = path.join(ROOT, "observability", "grafana", "render.mjs");

const APP_KEY = "tg-obs-app-key-0001";
const TIGHT_KEY = "tg-obs-tight-key-0002";

function have(program) {
  return spawnSync("sh", ["-c", `command -v ${program}`]).status === 0;
}
// scripts/install-deps.sh --with-test-tools installs them; a missing one is a failure,
// never a silent skip.
const missing = ["prometheus", "promtool"].filter((p) => !have(p));
const skip = false;
test("prometheus and promtool are installed", () => {
  assert.deepEqual(missing, [], "install the Debian package prometheus (make test-deps)");
});

function promtool(args, input) {
  const r = spawnSync("promtool", args, { input, encoding: "utf8", timeout: 60000 });
  return { status: r.status, output: `${r.stdout ?? ""}${r.stderr ?? ""}` };
}

// --- a real Prometheus, started and stopped by pid ----------------------------------

let prometheus = null;

async function startPrometheus(dir, adminPort) {
  const config = YAML.parse(readFileSync(PROMETHEUS_YML, "utf8"));
  config.global = { ...config.global, scrape_interval: "1s", evaluation_interval: "1s" };
  config.rule_files = [ALERTS_YML];
  const job = config.scrape_configs.find((c) => c.job_name === "tollgate");
  assert.ok(job, "prometheus.yml has a scrape job named tollgate");
  job.static_configs = [{ targets: [`127.0.0.1:${adminPort}`] }];
  job.scrape_timeout = "1s";
  const file = path.join(dir, "prometheus.yml");
  writeFileSync(file, YAML.stringify(config));
  const check = promtool(["check", "config", file]);
  assert.equal(check.status, 0, check.output);

  const port = await freePort();
  const child = spawn(
    "prometheus",
    [
      `--config.file=${file}`,
      `--storage.tsdb.path=${path.join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--log.level=warn",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  const proc = { child, output: "", exit: null };
  child.stdout.on("data", (d) => (proc.output += d));
  child.stderr.on("data", (d) => (proc.output += d));
  proc.exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve((proc.exit = { code, signal }))));
  prometheus = { proc, port, url: `http://127.0.0.1:${port}` };

  const deadline = Date.now() + 30000 * SLOW;
  for (;;) {
    if (proc.exit) throw new Error(`prometheus exited ${JSON.stringify(proc.exit)}: ${proc.output}`);
    if (await canConnect(port)) {
      const ready = await fetch(`${prometheus.url}/-/ready`).catch(() => null);
      if (ready?.status === 200) break;
    }
    if (Date.now() > deadline) throw new Error(`prometheus not ready: ${proc.output}`);
    await sleep(100);
  }
  return prometheus;
}

async function stopPrometheus() {
  if (!prometheus || prometheus.proc.exit) return;
  const { proc } = prometheus;
  proc.child.kill("SIGTERM");
  const timer = setTimeout(() => proc.child.kill("SIGKILL"), 10000);
  await proc.exited;
  clearTimeout(timer);
}

after(async () => {
  await stopPrometheus();
  await stopAll();
});

async function query(expr) {
  const url = `${prometheus.url}/api/v1/query?${new URLSearchParams({ query: expr })}`;
  const res = await fetch(url);
  const body = await res.json();
  return { http: res.status, ...body };
}

// Seconds since the epoch of the last scrape of the gateway, or 0.
async function lastScrape() {
  const r = await query('max(timestamp(up{job="tollgate"} == 1))');
  return r.status === "success" && r.data.result.length ? Number(r.data.result[0].value[1]) : 0;
}

async function scrapesSince(seconds, count) {
  const deadline = Date.now() + 30000 * SLOW;
  let seen = 0;
  let last = 0;
  while (seen < count) {
    if (Date.now() > deadline) throw new Error(`Prometheus scraped ${seen} of ${count} times: ${prometheus.proc.output}`);
    const t = await lastScrape();
    if (t > seconds && t !== last) {
      seen += 1;
      last = t;
    }
    await sleep(200);
  }
}

// --- the gateway and its load -------------------------------------------------------

function gatewayConfig(mockUrl) {
  return `server:
  listen: ["127.0.0.1:\${PORT}"]
  admin: 127.0.0.1:\${ADMIN_PORT}
  threads: 2
  drain_timeout: 5s
providers:
  - {name: mock, kind: openai, base_url: "${mockUrl}", api_key: sk-mock, timeout: 5s, connect_timeout: 1s, forward_headers: ["x-mock-*"]}
  - {name: failing, kind: openai, base_url: "${mockUrl}", api_key: sk-mock, timeout: 5s, headers: {x-mock-status: "500"}, forward_headers: ["x-mock-*"]}
models:
  - name: gpt-test
    targets: [{provider: mock, model: mock-model-1}]
  - name: flaky
    targets: [{provider: failing, model: flaky-model}]
    retries: {attempts: 1, backoff: 0ms}
    fallbacks: [gpt-test]
  - name: broken
    targets: [{provider: failing, model: broken-model}]
    retries: {attempts: 0, backoff: 0ms}
  - name: demo
    targets: [{provider: demo, model: demo}]
keys:
  - {id: app, key: ${APP_KEY}, team: search}
  - {id: tight, key: ${TIGHT_KEY}, team: research, limits: {rpm: 2}}
pricing:
  mock-model-1: {input: 2.5, output: 10}
  demo: {input: 0.5, output: 1.5}
metrics:
  per_key_labels: true
logging:
  access_log: false
`;
}

// fetch rather than the harness's curl: ten at once, and each answer read to its end.
async function chat(gw, key, model, extra = {}) {
  const headers = { "content-type": "application/json" };
  if (key) headers.authorization = `Bearer ${key}`;
  const res = await fetch(`${gw.base}/v1/chat/completions`, {
    method: "POST",
    headers,
    body: JSON.stringify({ model, messages: [{ role: "user", content: "count to five" }], ...extra }),
    signal: AbortSignal.timeout(15000 * SLOW),
  });
  await res.text();
  return { status: res.status };
}

// One round of every kind of request; returns the statuses seen.
async function mixedRound(gw) {
  const answers = await Promise.all([
    chat(gw, APP_KEY, "gpt-test"),
    chat(gw, APP_KEY, "gpt-test", { stream: true }),
    chat(gw, APP_KEY, "demo"),
    chat(gw, APP_KEY, "demo", { stream: true }),
    chat(gw, APP_KEY, "flaky"), // 500, a retry, then the fallback serves
    chat(gw, APP_KEY, "broken"), // 5xx
    chat(gw, APP_KEY, "no-such-model"), // 404 before routing: model "none"
    chat(gw, null, "gpt-test"), // 401
    chat(gw, TIGHT_KEY, "gpt-test"), // 200 twice, then 429 (rpm: 2)
    chat(gw, TIGHT_KEY, "demo", { stream: true }),
  ]);
  return answers.map((a) => a.status);
}

// --- expressions --------------------------------------------------------------------

function dashboardTargets() {
  const dashboard = JSON.parse(readFileSync(DASHBOARD, "utf8"));
  const out = [];
  const walk = (panels) => {
    for (const p of panels ?? []) {
      for (const t of p.targets ?? []) if (t.expr) out.push({ panel: p.title, legend: t.legendFormat, expr: t.expr });
      walk(p.panels);
    }
  };
  walk(dashboard.panels);
  return { dashboard, targets: out };
}

// Grafana's variables as Prometheus would see them with "All" selected.
function concrete(expr) {
  return expr
    .replace(/\$\{?__(rate_interval|interval|range)\}?/g, "1m")
    .replace(/\$__range_s/g, "60")
    .replace(/\$\{([A-Za-z_]\w*)(:\w+)?\}|\$([A-Za-z_]\w*)/g, ".*");
}

function ruleExpressions() {
  const rules = YAML.parse(readFileSync(ALERTS_YML, "utf8"));
  return rules.groups.flatMap((g) =>
    g.rules.map((r) => ({ group: g.name, name: r.alert ?? r.record, kind: r.alert ? "alert" : "record", expr: r.expr })),
  );
}

function sampleValues(data) {
  if (data.resultType === "scalar") return [Number(data.result[1])];
  return data.result.map((s) => Number(s.value[1]));
}

// --- tests --------------------------------------------------------------------------

let gw;
let metricsText = "";

before(async () => {
  if (skip) return;
  const mock = await startMock();
  gw = await startGateway(gatewayConfig(mock.url));
});

test("/metrics on the admin listener passes promtool check metrics", { skip }, async (t) => {
  // Two rounds first, so every family with labels has series (the tight key's third
  // request is its first 429).
  await mixedRound(gw);
  await mixedRound(gw);
  const r = await curl([`http://127.0.0.1:${gw.adminPort}/metrics`]);
  assert.equal(r.status, 200);
  assert.match(r.headers["content-type"], /^text\/plain/);
  metricsText = r.body;
  for (const name of [
    "tollgate_requests_total", "tollgate_request_duration_seconds_bucket", "tollgate_upstream_duration_seconds_bucket",
    "tollgate_time_to_first_token_seconds_bucket", "tollgate_overhead_seconds_bucket", "tollgate_tokens_total",
    "tollgate_cost_usd_total", "tollgate_limit_rejections_total", "tollgate_upstream_failures_total",
    "tollgate_retries_total", "tollgate_fallbacks_total", "tollgate_circuit_breaker_state",
    "tollgate_connections_open", "tollgate_streams_in_flight", "tollgate_config_reloads_total",
    "tollgate_config_info", "tollgate_build_info",
  ]) {
    assert.ok(new RegExp(`^${name}[{ ]`, "m").test(metricsText), `${name} is exposed:\n${metricsText.slice(0, 3000)}`);
  }
  // per_key_labels: true puts key and team on requests, tokens and cost.
  assert.match(metricsText, /^tollgate_requests_total\{[^}]*key="app"[^}]*team="search"/m);
  assert.match(metricsText, /^tollgate_cost_usd_total\{[^}]*team="search"/m);
  assert.match(metricsText, /^tollgate_requests_total\{[^}]*model="none"/m, "a 404 before routing counts as model none");
  const check = promtool(["check", "metrics"], metricsText);
  assert.equal(check.status, 0, `promtool check metrics:\n${check.output}`);
  t.diagnostic(`promtool check metrics: ${check.output.trim() || "no problems"}`);
});

test("promtool accepts the shipped alert rules and scrape config", { skip }, () => {
  let r = promtool(["check", "rules", ALERTS_YML]);
  assert.equal(r.status, 0, r.output);
  assert.match(r.output, /SUCCESS/);
  r = promtool(["check", "config", PROMETHEUS_YML]);
  assert.equal(r.status, 0, r.output);
});

test("every alert fires on series that should fire it, and only on those (promtool test rules)", { skip }, () => {
  const dir = tempDir();
  const tests = {
    rule_files: [ALERTS_YML],
    evaluation_interval: "1m",
    tests: [
      {
        interval: "1m",
        input_series: [
          { series: 'up{job="tollgate", instance="gw-a"}', values: "1 1 0x10" },
          { series: 'up{job="tollgate", instance="gw-b"}', values: "1x12" },
          // gw-a: 1 in 10 answers is a 5xx; gw-b: 1 in 100.
          { series: 'tollgate_requests_total{instance="gw-a", status_class="2xx"}', values: "0+540x20" },
          { series: 'tollgate_requests_total{instance="gw-a", status_class="5xx"}', values: "0+60x20" },
          { series: 'tollgate_requests_total{instance="gw-b", status_class="2xx"}', values: "0+594x20" },
          { series: 'tollgate_requests_total{instance="gw-b", status_class="5xx"}', values: "0+6x20" },
          // gw-a: every request's overhead is between 5 and 10 ms.
          { series: 'tollgate_overhead_seconds_bucket{instance="gw-a", le="0.0001"}', values: "0x20" },
          { series: 'tollgate_overhead_seconds_bucket{instance="gw-a", le="0.005"}', values: "0x20" },
          { series: 'tollgate_overhead_seconds_bucket{instance="gw-a", le="0.01"}', values: "0+60x20" },
          { series: 'tollgate_overhead_seconds_bucket{instance="gw-a", le="+Inf"}', values: "0+60x20" },
          { series: 'tollgate_circuit_breaker_state{instance="gw-a", model="m", provider="p", target="t1"}', values: "0 1x12" },
          { series: 'tollgate_circuit_breaker_state{instance="gw-a", model="m", provider="p", target="t2"}', values: "0 2x12" },
          // gw-a: provider p refuses the gateway's key from minute 2; q fails otherwise.
          { series: 'tollgate_upstream_failures_total{instance="gw-a", provider="p", class="credentials_refused"}', values: "0 0 3+3x10" },
          { series: 'tollgate_upstream_failures_total{instance="gw-a", provider="q", class="server_error"}', values: "0+5x12" },
          // gw-a cannot write its state file from minute 2; gw-b can.
          { series: 'tollgate_state_writable{instance="gw-a"}', values: "1 1 0x10" },
          { series: 'tollgate_state_writable{instance="gw-b"}', values: "1x12" },
          // gw-a lost 4 audit records at minute 3.
          { series: 'tollgate_audit_records_lost_total{instance="gw-a"}', values: "0 0 0 4x10" },
          { series: 'tollgate_audit_records_lost_total{instance="gw-b"}', values: "0x12" },
        ],
        alert_rule_test: [
          {
            eval_time: "4m",
            alertname: "TollgateDown",
            exp_alerts: [{ exp_labels: { severity: "critical", job: "tollgate", instance: "gw-a" },
              exp_annotations: {
                summary: "tollgate gw-a is down",
                description: "Prometheus has not scraped gw-a/metrics for 1 minute." } }],
          },
          {
            eval_time: "12m",
            alertname: "TollgateHighErrorRatio",
            exp_alerts: [{ exp_labels: { severity: "warning", instance: "gw-a" },
              exp_annotations: {
                summary: "tollgate gw-a: 10% of requests fail with 5xx",
                description: "More than 5% of answers were 5xx over the last 5 minutes. The dashboard's upstream failures panel shows which provider and why." } }],
          },
          {
            eval_time: "18m",
            alertname: "TollgateOverheadHigh",
            exp_alerts: [{ exp_labels: { severity: "warning", instance: "gw-a" },
              exp_annotations: {
                summary: "tollgate gw-a: p99 gateway overhead is 9.95ms",
                description: "The p99 of the time the gateway adds to each request has been above 5 ms for 10 minutes." } }],
          },
          {
            eval_time: "4m",
            alertname: "TollgateProviderCredentialsRefused",
            exp_alerts: [{ exp_labels: { severity: "critical", instance: "gw-a", provider: "p" },
              exp_annotations: {
                summary: "tollgate gw-a: provider p refuses the gateway's credentials",
                description: "The provider answered 401 or 403 to the gateway's own key. Check the provider's api_key in the gateway's config; clients get 502 upstream_credentials_refused meanwhile." } }],
          },
          {
            eval_time: "4m",
            alertname: "TollgateStateUnwritable",
            exp_alerts: [{ exp_labels: { severity: "critical", instance: "gw-a" },
              exp_annotations: {
                summary: "tollgate gw-a cannot write its state file",
                description: "Usage is held in memory (gw-a: see tollgate_state_unwritten_usage_rows and the log's state: line for the reason). Free the disk or fix the file's permissions." } }],
          },
          {
            eval_time: "5m",
            alertname: "TollgateAuditRecordsLost",
            exp_alerts: [{ exp_labels: { severity: "critical", instance: "gw-a" },
              exp_annotations: {
                summary: "tollgate gw-a lost audit records",
                description: "4 audit records could not be written in the last 10 minutes; the audit log holds a gap record for them." } }],
          },
          {
            eval_time: "5m",
            alertname: "TollgateCircuitBreakerOpen",
            exp_alerts: [{ exp_labels: { severity: "warning", instance: "gw-a", model: "m", provider: "p", target: "t1" },
              exp_annotations: {
                summary: "tollgate: circuit breaker open for m/p/t1",
                description: "The breaker of target t1 (provider p, model m) on gw-a has been open for 2 minutes." } }],
          },
        ],
      },
      {
        // Budgets: research (500 USD/month) has spent 480 USD in two days, over 80%;
        // search (2000 USD/month) the same, under 80%.
        interval: "1h",
        input_series: [
          { series: 'tollgate_cost_usd_total{team="research", key="r1", model="m", provider="p"}', values: "0+10x60" },
          { series: 'tollgate_cost_usd_total{team="search", key="s1", model="m", provider="p"}', values: "0+10x60" },
          { series: 'tollgate_cost_usd_total{team="none", key="none", model="m", provider="p"}', values: "0+100x60" },
        ],
        alert_rule_test: [
          {
            eval_time: "2d",
            alertname: "TollgateTeamBudgetNearlySpent",
            exp_alerts: [{ exp_labels: { severity: "warning", team: "research" },
              exp_annotations: {
                summary: "team research has spent 480.00 USD in 30 days, over 80% of its budget",
                description: "The team's requests will be refused with 429 insufficient_quota once its monthly budget (budget_usd_per_month in the gateway's config) is spent." } }],
          },
        ],
      },
    ],
  };
  const file = path.join(dir, "alerts_test.yml");
  writeFileSync(file, YAML.stringify(tests));
  const r = promtool(["test", "rules", file]);
  assert.equal(r.status, 0, r.output);
});

test("a real Prometheus scrapes the gateway: every dashboard panel has data, every rule runs", { skip, timeout: 180000 * SLOW }, async (t) => {
  const dir = tempDir();
  mkdirSync(path.join(dir, "data"));
  await startPrometheus(dir, gw.adminPort);
  await scrapesSince(0, 2);

  // A few seconds of mixed load while Prometheus scrapes every second.
  const statuses = new Map();
  // Longer and uneven when drawing the picture, so its lines have a shape.
  const render = process.env.RENDER_DASHBOARD === "1";
  const loadEnd = Date.now() + (render ? 90000 : 8000);
  for (let round = 0; round < 1000 && Date.now() < loadEnd; round++) {
    for (const s of await mixedRound(gw)) statuses.set(s, (statuses.get(s) ?? 0) + 1);
    await sleep(render ? 50 + 450 * (0.5 + 0.5 * Math.cos(round / 10)) : 150);
  }
  t.diagnostic(`load: ${JSON.stringify(Object.fromEntries(statuses))}`);
  for (const s of [200, 401, 404, 429]) assert.ok(statuses.get(s) > 0, `some ${s}s in the load`);
  assert.ok([...statuses.keys()].some((s) => s >= 500), "some 5xx in the load");
  await scrapesSince(Date.now() / 1000, 3);

  // The variables' queries: label_values(metric, label) → that label has values.
  const { dashboard, targets } = dashboardTargets();
  assert.ok(targets.length >= 25, `the dashboard has ${targets.length} queries`);
  for (const v of dashboard.templating.list) {
    const m = v.type === "query" && /^label_values\((.+),\s*(\w+)\)$/.exec(v.definition ?? v.query?.query ?? "");
    if (!m) continue;
    const r = await query(`count by (${m[2]}) (${concrete(m[1])})`);
    assert.equal(r.status, "success", `variable ${v.name}: ${r.error}`);
    const values = r.data.result.map((s) => s.metric[m[2]]).filter(Boolean);
    assert.ok(values.length > 0, `variable ${v.name} has values`);
    t.diagnostic(`variable ${v.name}: ${values.join(", ")}`);
  }

  // Every panel query returns at least one series, with at least one number in it.
  const failures = [];
  for (const target of targets) {
    const expr = concrete(target.expr);
    const r = await query(expr);
    const values = r.status === "success" ? sampleValues(r.data) : [];
    const ok = r.status === "success" && values.length > 0 && values.some(Number.isFinite);
    t.diagnostic(`${ok ? "ok  " : "FAIL"} ${target.panel} [${target.legend}]: ${values.length} series, ` +
      `${values.slice(0, 4).map((v) => (Number.isFinite(v) ? +v.toPrecision(4) : v)).join(" ")}`);
    if (!ok) failures.push(`${target.panel}: ${expr} → ${r.status} ${r.error ?? JSON.stringify(r.data?.result)}`);
  }
  assert.deepEqual(failures, [], "dashboard queries without data");

  // Every rule's expression parses and runs (an alert may rightly be quiet).
  for (const rule of ruleExpressions()) {
    const r = await query(rule.expr);
    assert.equal(r.status, "success", `${rule.name}: ${r.error}`);
    t.diagnostic(`rule ${rule.name}: ${r.data.result.length} series`);
  }
  // ...and Prometheus loaded them all and evaluates them without error.
  const rules = await (await fetch(`${prometheus.url}/api/v1/rules`)).json();
  const loaded = rules.data.groups.flatMap((g) => g.rules);
  assert.equal(loaded.length, ruleExpressions().length, "every rule is loaded");
  for (const rule of loaded) assert.notEqual(rule.health, "err", `${rule.name}: ${rule.lastError}`);
  // The gateway is up: TollgateDown is quiet because there is nothing to say.
  const up = await query('up{job="tollgate"}');
  assert.equal(up.data.result[0].value[1], "1");

  if (process.env.RENDER_DASHBOARD === "1") {
    const args = ["--prometheus", prometheus.url, "--minutes", "2", "--scrape-interval", "1",
      "--title", "tollgate — mixed test load: plain, streamed, fallbacks, 4xx, 5xx, 429s"];
    const r = spawnSync(process.execPath, [RENDER, ...args], {
      encoding: "utf8",
      timeout: 60000,
    });
    assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
    t.diagnostic(r.stdout.trim());
  }
  await stopPrometheus();
  assert.ok(prometheus.proc.exit, "prometheus stopped");
});
