// The overhead benchmark: the same OpenAI-shaped traffic, on loopback, in one run, sent
// directly to the mock provider (the floor), through nginx (the classic reverse proxy),
// through tollgate (the config a user is told to run, every stage on: counters in
// process, then in Redis; the response cache missing, then hitting: docs/cache.md; and,
// for reference, the bare config of earlier runs), and through Portkey's gateway (a peer
// LLM gateway). The headline is the proxy's CPU per request beside nginx's. A row with
// any failed request (non-2xx, reset, timeout) fails the run. Writes
// <out>/<date>-<commit>.{json,md,png} and, for full runs into loadtest/results/, latest.*.
// Usage: node loadtest/bench/bench.mjs [--quick] [--out DIR] [--build DIR] [--tollgate BIN] [--no-peer] [--no-redis]
//        node loadtest/bench/bench.mjs --report loadtest/results/<run>.json
// loadtest/bench.sh installs what this needs and builds first; docs/performance.md
// explains the method and how to read the table.
import { spawn, execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { writeGeoDatabase } from "../../tests/integration/lib/geo.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "..", "..");
const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
};
const quick = flag("--quick");
const build = path.resolve(option("--build", path.join(root, "build")));
const outDir = path.resolve(option("--out", path.join(root, "loadtest", "results")));
const withPeer = !flag("--no-peer");
// The Redis row needs redis-server (scripts/install-deps.sh --with-bench-tools installs it).
const withRedis = !flag("--no-redis") && (() => {
  try {
    execFileSync("redis-server", ["--version"], { stdio: "pipe" });
    return true;
  } catch {
    return false;
  }
})();

// Quick mode (CI's smoke test) checks that every part works and the numbers are sane;
// the full run is what the committed results come from.
const plan = quick
  ? { rates: [2000], rounds: 1, seconds: 1, maxSeconds: 1, warmup: "300ms", peerRates: [], streams: 1000, streamSeconds: 2, streamChunks: 8, streamDelayMs: 250 }
  : { rates: [500, 1000, 2000, 5000], rounds: 3, seconds: 10, maxSeconds: 10, warmup: "1s", peerRates: [200], streams: 10000, streamSeconds: 15, streamChunks: 20, streamDelayMs: 1000 };
const MAX_CONCURRENCY = 64;
// state.redis_lease of the tollgate-redis-lease row.
const REDIS_LEASE = "{slice: 0.05, ttl: 1s}";
// server.idle_poll_us of the tollgate-poll row: above the gap between two requests at
// 2,000 req/s (500 µs), so at that rate the thread does not sleep.
const IDLE_POLL_US = 500;
plan.idle_poll_us = IDLE_POLL_US;
// --tollgate: the gateway under test, when it is not the --build directory's (the release
// build: loadtest/bench.sh passes build-release/tollgate, profile-guided).
const tollgateBinary = path.resolve(option("--tollgate", path.join(build, "tollgate")));
const BIN = {
  tollgate: tollgateBinary,
  mock: path.join(build, "mock-provider"),
  loadgen: path.join(build, "loadgen"),
};

// On two or more cores the proxy under test gets core 0 to itself, and the mock and the
// load generator share core 1, for every target alike: the proxy's cost shows, not the
// scheduler's. On one core nothing is pinned.
const cores = os.availableParallelism();
const PROXY_CPU = cores >= 2 ? "0" : null;
const LOAD_CPU = cores >= 2 ? "1" : null;

const running = new Set();
const log = (...m) => console.error("[bench]", ...m);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function canConnect(port) {
  return new Promise((resolve) => {
    const s = net.connect({ host: "127.0.0.1", port });
    s.once("connect", () => (s.destroy(), resolve(true)));
    s.once("error", () => resolve(false));
  });
}

async function waitForPort(port, proc, what) {
  for (let i = 0; i < 600; i++) {
    if (proc.exit) throw new Error(`${what} exited: ${proc.stderr.slice(-2000)}`);
    if (await canConnect(port)) return;
    await sleep(50);
  }
  throw new Error(`${what} did not listen on ${port} within 30 s`);
}

// 10,000 streams through a proxy take 20,000 sockets in the proxy and 10,000 in the
// mock. Where we may (root with CAP_SYS_RESOURCE), every process gets a file limit well
// above that (prlimit execs the command, so the pid stays the process's own); elsewhere
// the machine's hard limit caps how many streams one proxy process can hold.
const WANTED_FILE_LIMIT = 65536;
function fileLimit() {
  try {
    execFileSync("prlimit", [`--nofile=${WANTED_FILE_LIMIT}:${WANTED_FILE_LIMIT}`, "--", "true"], { stdio: "ignore" });
    return { raise: true, limit: WANTED_FILE_LIMIT };
  } catch {
    const hard = Number(execFileSync("sh", ["-c", "ulimit -Hn"], { encoding: "utf8" }).trim());
    return { raise: false, limit: Number.isFinite(hard) ? hard : 1024 };
  }
}
const FILES = fileLimit();

function start(what, cmd, cmdArgs, { cpu, env } = {}) {
  let [file, argv] = cpu ? ["taskset", ["-c", cpu, cmd, ...cmdArgs]] : [cmd, cmdArgs];
  if (FILES.raise) [file, argv] = ["prlimit", [`--nofile=${FILES.limit}:${FILES.limit}`, "--", file, ...argv]];
  const child = spawn(file, argv, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...env } });
  const proc = { what, child, stdout: "", stderr: "", exit: null };
  child.stdout.on("data", (d) => (proc.stdout = (proc.stdout + d).slice(-20000)));
  child.stderr.on("data", (d) => (proc.stderr = (proc.stderr + d).slice(-20000)));
  proc.exited = new Promise((r) => child.once("exit", (code, signal) => ((proc.exit = { code, signal }), running.delete(proc), r())));
  running.add(proc);
  return proc;
}

async function stop(proc) {
  if (!proc || proc.exit) return;
  proc.child.kill("SIGTERM");
  const t = setTimeout(() => proc.child.kill("SIGKILL"), 10000);
  await proc.exited;
  clearTimeout(t);
}

