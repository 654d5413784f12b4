// Starts the real binaries for a test and stops them by pid: the gateway with a config
// written for the test, the mock provider, and helpers for curl, raw sockets and TLS
// certificates made at test time. Loopback only; every wait is bounded.
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";

const root = process.env.TOLLGATE_SOURCE_DIR ?? process.cwd();
export const TOLLGATE_BIN = process.env.TOLLGATE_BIN ?? path.join(root, "build", "tollgate");
export const MOCK_BIN = process.env.MOCK_PROVIDER_BIN ?? path.join(root, "build", "mock-provider");
// Sanitized builds are several times slower: stretch the waits, not the assertions.
export const SLOW = process.env.TOLLGATE_SANITIZED ? 4 : 1;

const running = new Set();

// Folders a test file makes go when its process exits (node's runner gives each file a
// process): a full run made ~300 of them, left in /tmp run after run.
// TOLLGATE_TEST_KEEP=1 keeps them to look into.
const tempDirs = new Set();
process.on("exit", () => {
  if (process.env.TOLLGATE_TEST_KEEP) return;
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

export function tempDir() {
  const dir = mkdtempSync(path.join(os.tmpdir(), "tollgate-test-"));
  tempDirs.add(dir);
  return dir;
}

export async function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// `promise`, or `otherwise` after `ms`; unlike racing sleep(), the timer does not outlive
// the wait (a pending timer keeps a test file running until it fires).
export async function within(promise, ms, otherwise = null) {
  let timer;
  const late = new Promise((resolve) => (timer = setTimeout(() => resolve(otherwise), ms)));
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

// The gateway's access lines so far, parsed (stdout and stderr: 5xx lines are warnings).
export function accessLines(gw) {
  return (gw.proc.stdout + "\n" + gw.proc.stderr)
    .split("\n")
    .filter((l) => l.includes('"type":"access"'))
    .map((l) => JSON.parse(l));
}

// The first access line `matches` accepts. The access log is buffered like nginx's
// (flushed every second), so a line comes up to a second after its answer: wait for it,
// bounded well past that flush.
export async function accessLine(gw, matches, timeoutMs = 5000 * SLOW) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const line = accessLines(gw).find(matches);
    if (line) return line;
    if (Date.now() > deadline) throw new Error("no such access line within " + timeoutMs + " ms");
    await sleep(25);
  }
}

// Splits one raw HTTP answer: {status, headers (lower-case names), body (the rest)}.
// The gateway's /metrics once `ready(text)` holds, or as it is after a bound: a request's
// counters are recorded as it completes, just after its answer reached the client.
export async function metricsWhen(gw, ready, timeoutMs = 5000 * SLOW) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const r = await curl([`http://127.0.0.1:${gw.adminPort}/metrics`]);
    if (r.status === 200 && ready(r.body)) return r;
    if (Date.now() >= until) return r;
    await sleep(50);
  }
}

