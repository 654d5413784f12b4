// Ten reloads (SIGHUP and POST /admin/reload, each changing the models) while the load
// generator sends plain and streamed requests: not one request fails, every stream ends
// with [DONE], and each reload is applied.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { SLOW, TOLLGATE_BIN, basicConfig, curl, sleep, startGateway, startMock, stopAll, tempDir } from "./lib/harness.mjs";

const LOADGEN = process.env.LOADGEN_BIN ?? path.join(path.dirname(TOLLGATE_BIN), "loadgen");
const ADMIN_KEY = "admin-key-for-reload-load-0123";

after(stopAll);

function runLoad(url, { stream, seconds, report }) {
  const args = ["--url", url, "--concurrency", "8", "--duration", `${seconds}s`, "--json", report, "--quiet"];
  if (stream) args.push("--stream");
  const child = spawn(LOADGEN, args, { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, output })));
}

test("ten reloads under plain and streamed load: no request fails, every stream completes", async () => {
  assert.ok(existsSync(LOADGEN), `the load generator is built beside tollgate: ${LOADGEN}`);
  const mock = await startMock();
  const dir = tempDir();
  const models = (n) => `models:\n${Array.from({ length: n }, (_, i) => `  - {name: extra-${i}, targets: [{provider: demo, model: demo}]}`).join("\n")}\n`;
  writeFileSync(path.join(dir, "models.yaml"), models(1));
  const gw = await startGateway(
    basicConfig({ mockUrl: mock.url, server: `  admin_key: ${ADMIN_KEY}\n` }) + `include: ["${dir}/models.yaml"]\n`,
  );
  const url = `${gw.base}/v1/chat/completions`;
  const seconds = 6 * SLOW;
  const plain = runLoad(url, { stream: false, seconds, report: path.join(dir, "plain.json") });
  const streamed = runLoad(url, { stream: true, seconds, report: path.join(dir, "stream.json") });
  await sleep(500);
  for (let i = 0; i < 10; i++) {
    writeFileSync(path.join(dir, "models.yaml"), models(i + 2));
    if (i % 2 === 0) {
      gw.proc.child.kill("SIGHUP");
    } else {
      const r = await curl(["-X", "POST", `http://127.0.0.1:${gw.adminPort}/admin/reload`, "-H", `authorization: Bearer ${ADMIN_KEY}`]);
      assert.equal(r.status, 200, r.body);
    }
    await sleep((seconds * 1000 - 1500) / 10);
  }
  const results = await Promise.all([plain, streamed]);
  for (const [name, result] of [["plain", results[0]], ["stream", results[1]]]) {
    assert.equal(result.code, 0, result.output);
    const report = JSON.parse(readFileSync(path.join(dir, `${name}.json`), "utf8"));
    assert.ok(report.requests > 50, `${name}: ${report.requests} requests`);
    assert.equal(report.ok, report.requests, `${name}: ${JSON.stringify(report.errors)}`);
    const e = report.errors;
    assert.deepEqual([e.connect, e.reset, e.timeout, e.protocol, Object.keys(e.status).length], [0, 0, 0, 0, 0], name);
  }
  const applied = (gw.proc.stdout + gw.proc.stderr).match(/configuration reloaded/g) ?? [];
  assert.equal(applied.length, 10);
  const list = await curl([`${gw.base}/v1/models`]);
  assert.equal(JSON.parse(list.body).data.filter((m) => m.id.startsWith("extra-")).length, 11);
});

test("server.watch: a changed or new included file reloads without a signal", async () => {
  const dir = tempDir();
  writeFileSync(path.join(dir, "a.yaml"), "models:\n  - {name: watched-a, targets: [{provider: demo, model: demo}]}\n");
  const gw = await startGateway(basicConfig({ server: "  watch: true\n" }) + `include: ["${dir}/*.yaml"]\n`);
  const ids = async () => JSON.parse((await curl([`${gw.base}/v1/models`])).body).data.map((m) => m.id);
  const until = async (want) => {
    for (let i = 0; i < 100; i++) {
      if (want(await ids())) return true;
      await sleep(50);
    }
    return false;
  };
  assert.ok((await ids()).includes("watched-a"));
  writeFileSync(path.join(dir, "a.yaml"), "models:\n  - {name: watched-b, targets: [{provider: demo, model: demo}]}\n");
  assert.ok(await until((m) => m.includes("watched-b") && !m.includes("watched-a")), "a changed file reloads");
  writeFileSync(path.join(dir, "c.yaml"), "models:\n  - {name: watched-c, targets: [{provider: demo, model: demo}]}\n");
  assert.ok(await until((m) => m.includes("watched-c")), "a new file the glob matches reloads");
  writeFileSync(path.join(dir, "notes.txt"), "not config");
  await sleep(600);
  const reloads = (gw.proc.stdout + gw.proc.stderr).match(/configuration reloaded \(a config file changed\)/g) ?? [];
  assert.equal(reloads.length, 2, "a file no glob matches changes nothing");
});

test("audit.include_bodies, fsync_interval and rotate reload; the audit file's path takes a restart", async () => {
  const dir = tempDir();
  const config = (bodies, file = "audit.jsonl", rotate = "") =>
    basicConfig({ server: `  admin_key: ${ADMIN_KEY}\n` }) +
    `audit:\n  path: ${dir}/${file}\n  fsync_interval: 50ms\n  include_bodies: ${bodies}\n${rotate}`;
  const gw = await startGateway(config(false));
  const port = (text) => text.replaceAll("${PORT}", String(gw.port)).replaceAll("${ADMIN_PORT}", String(gw.adminPort));
  const ask = (content) =>
    curl([`${gw.base}/v1/chat/completions`, "-d", JSON.stringify({ model: "demo", messages: [{ role: "user", content }] })]);
  const reload = () =>
    curl(["-X", "POST", `http://127.0.0.1:${gw.adminPort}/admin/reload`, "-H", `authorization: Bearer ${ADMIN_KEY}`]);
  assert.equal((await ask("before the reload")).status, 200);
  writeFileSync(gw.file, port(config(true)));
  assert.equal((await reload()).status, 200);
  assert.equal((await ask("after the reload")).status, 200);
  writeFileSync(gw.file, port(config(true, "elsewhere.jsonl")));
  const refused = await reload();
  assert.equal(refused.status, 400);
  assert.match(JSON.parse(refused.body).error.message, /audit:.*takes a restart/);
  await sleep(300);
  const lines = readFileSync(path.join(dir, "audit.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
  assert.equal(lines.length, 2);
  assert.equal(lines[0].request_body, undefined);
  assert.match(lines[1].request_body, /after the reload/);
  // Rotation past 1 KiB from now on: the next lines (about 1 KiB each with bodies) rotate.
  writeFileSync(gw.file, port(config(true, "audit.jsonl", "  fsync_interval: 20ms\n  rotate: {max_bytes: 1024}\n")
    .replace("  fsync_interval: 50ms\n", "")));
  const retuned = await reload();
  assert.equal(retuned.status, 200, retuned.body);
  for (let i = 0; i < 4; i++) assert.equal((await ask(`line ${i} `.repeat(40))).status, 200);
  await sleep(300);
  const { readdirSync } = await import("node:fs");
  const files = readdirSync(dir).filter((f) => f.startsWith("audit.jsonl"));
  assert.ok(files.length >= 2, `rotated after the reload: ${files.join(", ")}`);
});