async function stopAll() {
  await Promise.all([...running].map(stop));
}
process.on("SIGINT", () => stopAll().then(() => process.exit(130)));

// Every folder the run makes (configs, state, audit files, reports: tens of MB a run) goes
// when the process exits, however it exits; TOLLGATE_BENCH_KEEP=1 keeps them to look into.
const tempDirs = new Set();
function tempDir(prefix) {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}
process.on("exit", () => {
  if (process.env.TOLLGATE_BENCH_KEEP) return;
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

// A process and its children (nginx's workers).
function withChildren(pid) {
  const pids = [pid];
  try {
    const kids = execFileSync("pgrep", ["-P", String(pid)], { encoding: "utf8" }).trim();
    if (kids) pids.push(...kids.split("\n").map(Number));
  } catch {
    // no children
  }
  return pids;
}

// Resident memory of a process and its children, in bytes.
function rss(pid, field = "VmRSS") {
  let total = 0;
  for (const p of withChildren(pid)) {
    try {
      const m = readFileSync(`/proc/${p}/status`, "utf8").match(new RegExp(`${field}:\\s+(\\d+) kB`));
      if (m) total += Number(m[1]) * 1024;
    } catch {
      // gone
    }
  }
  return total;
}

// The pid that does the work: taskset execs the command, so the child's pid is it.
const pidOf = (proc) => proc.child.pid;

// CPU time (user + system, in seconds) a process and its children (nginx's worker) have
// used so far. /proc counts in clock ticks: 10 ms, against the ~20 s of ticks a rate row
// uses, so a row's figure is good to about 1%.
const CLOCK_TICK = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
function cpuSeconds(pid) {
  let ticks = 0;
  for (const p of withChildren(pid)) {
    try {
      // Fields after the command name (which is in parentheses): utime is the 12th, stime the 13th.
      const after = readFileSync(`/proc/${p}/stat`, "utf8").split(") ")[1].split(" ");
      ticks += Number(after[11]) + Number(after[12]);
    } catch {
      // gone
    }
  }
  return ticks / CLOCK_TICK;
}

// `proxy`, when given, is the process under test: its CPU time over the run is reported
// per request (`proxy_cpu_us_per_request`), warm-up included in both the time and the
// count, so the cost of a latency trade (idle polling) is in the table next to it.
async function loadgen(label, url, extra, headers = {}, proxy = null) {
  const cpuBefore = proxy ? cpuSeconds(pidOf(proxy)) : 0;
  const dir = tempDir("tollgate-bench-");
  const json = path.join(dir, "report.json");
  const hdrs = Object.entries(headers).flatMap(([k, v]) => ["--header", `${k}: ${v}`]);
  const proc = start(`loadgen ${label}`, BIN.loadgen, ["--url", url, "--json", json, "--label", label, "--quiet", ...hdrs, ...extra], { cpu: LOAD_CPU });
  await proc.exited;
  if (!existsSync(json)) throw new Error(`loadgen ${label} wrote no report (exit ${JSON.stringify(proc.exit)}): ${proc.stderr.slice(-2000)}`);
  const report = JSON.parse(readFileSync(json, "utf8"));
  if (proxy) {
    const served = report.requests * (report.duration_s + report.warmup_s) / report.duration_s;
    report.proxy_cpu_us_per_request = served > 0 ? Math.round(((cpuSeconds(pidOf(proxy)) - cpuBefore) * 1e6 / served) * 10) / 10 : null;
  }
  log(`${label}: ${Math.round(report.rate_achieved)} req/s, p50 ${report.latency_us.p50} µs, p99 ${report.latency_us.p99} µs, ok ${report.ok}/${report.requests}`);
  if (report.ok !== report.requests || report.requests === 0) {
    failures.push(`${label}: ${report.ok}/${report.requests} ok, errors ${JSON.stringify(report.errors)}`);
  }
  return report;
}

// Rows with a request that failed: the run fails (a figure with errors in it is no figure).
const failures = [];

const warm = ["--warmup", plan.warmup];

const atRate = (rate) => ["--rate", String(rate), "--duration", `${plan.seconds}s`, "--connections", "64", ...warm];

// One target: open loop at each rate, closed loop for maximum throughput, and a streamed
// run for time to first token. (The main contenders' rates are measured in interleaved
// rounds instead: see latencyRounds.)
// `mix` picks the load generator's bodies (short-chat unless given: each prompt carries a
// request counter, so no two are alike; `repeat` sends one prompt again and again).
async function measureTarget(name, url, { rates, headers = {}, proxy = null, mix = null }) {
  const result = { name, url, rates: {}, max: null, stream: null };
  const bodies = mix ? ["--mix", mix] : [];
  for (const rate of rates) {
    result.rates[rate] = await loadgen(`${name}@${rate}`, url, [...atRate(rate), ...bodies], headers, proxy);
  }
  result.max = await loadgen(`${name}@max`, url, ["--concurrency", String(MAX_CONCURRENCY), "--duration", `${plan.maxSeconds}s`, ...warm, ...bodies], headers, proxy);
  result.stream = await loadgen(`${name}@stream`, url, ["--rate", "200", "--stream", "--duration", `${plan.seconds}s`, ...warm, ...bodies], {
    ...headers,
    "x-mock-chunks": "8",
  });
  return result;
}

// The fixed-rate rows of the targets compared with each other, in plan.rounds rounds:
// in each round every rate, and at each rate every target one after another, in an order
// that rotates from round to round. A shared VM drifts by tens of microseconds from one
// minute to the next; run one target after the other, that drift landed on whichever ran
// in the bad minute. Each cell is then the median round: the report with the median p50,
// with the median p99 of the rounds. Every round's report is kept (`rounds` in the JSON).
async function latencyRounds(targets) {
  const runs = Object.fromEntries(targets.map((t) => [t.name, Object.fromEntries(plan.rates.map((r) => [r, []]))]));
  for (let round = 0; round < plan.rounds; round++) {
    for (const rate of plan.rates) {
      const order = targets.map((_, i) => targets[(i + round) % targets.length]);
      for (const t of order) {
        runs[t.name][rate].push(await loadgen(`${t.name}@${rate}#${round + 1}`, t.url, atRate(rate), t.headers, t.proxy));
      }
    }
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const cells = {};
  for (const t of targets) {
    cells[t.name] = {};
    for (const rate of plan.rates) {
      const reports = runs[t.name][rate];
      const p50 = median(reports.map((r) => r.latency_us.p50));
      const chosen = reports.find((r) => r.latency_us.p50 === p50);
      cells[t.name][rate] = { ...chosen, latency_us: { ...chosen.latency_us, p99: median(reports.map((r) => r.latency_us.p99)) } };
    }
  }
  return { cells, runs };
}

// The key the load generator presents to tollgate (its hash is in the config).
const BENCH_KEY = "tg-bench-key-0123456789";

// The config a user is told to run, with every stage that exists on: the key is checked
// (auth); the caller's country is looked up (geo, in a database written at bench time);
// the prompt is sanitized and its personal data masked (sanitize and pii, from
// conf/examples/pii-and-sanitize.yaml, with every built-in entity); the request is held to
// rpm, tpm, max_parallel, a daily token quota and a monthly budget on its key and its team
// (limits), priced, recorded in the usage ledger, looked up in the response cache (exact
// and semantic; the load generator sends `cache-control: no-store`, so every lookup misses
// and nothing is kept, except in the cache-hit row); and observed with the audit log and
// the default access log on. The limits are high enough never to refuse: the benchmark
// measures the checks, not the refusals. With `redisUrl` the counters live in Redis
// (shared by replicas) instead of in process; with `redisLease` too, each admission is
// taken from a slice of the limits leased from Redis (state.redis_lease). `bare` is the config the benchmark ran
// before issue 19: auth, limits and metrics only, no audit log, no access log.
function tollgateConfig(mockPort, port, adminPort, { stateDir, redisUrl, redisLease, idlePollUs, bare, geoDatabase } = {}) {
  const huge = "{rpm: 1000000000, tpm: 1000000000000, max_parallel: 1000000, tokens_per_day: 1000000000000000, budget_usd_per_month: 1000000000}";
  return `# Written by loadtest/bench/bench.mjs: one worker thread, as nginx has one worker.
server:
  listen: ["127.0.0.1:${port}"]
  admin: 127.0.0.1:${adminPort}
  threads: 1
${idlePollUs ? `  idle_poll_us: ${idlePollUs}\n` : ""}providers:
  - {name: mock, kind: openai, base_url: "http://127.0.0.1:${mockPort}/v1", api_key: sk-bench, forward_headers: ["x-mock-*"]}
models:
  - {name: gpt-test, targets: [{provider: mock, model: gpt-test}]}
${bare ? "logging: {access_log: false}" : `# The default access log (one JSON line per request on stdout, buffered) and the audit log.
audit:
  path: ${stateDir}/audit.jsonl
  fsync_interval: 1s`}
state:
  sqlite: ${stateDir}/tollgate.db
${redisUrl ? `  redis: ${redisUrl}\n` : ""}${redisLease ? `  redis_lease: ${redisLease}\n` : ""}keys:
  - id: bench
    hash: sha256:${createHash("sha256").update(BENCH_KEY).digest("hex")}
    user: loadgen
    team: bench
    models: ["gpt-*"]
    limits: ${huge}
teams:
  - {name: bench, limits: ${huge}}
pricing:
  gpt-test: {input: 0.15, output: 0.60}
${bare ? "" : everyStage(geoDatabase)}`;
}

// geo, sanitize, pii (every built-in entity) and the response cache, for the full config.
function everyStage(geoDatabase) {
  const example = readFileSync(path.join(here, "..", "..", "conf", "examples", "pii-and-sanitize.yaml"), "utf8");
  const guards = example.slice(example.indexOf("\nsanitize:\n") + 1).replace(
    "pii:\n  entities:\n",
    // The example's five, and the other built-in ones.
    "pii:\n  entities:\n    ssn: mask\n    ipv4: mask\n    ipv6: mask\n    url_credentials: redact\n",
  );
  return `geo:
  database: ${geoDatabase}
  allow_countries: [DE]
  unknown: deny
${guards}
cache:
  scope: key
  exact: {ttl: 1h}
  semantic: {ttl: 1h, threshold: 0.92}
`;
}

// The load generator comes from 127.0.0.1: the bench's database places loopback in DE.
function writeBenchGeoDatabase(dir) {
  try {
    return writeGeoDatabase(path.join(dir, "country.mmdb"), { "127.0.0.0/8": ["DE", "EU"] });
  } catch (e) {
    throw new Error(`cannot write the geo database (needs Perl's MaxMind::DB::Writer, Debian's libmaxmind-db-writer-perl: scripts/install-deps.sh --with-bench-tools): ${e.message}`);
  }
}

function nginxConfig(dir, mockPort, port) {
  return `# Written by loadtest/bench/bench.mjs: one worker, upstream keep-alive, no buffering
# (an LLM proxy must pass streams through as they come), no access log.
worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 30000; }
worker_rlimit_nofile 60000;
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream mock { server 127.0.0.1:${mockPort}; keepalive 128; }
  server {
    listen 127.0.0.1:${port} reuseport backlog=4096;
    keepalive_requests 1000000;
    location / {
      proxy_pass http://mock;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
    }
  }
}
`;
}

// How many streams one proxy process can hold here: two sockets each, plus a margin for
// listeners, the admin port and log files.
const STREAMS = Math.min(plan.streams, Math.floor((FILES.limit - 200) / 2));

// Holds STREAMS slow streams open through the proxy and samples its memory meanwhile.
async function streamMemory(name, url, proc, headers = {}) {
  let peak = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      peak = Math.max(peak, rss(pidOf(proc)));
      await sleep(200);
    }
  })();
  const idle = rss(pidOf(proc));
  const report = await loadgen(`${name}@${STREAMS}-streams`, url, [
    "--concurrency", String(STREAMS), "--stream", "--duration", `${plan.streamSeconds}s`, "--threads", "1", "--timeout", "120s",
  ], { ...headers, "x-mock-chunks": String(plan.streamChunks), "x-mock-chunk-delay-ms": String(plan.streamDelayMs) });
  sampling = false;
  await sampler;
  // Memory grows linearly with streams; where the file limit kept us below the plan's
  // count, the figure for the plan's count is extrapolated from the measured slope.
  const perStream = (peak - idle) / STREAMS;
  return {
    streams: STREAMS,
    planned_streams: plan.streams,
    file_limit: FILES.limit,
    rss_before_bytes: idle,
    peak_rss_bytes: peak,
    hwm_bytes: rss(pidOf(proc), "VmHWM"),
    bytes_per_stream: Math.round(perStream),
    peak_rss_at_planned_bytes: Math.round(idle + perStream * plan.streams),
    report,
  };
}