export function parseAnswer(text) {
  const end = text.indexOf("\r\n\r\n");
  const lines = text.slice(0, end).split("\r\n");
  const headers = {};
  for (const line of lines.slice(1)) {
    const i = line.indexOf(":");
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return { status: Number((lines[0] ?? "").split(" ")[1] ?? 0), headers, body: text.slice(end + 4) };
}

async function waitFor(check, what, timeoutMs = 10000 * SLOW) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

export function canConnect(port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

function track(child, name) {
  const proc = { child, name, stdout: "", stderr: "", exit: null };
  child.stdout.on("data", (d) => (proc.stdout += d));
  child.stderr.on("data", (d) => (proc.stderr += d));
  proc.exited = new Promise((resolve) => {
    child.once("exit", (code, signal) => {
      proc.exit = { code, signal };
      running.delete(proc);
      resolve(proc.exit);
    });
  });
  running.add(proc);
  return proc;
}

// SIGTERM, then SIGKILL if it has not exited within `graceMs`.
export async function stop(proc, graceMs = 5000 * SLOW) {
  if (!proc || proc.exit) return proc?.exit;
  proc.child.kill("SIGTERM");
  const timer = setTimeout(() => proc.child.kill("SIGKILL"), graceMs);
  const exit = await proc.exited;
  clearTimeout(timer);
  return exit;
}

export async function stopAll() {
  await Promise.all([...running].map((p) => stop(p)));
}

export async function startMock({ tls, port } = {}) {
  port ??= await freePort();
  const args = ["--listen", `127.0.0.1:${port}`, "--record"];
  if (tls) args.push("--tls-cert", tls.cert, "--tls-key", tls.key);
  const proc = track(spawn(MOCK_BIN, args, { stdio: ["ignore", "pipe", "pipe"] }), "mock-provider");
  await waitFor(() => proc.stdout.includes("listening on") || proc.exit, "the mock provider");
  if (proc.exit) throw new Error(`mock-provider exited: ${proc.stderr}`);
  const scheme = tls ? "https" : "http";
  return { proc, port, url: `${scheme}://127.0.0.1:${port}/v1` };
}

// A real redis-server on a loopback port, no persistence, stopped by pid like the rest.
// Pass `port` to start it again where a stopped one was.
export async function startRedis({ port } = {}) {
  port ??= await freePort();
  const args = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"];
  const proc = track(spawn("redis-server", args, { stdio: ["ignore", "pipe", "pipe"] }), "redis-server");
  await waitFor(async () => proc.exit || (await canConnect(port)), "redis-server to listen");
  if (proc.exit) throw new Error(`redis-server exited: ${proc.stdout}${proc.stderr}`);
  return { proc, port, url: `redis://127.0.0.1:${port}/0` };
}

// Fetches what the mock last received (it records with --record).
export async function lastUpstreamRequest(mock) {
  const res = await fetch(`http://127.0.0.1:${mock.port}/mock/last-request`);
  return res.json();
}

// `config` is YAML text; "${PORT}" and "${ADMIN_PORT}" in it are replaced by free ports.
// `wrap`: a command the gateway runs under (it must exec the gateway, keeping the pid).
export async function startGateway(config, { env = {}, args = [], waitReady = true, wrap = [] } = {}) {
  const port = await freePort();
  const adminPort = await freePort();
  const dir = tempDir();
  const file = path.join(dir, "tollgate.yaml");
  writeFileSync(file, config.replaceAll("${PORT}", String(port)).replaceAll("${ADMIN_PORT}", String(adminPort)));
  const proc = track(
    spawn(wrap[0] ?? TOLLGATE_BIN, [...wrap.slice(1), ...(wrap.length ? [TOLLGATE_BIN] : []), "--config", file, ...args], {
      cwd: dir, // relative state paths (data/tollgate.db) land in the test's own directory
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, ...env },
    }),
    "tollgate",
  );
  const gw = { proc, port, adminPort, file, dir, base: `http://127.0.0.1:${port}` };
  if (waitReady) {
    await waitFor(async () => proc.exit || (await canConnect(port)), "the gateway to listen");
    if (proc.exit) throw new Error(`tollgate exited ${JSON.stringify(proc.exit)}: ${proc.stderr}${proc.stdout}`);
  }
  return gw;
}

// A config with one listener, an admin listener, the mock as provider `mock`
// (model `gpt-test` → `mock-model-1`) and the built-in demo provider (model `demo`).
export function basicConfig({ mockUrl = "http://127.0.0.1:1/v1", server = "", provider = "", models = "" } = {}) {
  return `server:
  listen: ["127.0.0.1:\${PORT}"]
  admin: 127.0.0.1:\${ADMIN_PORT}
  threads: 2
  drain_timeout: 10s
${server}
providers:
  - name: mock
    kind: openai
    forward_headers: ["x-mock-*"]
    base_url: ${mockUrl}
    api_key: sk-provider-secret
    timeout: 5s
    connect_timeout: 2s
${provider}
models:
  - name: gpt-test
    targets: [{provider: mock, model: mock-model-1}]
  - name: demo
    targets: [{provider: demo, model: demo}]
${models}
`;
}

// Runs curl; returns {status, headers (lower-case names), body, raw}.
export function curl(args, { input, timeoutMs = 15000 * SLOW } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn("curl", ["-s", "-S", "-D", "-", ...args], { stdio: ["pipe", "pipe", "pipe"] });
    let out = Buffer.alloc(0);
    let err = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.stdout.on("data", (d) => (out = Buffer.concat([out, d])));
    child.stderr.on("data", (d) => (err += d));
    child.on("error", reject);
    // "close", not "exit": only then has all of stdout been read.
    child.on("close", (code) => {
      clearTimeout(timer);
      const text = out.toString("latin1");
      // Skip interim 100-continue heads; the last head is the answer's.
      let rest = text;
      let head = "";
      for (;;) {
        const split = rest.indexOf("\r\n\r\n");
        if (split < 0) break;
        head = rest.slice(0, split);
        rest = rest.slice(split + 4);
        if (!/^HTTP\/1\.1 1\d\d/.test(head)) break;
      }
      const lines = head.split("\r\n");
      const status = Number((lines[0] ?? "").split(" ")[1] ?? 0);
      const headers = {};
      for (const line of lines.slice(1)) {
        const i = line.indexOf(":");
        if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
      }
      const body = Buffer.from(rest, "latin1").toString("utf8");
      resolve({ code, status, headers, body, stderr: err });
    });
    if (input !== undefined) child.stdin.end(input);
    else child.stdin.end();
  });
}