function commitId() {
  try {
    const id = execFileSync("git", ["-C", root, "rev-parse", "--short=10", "HEAD"], { encoding: "utf8" }).trim();
    const dirty = execFileSync("git", ["-C", root, "status", "--porcelain", "--untracked-files=no"], { encoding: "utf8" }).trim();
    return dirty ? `${id}-dirty` : id;
  } catch {
    return "unknown";
  }
}

function machine() {
  const cpu = os.cpus()[0]?.model ?? "unknown";
  let nginx = "nginx not found";
  try {
    nginx = execFileSync("sh", ["-c", "nginx -v 2>&1"], { encoding: "utf8" }).trim();
  } catch {
    // reported as not found
  }
  return { cpu, cores, kernel: os.release(), node: process.version, nginx, file_limit: FILES.limit, pinning: PROXY_CPU ? { proxy_cpu: PROXY_CPU, load_and_mock_cpu: LOAD_CPU } : null, tollgate_build: tollgateBuild() };
}

// How the gateway under test was compiled, from its build directory's CMake cache.
function tollgateBuild() {
  try {
    const cache = readFileSync(path.join(path.dirname(BIN.tollgate), "CMakeCache.txt"), "utf8");
    const pgo = /^TOLLGATE_PGO:STRING=(.*)$/m.exec(cache)?.[1] ?? "";
    const type = /^CMAKE_BUILD_TYPE:STRING=(.*)$/m.exec(cache)?.[1] ?? "?";
    return pgo === "use" ? `${type}, profile-guided (scripts/build-release.sh)` : `${type}, no profile (make build)`;
  } catch {
    return "unknown (no CMakeCache.txt beside it)";
  }
}

const us = (v) => (v == null ? "–" : v >= 10000 ? `${(v / 1000).toFixed(1)} ms` : `${Math.round(v)} µs`);
const ratio = (a, b) => (a != null && b ? Math.round((a / b) * 100) / 100 : null);
const mb = (b) => Math.round((b / 1048576) * 10) / 10;

function analyse(results) {
  const direct = results.targets.direct;
  const added = (t, rate, p) => {
    const r = results.targets[t]?.rates?.[rate];
    const d = direct.rates[rate];
    return r && d ? r.latency_us[p] - d.latency_us[p] : null;
  };
  const out = { added_latency_us: {}, throughput: {} };
  for (const t of Object.keys(results.targets)) {
    if (t === "direct") continue;
    out.added_latency_us[t] = {};
    for (const rate of Object.keys(results.targets[t].rates)) {
      out.added_latency_us[t][rate] = { p50: added(t, rate, "p50"), p99: added(t, rate, "p99") };
    }
    out.throughput[t] = results.targets[t].max?.rate_achieved ?? null;
  }
  out.throughput.direct = direct.max.rate_achieved;
  const tg = results.targets.tollgate;
  const ng = results.targets.nginx;
  const pk = results.targets.portkey;
  const rd = results.targets["tollgate-redis"];
  const rl = results.targets["tollgate-redis-lease"];
  const at2k = out.added_latency_us.tollgate?.[2000];
  const poll2k = out.added_latency_us["tollgate-poll"]?.[2000];
  const ng2k = out.added_latency_us.nginx?.[2000];
  out.ratios = {
    tollgate_vs_nginx_throughput: ratio(tg.max.rate_achieved, ng.max.rate_achieved),
    tollgate_vs_portkey_throughput: pk ? ratio(tg.max.rate_achieved, pk.max.rate_achieved) : null,
    tollgate_vs_direct_throughput: ratio(tg.max.rate_achieved, direct.max.rate_achieved),
    tollgate_added_p50_vs_nginx_at_2000: at2k && ng2k ? ratio(at2k.p50, ng2k.p50) : null,
    tollgate_poll_added_p50_vs_nginx_at_2000: poll2k && ng2k ? ratio(poll2k.p50, ng2k.p50) : null,
    tollgate_vs_nginx_cpu_per_request_at_2000: ratio(tg.rates[2000]?.proxy_cpu_us_per_request, ng.rates[2000]?.proxy_cpu_us_per_request),
    tollgate_vs_nginx_cpu_per_request_at_max: ratio(tg.max.proxy_cpu_us_per_request, ng.max.proxy_cpu_us_per_request),
    tollgate_redis_vs_in_process_throughput: rd ? ratio(rd.max.rate_achieved, tg.max.rate_achieved) : null,
    tollgate_redis_lease_vs_in_process_throughput: rl ? ratio(rl.max.rate_achieved, tg.max.rate_achieved) : null,
  };
  const cpu2k = out.ratios.tollgate_vs_nginx_cpu_per_request_at_2000;
  const cpuMax = out.ratios.tollgate_vs_nginx_cpu_per_request_at_max;
  const rd2k = out.added_latency_us["tollgate-redis"]?.[2000];
  const rl2k = out.added_latency_us["tollgate-redis-lease"]?.[2000];
  const mem = results.memory;
  out.targets = {
    "throughput >= 0.8x nginx": out.ratios.tollgate_vs_nginx_throughput >= 0.8,
    "throughput >= 50x portkey": pk ? out.ratios.tollgate_vs_portkey_throughput >= 50 : null,
    "added p50 at 2000 rps <= nginx's": at2k && ng2k ? at2k.p50 <= ng2k.p50 : null,
    "added p99 at 2000 rps <= 200 us": at2k ? at2k.p99 <= 200 : null,
    "with idle polling: added p50 at 2000 rps <= nginx's": poll2k && ng2k ? poll2k.p50 <= ng2k.p50 : null,
    "with idle polling: added p99 at 2000 rps <= 200 us": poll2k ? poll2k.p99 <= 200 : null,
    "10k streams <= 150 MB RSS": mem.streams?.planned_streams >= 10000 ? mem.streams.peak_rss_at_planned_bytes <= 150 * 1048576 : null,
    "idle RSS <= 30 MB": mem.idle_rss_bytes <= 30 * 1048576,
    "CPU per request at 2000 rps <= 1.5x nginx's": cpu2k != null ? cpu2k <= 1.5 : null,
    "CPU per request at saturation <= 1.5x nginx's": cpuMax != null ? cpuMax <= 1.5 : null,
    "counters in redis: throughput >= 0.6x in process": rd ? out.ratios.tollgate_redis_vs_in_process_throughput >= 0.6 : null,
    "counters in redis: added p99 at 2000 rps <= 1 ms": rd2k ? rd2k.p99 <= 1000 : null,
    "counters in redis, leased: throughput >= 0.6x in process": rl ? out.ratios.tollgate_redis_lease_vs_in_process_throughput >= 0.6 : null,
    "counters in redis, leased: added p99 at 2000 rps <= 1 ms": rl2k ? rl2k.p99 <= 1000 : null,
    "no failed request in any row": (results.failures ?? []).length === 0,
  };
  return out;
}