export function json(body) {
  try {
    return JSON.parse(body);
  } catch (e) {
    throw new Error(`not JSON: ${body.slice(0, 300)}`);
  }
}

// Splits an SSE body into the JSON (or "[DONE]") payloads of its data: lines.
export function sseEvents(body) {
  return body
    .split(/\r?\n\r?\n/)
    .map((event) => event.split(/\r?\n/).filter((l) => l.startsWith("data: ")).map((l) => l.slice(6)).join("\n"))
    .filter((data) => data.length > 0);
}

// A CA and a server certificate for 127.0.0.1 and localhost, made with openssl.
export function makeCertificates(dir = tempDir()) {
  const f = (name) => path.join(dir, name);
  const run = (...args) => execFileSync("openssl", args, { stdio: "pipe" });
  run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=tollgate test CA",
    "-keyout", f("ca.key"), "-out", f("ca.pem"));
  run("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", f("server.key"), "-out", f("server.csr"));
  writeFileSync(f("ext.cnf"), "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n");
  run("x509", "-req", "-in", f("server.csr"), "-CA", f("ca.pem"), "-CAkey", f("ca.key"), "-CAcreateserial",
    "-days", "2", "-extfile", f("ext.cnf"), "-out", f("server.pem"));
  // Signed by the same CA but for another name only: host name checks must refuse it.
  run("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=elsewhere.invalid", "-keyout", f("elsewhere.key"), "-out", f("elsewhere.csr"));
  writeFileSync(f("elsewhere.cnf"), "subjectAltName=DNS:elsewhere.invalid\nbasicConstraints=CA:FALSE\n");
  run("x509", "-req", "-in", f("elsewhere.csr"), "-CA", f("ca.pem"), "-CAkey", f("ca.key"), "-CAcreateserial",
    "-days", "2", "-extfile", f("elsewhere.cnf"), "-out", f("elsewhere.pem"));
  // A second, unrelated CA: trusting it must make verification fail.
  run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=other CA",
    "-keyout", f("other.key"), "-out", f("other.pem"));
  return {
    dir, ca: f("ca.pem"), cert: f("server.pem"), key: f("server.key"), otherCa: f("other.pem"),
    elsewhere: { cert: f("elsewhere.pem"), key: f("elsewhere.key") },
  };
}

// Opens a raw TCP connection; resolves with helpers to write and to wait for close.
export function rawConnect(port) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    let data = "";
    const closed = new Promise((r) => socket.once("close", () => r(Date.now())));
    socket.on("data", (d) => (data += d));
    socket.on("error", () => {});
    socket.once("connect", () => resolve({ socket, closed, received: () => data }));
    socket.once("error", reject);
  });
}