function markdown(results, a) {
  const names = Object.keys(results.targets);
  // Every rate any target ran at (Portkey runs below the others).
  const rates = [...new Set(names.flatMap((n) => Object.keys(results.targets[n].rates).map(Number)))].sort((a, b) => a - b);
  const lines = [];
  lines.push(`# Benchmark ${results.date} at ${results.commit}${results.quick ? " (quick mode)" : ""}`, "");
  lines.push(`Machine: ${results.machine.cpu}, ${results.machine.cores} cores, Linux ${results.machine.kernel}; ${results.machine.nginx}.`);
  lines.push(results.machine.pinning
    ? `Pinned: the proxy under test on CPU ${results.machine.pinning.proxy_cpu}; mock provider and load generator on CPU ${results.machine.pinning.load_and_mock_cpu}. tollgate 1 thread, nginx 1 worker.`
    : "Not pinned (one core).");
  if (results.machine.tollgate_build) lines.push(`tollgate binary: ${results.machine.tollgate_build}.`);
  if (results.drift) {
    const { direct_max_start: first, direct_max_end: last } = results.drift;
    // Either way is a change: a machine that sped up ran the early rows slow.
    const change = first > 0 ? last / first - 1 : -1;
    lines.push(Math.abs(change) > 0.2
      ? `**The machine's speed changed during the run: the direct call's maximum went from ${first} to ${last} req/s (${change > 0 ? "+" : ""}${Math.round(change * 100)}%). Rows measured early and late met different machines: compare them with care.**`
      : `The machine held steady: the direct call's maximum was ${first} req/s at the start and ${last} at the end.`);
  }
  if (names.includes("tollgate-poll")) {
    const us = results.plan.idle_poll_us ?? IDLE_POLL_US;
    lines.push(`tollgate and tollgate-poll run the same config with every stage on; tollgate-poll adds \`server.idle_poll_us: ${us}\`: after its last event the thread polls for ${us} µs before it sleeps (CPU per request below).`);
  }
  const rounds = results.plan.rounds ?? 1;
  const compared = names.includes("tollgate-poll") ? "Direct, nginx, tollgate and tollgate-poll" : "Direct, nginx and tollgate";
  const interleaved = rounds > 1 ? ` ${compared} at each rate one after another, in ${rounds} rounds (order rotated); each cell is the median round (p50 and p99 medians of the rounds).` : "";
  lines.push(`Open loop at fixed rates, ${results.plan.seconds} s each after ${results.plan.warmup} warm-up, 64 keep-alive connections; maximum throughput closed loop with ${MAX_CONCURRENCY} connections; short chat requests (~300 B), JSON answers.${interleaved}`, "");
  const ng = results.targets.nginx;
  const tg = results.targets.tollgate;
  if (ng && tg) {
    // The figure that does not depend on the VM's jitter: the proxy's own CPU time.
    const cell = (r) => (r?.proxy_cpu_us_per_request != null ? `${r.proxy_cpu_us_per_request} µs` : "–");
    lines.push("## Headline: CPU of the proxy per request", "");
    lines.push("| | 2000 rps | saturation |", "|---|---|---|");
    lines.push(`| nginx | ${cell(ng.rates[2000])} | ${cell(ng.max)} |`);
    lines.push(`| tollgate, every stage on | ${cell(tg.rates[2000])} | ${cell(tg.max)} |`);
    lines.push(`| ratio | ${a.ratios.tollgate_vs_nginx_cpu_per_request_at_2000 ?? "–"}× | ${a.ratios.tollgate_vs_nginx_cpu_per_request_at_max ?? "–"}× |`, "");
  }
  if (results.failures?.length) {
    lines.push("## Failed rows", "", ...results.failures.map((f) => `- **${f}**`), "");
  }
  lines.push("## Latency (p50 / p99) and maximum throughput", "");
  lines.push(`| target | ${rates.map((r) => `${r} rps`).join(" | ")} | max req/s | stream TTFT p50 / p99 |`);
  lines.push(`|---|${rates.map(() => "---").join("|")}|---|---|`);
  for (const n of names) {
    const t = results.targets[n];
    const cells = rates.map((r) => (t.rates[r] ? `${us(t.rates[r].latency_us.p50)} / ${us(t.rates[r].latency_us.p99)}` : "–"));
    const ttft = t.stream?.ttft_us ? `${us(t.stream.ttft_us.p50)} / ${us(t.stream.ttft_us.p99)}` : "–";
    lines.push(`| ${n} | ${cells.join(" | ")} | ${Math.round(t.max.rate_achieved)} | ${ttft} |`);
  }
  lines.push("", "## Added latency over the direct call (p50 / p99)", "");
  lines.push(`| target | ${rates.map((r) => `${r} rps`).join(" | ")} |`);
  lines.push(`|---|${rates.map(() => "---").join("|")}|`);
  for (const [n, byRate] of Object.entries(a.added_latency_us)) {
    lines.push(`| ${n} | ${rates.map((r) => (byRate[r] ? `${us(byRate[r].p50)} / ${us(byRate[r].p99)}` : "–")).join(" | ")} |`);
  }
  const withCpu = names.filter((n) => Object.values(results.targets[n].rates).some((r) => r.proxy_cpu_us_per_request != null));
  if (withCpu.length) {
    lines.push("", "## CPU of the proxy per request (µs, user + system, warm-up included)", "");
    lines.push(`| target | ${rates.map((r) => `${r} rps`).join(" | ")} | max |`);
    lines.push(`|---|${rates.map(() => "---").join("|")}|---|`);
    const cpu = (r) => (r?.proxy_cpu_us_per_request != null ? `${r.proxy_cpu_us_per_request}` : "–");
    for (const n of withCpu) {
      const t = results.targets[n];
      lines.push(`| ${n} | ${rates.map((r) => cpu(t.rates[r])).join(" | ")} | ${cpu(t.max)} |`);
    }
  }
  lines.push("", "## Ratios", "");
  for (const [k, v] of Object.entries(a.ratios)) lines.push(`- ${k.replaceAll("_", " ")}: ${v ?? "–"}`);
  lines.push("", "## Memory (tollgate)", "");
  lines.push(`- idle RSS: ${mb(results.memory.idle_rss_bytes)} MB`);
  if (results.memory.streams) {
    const s = results.memory.streams;
    lines.push(`- ${s.streams} concurrent slow streams: peak RSS ${mb(s.peak_rss_bytes)} MB (high-water mark ${mb(s.hwm_bytes)} MB), ${(s.bytes_per_stream / 1024).toFixed(1)} KB per stream; ${s.report.ok} streams finished ok, errors ${JSON.stringify(s.report.errors)}`);
    if (s.streams < s.planned_streams) {
      lines.push(`- ${s.planned_streams} streams would need ${2 * s.planned_streams}+ sockets in one process; this machine's file limit is ${s.file_limit} and cannot be raised here, so ${s.streams} were held and ${s.planned_streams} extrapolated: ${mb(s.peak_rss_at_planned_bytes)} MB`);
    }
  }
  if (results.memory.nginx_streams) {
    const n = results.memory.nginx_streams;
    lines.push(`- for comparison, nginx (master and worker) with the same streams: peak RSS ${mb(n.peak_rss_bytes)} MB, ${(n.bytes_per_stream / 1024).toFixed(1)} KB per stream, ${n.report.ok} ok, errors ${JSON.stringify(n.report.errors)}`);
  }
  lines.push("", "## Targets (issues 4 and 19)", "");
  if (results.quick) {
    lines.push("Quick mode: 1 s runs on a cold start (Portkey's JIT is still warming up), so these lines check the plumbing, not the targets.", "");
  }
  for (const [k, v] of Object.entries(a.targets)) lines.push(`- ${v === null ? "not measured" : v ? "met" : "**missed**"}: ${k}`);
  lines.push("");
  return lines.join("\n");
}

function plot(results, pngPath) {
  const dir = tempDir("tollgate-plot-");
  const series = [];
  for (const [n, t] of Object.entries(results.targets)) {
    const rows = Object.keys(t.rates).map(Number).sort((x, y) => x - y)
      .map((r) => `${r} ${t.rates[r].latency_us.p50} ${t.rates[r].latency_us.p99}`);
    if (!rows.length) continue;
    const file = path.join(dir, `${n}.dat`);
    writeFileSync(file, rows.join("\n") + "\n");
    series.push(`'${file}' using 1:2 with linespoints title '${n} p50'`, `'${file}' using 1:3 with linespoints dashtype 2 title '${n} p99'`);
  }
  const script = `set terminal pngcairo size 1000,600 font ",11"
set output '${pngPath}'
set title "Latency against offered rate (${results.commit}${results.quick ? ", quick" : ""})"
set xlabel "requests per second (open loop)"
set ylabel "latency (µs)"
set logscale y
set grid
set key outside right
plot ${series.join(", \\\n  ")}
`;
  const scriptFile = path.join(dir, "plot.gp");
  writeFileSync(scriptFile, script);
  try {
    execFileSync("gnuplot", [scriptFile], { stdio: "pipe" });
    return true;
  } catch (e) {
    log(`no plot: ${String(e.stderr ?? e.message).trim()}`);
    return false;
  }
}

// Quick mode's verdict: every part ran and the numbers are plausible. Not the targets:
// CI machines are noisy.
function sanity(results) {
  const problems = [];
  for (const [n, t] of Object.entries(results.targets)) {
    for (const [rate, r] of Object.entries(t.rates)) {
      if (r.ok < r.requests * 0.99 || r.ok === 0) problems.push(`${n}@${rate}: ${r.ok}/${r.requests} ok`);
      if (!(r.latency_us.p50 > 0)) problems.push(`${n}@${rate}: no latency`);
    }
    // The peer (Portkey, node) runs its first second cold, JIT and all: on a busy CI
    // machine that was 64 req/s once. What is checked of it is that it answered.
    const floor = n === "portkey" ? 0 : 100;
    if (!(t.max.rate_achieved > floor)) problems.push(`${n}: max throughput ${t.max.rate_achieved}`);
    if (!t.stream?.ttft_us || t.stream.ok === 0) problems.push(`${n}: no streamed answers`);
  }
  const s = results.memory.streams;
  if (!s || s.report.ok === 0) problems.push("the streams run finished no stream");
  if (!(results.memory.idle_rss_bytes > 0)) problems.push("no idle RSS");
  return problems;
}

async function startTollgate(work, name, mockPort, { redisUrl, redisLease, idlePollUs, bare, geoDatabase }) {
  const port = await freePort();
  const adminPort = await freePort();
  const stateDir = path.join(work, name);
  mkdirSync(stateDir, { recursive: true });
  const config = path.join(stateDir, "tollgate.yaml");
  writeFileSync(config, tollgateConfig(mockPort, port, adminPort, { stateDir, redisUrl, redisLease, idlePollUs, bare, geoDatabase }));
  const proc = start(name, BIN.tollgate, ["--config", config], { cpu: PROXY_CPU });
  await waitForPort(port, proc, name);
  await sleep(500);
  return { proc, url: `http://127.0.0.1:${port}/v1/chat/completions` };
}

async function stopTollgate(tg) {
  await stop(tg.proc);
  if (tg.proc.exit?.code !== 0) {
    throw new Error(`${tg.proc.what} did not exit cleanly: ${JSON.stringify(tg.proc.exit)} ${tg.proc.stderr.slice(-2000)}`);
  }
}

async function main() {
  for (const [what, file] of Object.entries(BIN)) {
    if (!existsSync(file)) throw new Error(`${what} not built: ${file} (run loadtest/bench.sh)`);
  }
  const work = tempDir("tollgate-bench-");
  const results = {
    date: new Date().toISOString().slice(0, 10),
    commit: commitId(),
    quick,
    plan,
    machine: machine(),
    targets: {},
    memory: {},
  };

  const mockPort = await freePort();
  const mock = start("mock-provider", BIN.mock, ["--listen", `127.0.0.1:${mockPort}`, "--threads", "1"], { cpu: LOAD_CPU });
  await waitForPort(mockPort, mock, "mock-provider");
  const chatPath = "/v1/chat/completions";

  const directUrl = `http://127.0.0.1:${mockPort}${chatPath}`;
  const nginxDir = path.join(work, "nginx");
  mkdirSync(nginxDir);
  const nginxPort = await freePort();
  writeFileSync(path.join(nginxDir, "nginx.conf"), nginxConfig(nginxDir, mockPort, nginxPort));
  const nginx = start("nginx", "nginx", ["-p", nginxDir, "-c", path.join(nginxDir, "nginx.conf")], { cpu: PROXY_CPU });
  await waitForPort(nginxPort, nginx, "nginx");
  const nginxUrl = `http://127.0.0.1:${nginxPort}${chatPath}`;
  // tollgate with every stage on, counters in process; later the same with Redis. Every
  // request says `cache-control: no-store`: looked up in the cache, missed, not kept.
  const geoDatabase = writeBenchGeoDatabase(work);
  const tgHeaders = { authorization: `Bearer ${BENCH_KEY}`, "cache-control": "no-store" };
  const tg = await startTollgate(work, "tollgate", mockPort, { geoDatabase });
  results.memory.idle_rss_bytes = rss(pidOf(tg.proc));
  // The same with server.idle_poll_us: its thread keeps polling for IDLE_POLL_US after
  // its last event instead of sleeping at once; it trades CPU for the wake-ups (see
  // docs/performance.md). Idle, it sleeps like the others.
  const tgPoll = await startTollgate(work, "tollgate-poll", mockPort, { idlePollUs: IDLE_POLL_US, geoDatabase });
  // What the benchmark measured before issue 19 (auth, limits, metrics; no audit, no
  // access log, no other stage): what the stages cost is the gap to the tollgate row.
  const tgBare = await startTollgate(work, "tollgate-bare", mockPort, { bare: true });

  // All proxies are up (each idle on CPU 0 while another is measured).
  log(`fixed rates: direct, nginx, tollgate, tollgate-poll and tollgate-bare interleaved, ${plan.rounds} round(s)`);
  const rounds = await latencyRounds([
    { name: "direct", url: directUrl, headers: {} },
    { name: "nginx", url: nginxUrl, headers: {}, proxy: nginx },
    { name: "tollgate", url: tg.url, headers: tgHeaders, proxy: tg.proc },
    { name: "tollgate-poll", url: tgPoll.url, headers: tgHeaders, proxy: tgPoll.proc },
    { name: "tollgate-bare", url: tgBare.url, headers: tgHeaders, proxy: tgBare.proc },
  ]);

  log("direct → mock");
  results.targets.direct = await measureTarget("direct", directUrl, { rates: [] });
  log("nginx → mock");
  results.targets.nginx = await measureTarget("nginx", nginxUrl, { rates: [], proxy: nginx });
  if (!quick) results.memory.nginx_streams = await streamMemory("nginx", nginxUrl, nginx);
  await stop(nginx);

  log("tollgate → mock");
  results.targets.tollgate = await measureTarget("tollgate", tg.url, { rates: [], headers: tgHeaders, proxy: tg.proc });
  results.memory.streams = await streamMemory("tollgate", tg.url, tg.proc, tgHeaders);
  // The same process, its cache now allowed to keep the answer, sent one prompt again
  // and again: every request but the first is answered from the cache. (Until 2026-12-04
  // this row sent the counter-numbered prompts of the other rows: every request was a
  // miss that stored its answer, and the row measured stores, not hits.)
  log("tollgate (cache hits) → mock");
  const hitHeaders = { authorization: tgHeaders.authorization };
  results.targets["tollgate-cache-hit"] = await measureTarget("tollgate-cache-hit", tg.url, { rates: plan.rates, headers: hitHeaders, proxy: tg.proc, mix: "repeat" });
  // The row is a row of hits only if the gateway says so: the loadgen's `repeat` body, asked
  // once more.
  const probe = await fetch(`${tg.url}`, {
    method: "POST",
    headers: { ...hitHeaders, "content-type": "application/json" },
    body: JSON.stringify({ model: "gpt-test", messages: [{ role: "user", content: "What is the capital of France? Answer in one word." }] }),
  });
  await probe.arrayBuffer();
  if (probe.headers.get("x-tollgate-cache") !== "hit") {
    failures.push(`tollgate-cache-hit: the repeated prompt was answered with x-tollgate-cache: ${probe.headers.get("x-tollgate-cache")}, not hit`);
  }
  await stopTollgate(tg);
  log("tollgate-poll → mock");
  results.targets["tollgate-poll"] = await measureTarget("tollgate-poll", tgPoll.url, { rates: [], headers: tgHeaders, proxy: tgPoll.proc });
  await stopTollgate(tgPoll);
  log("tollgate-bare → mock");
  results.targets["tollgate-bare"] = await measureTarget("tollgate-bare", tgBare.url, { rates: [], headers: tgHeaders, proxy: tgBare.proc });
  await stopTollgate(tgBare);
  for (const name of ["direct", "nginx", "tollgate", "tollgate-poll", "tollgate-bare"]) {
    results.targets[name].rates = rounds.cells[name];
    results.targets[name].rounds = rounds.runs[name];
  }

  if (withRedis) {
    log("tollgate (counters in redis) → mock");
    const redisPort = await freePort();
    const redis = start("redis-server", "redis-server", [
      "--port", String(redisPort), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
    ], { cpu: LOAD_CPU });
    await waitForPort(redisPort, redis, "redis-server");
    const redisUrl = `redis://127.0.0.1:${redisPort}/0`;
    const tgr = await startTollgate(work, "tollgate-redis", mockPort, { redisUrl, geoDatabase });
    results.targets["tollgate-redis"] = await measureTarget("tollgate-redis", tgr.url, { rates: plan.rates, headers: tgHeaders, proxy: tgr.proc });
    await stopTollgate(tgr);
    // The same on per-replica leases: admissions taken from slices of the limits leased
    // from Redis, usage sent in sums (docs/limits.md, "Leases").
    log("tollgate (counters in redis, leased) → mock");
    const tgl = await startTollgate(work, "tollgate-redis-lease", mockPort, { redisUrl, redisLease: REDIS_LEASE, geoDatabase });
    results.targets["tollgate-redis-lease"] = await measureTarget("tollgate-redis-lease", tgl.url, { rates: plan.rates, headers: tgHeaders, proxy: tgl.proc });
    await stopTollgate(tgl);
    await stop(redis);
  } else {
    log("tollgate-redis: skipped (no redis-server)");
  }

  const portkeyMain = path.join(here, "node_modules", "@portkey-ai", "gateway", "build", "start-server.js");
  if (withPeer && existsSync(portkeyMain)) {
    log("portkey → mock");
    const pkPort = await freePort();
    const shim = path.join(here, "portkey-node20-shim.mjs");
    const portkey = start("portkey", process.execPath, ["--import", shim, portkeyMain, `--port=${pkPort}`, "--headless"], {
      cpu: PROXY_CPU,
      env: { NODE_ENV: "production" },
    });
    await waitForPort(pkPort, portkey, "portkey");
    results.targets.portkey = await measureTarget("portkey", `http://127.0.0.1:${pkPort}${chatPath}`, {
      rates: plan.peerRates,
      headers: { "x-portkey-provider": "openai", "x-portkey-custom-host": `http://127.0.0.1:${mockPort}/v1` },
      proxy: portkey,
    });
    results.machine.portkey = JSON.parse(readFileSync(path.join(here, "node_modules", "@portkey-ai", "gateway", "package.json"), "utf8")).version;
    await stop(portkey);
  } else {
    log("portkey: skipped (not installed, or --no-peer)");
  }
  // The direct call's maximum once more, at the end: a shared VM can slow down for minutes
  // (once here the direct call fell from 34k to 7k req/s within a run), and a run whose
  // later rows met a slower machine compares them with nothing. The report says so.
  const directAgain = await loadgen("direct@max-again", directUrl, ["--concurrency", String(MAX_CONCURRENCY), "--duration", `${plan.maxSeconds}s`, ...warm]);
  results.drift = {
    direct_max_start: Math.round(results.targets.direct.max.rate_achieved),
    direct_max_end: Math.round(directAgain.rate_achieved),
  };
  await stopAll();

  results.failures = failures;
  const analysis = analyse(results);
  results.analysis = analysis;
  mkdirSync(outDir, { recursive: true });
  const base = path.join(outDir, `${results.date}-${results.commit}${quick ? "-quick" : ""}`);
  writeFileSync(`${base}.json`, JSON.stringify(results, null, 1) + "\n");
  const md = markdown(results, analysis);
  const plotted = plot(results, `${base}.png`);
  writeFileSync(`${base}.md`, md + (plotted ? `\n![latency against rate](${path.basename(base)}.png)\n` : ""));
  // A failed run keeps its own files for a look, but is never the latest.
  if (!quick && failures.length === 0) {
    copyFileSync(`${base}.md`, path.join(outDir, "latest.md"));
    if (plotted) copyFileSync(`${base}.png`, path.join(outDir, "latest.png"));
  }
  console.log(md);
  console.log(`results: ${base}.{json,md${plotted ? ",png" : ""}}`);
  if (quick) {
    const problems = sanity(results);
    if (problems.length) {
      console.error(`benchmark smoke test failed:\n  ${problems.join("\n  ")}`);
      process.exitCode = 1;
    }
  }
  if (failures.length) {
    console.error(`benchmark failed: rows with failed requests:\n  ${failures.join("\n  ")}`);
    process.exitCode = 1;
  }
}

// `--report FILE.json` renders the table and plot of an earlier run again (after a change
// to how they are written) without measuring anything.
function rerender(file) {
  const results = JSON.parse(readFileSync(file, "utf8"));
  const base = file.replace(/\.json$/, "");
  const md = markdown(results, results.analysis);
  const plotted = plot(results, `${base}.png`);
  writeFileSync(`${base}.md`, md + (plotted ? `\n![latency against rate](${path.basename(base)}.png)\n` : ""));
  console.log(md);
}

const reportOf = option("--report", null);
const run = reportOf ? Promise.resolve().then(() => rerender(path.resolve(reportOf))) : main();
run.catch(async (e) => {
  console.error(`[bench] ${e.stack ?? e}`);
  await stopAll();
  process.exit(1);
});
