// The README's first steps: the embedded default config serves the demo model with no
// provider key, and the command line validates configs with file:line messages.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { TOLLGATE_BIN, canConnect, curl, freePort, json, sleep, stopAll, tempDir } from "./lib/harness.mjs";
import { spawn } from "node:child_process";
import { validate, specSource } from "./lib/openapi.mjs";

after(stopAll);

test("the embedded default config answers the README's curl with the demo provider", async (t) => {
  t.diagnostic(`OpenAPI schemas from ${specSource()}`);
  const port = await freePort();
  const admin = await freePort();
  const child = spawn(TOLLGATE_BIN, [], {
    cwd: tempDir(),
    env: { ...process.env, TOLLGATE_LISTEN: `127.0.0.1:${port}`, TOLLGATE_ADMIN: `127.0.0.1:${admin}` },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  try {
    for (let i = 0; i < 400 && !(await canConnect(port)); i++) await sleep(25);
    const r = await curl([
      `http://127.0.0.1:${port}/v1/chat/completions`,
      "-H", "authorization: Bearer tg-demo-key",
      "-d", '{"model":"demo","messages":[{"role":"user","content":"hi"}]}',
    ]);
    assert.equal(r.status, 200, r.body + stderr);
    const body = json(r.body);
    validate("CreateChatCompletionResponse", body);
    assert.match(body.choices[0].message.content, /"hi"/);
    assert.ok(body.usage.prompt_tokens >= 1);
    assert.equal(body.usage.total_tokens, body.usage.prompt_tokens + body.usage.completion_tokens);
    // The demo key is the only way in: any other key is refused in OpenAI's shape.
    const refused = await curl([
      `http://127.0.0.1:${port}/v1/chat/completions`,
      "-H", "authorization: Bearer anything",
      "-d", '{"model":"demo","messages":[{"role":"user","content":"hi"}]}',
    ]);
    assert.equal(refused.status, 401);
    validate("ErrorResponse", json(refused.body));
    assert.equal(json(refused.body).error.code, "invalid_api_key");
    const health = await curl([`http://127.0.0.1:${admin}/healthz`]);
    assert.equal(health.status, 200);
  } finally {
    child.kill("SIGTERM");
    await new Promise((r) => child.once("exit", r));
  }
});

// Starts the gateway on the default config through `command` (a wrapper that ends by
// exec-ing it) and returns the number of workers its startup line reports.
async function workersStartedVia(command, args) {
  const port = await freePort();
  const admin = await freePort();
  const child = spawn(command, args, {
    cwd: tempDir(),
    env: { ...process.env, TOLLGATE_LISTEN: `127.0.0.1:${port}`, TOLLGATE_ADMIN: `127.0.0.1:${admin}` },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  child.stdout.on("data", (d) => (log += d));
  child.stderr.on("data", (d) => (log += d));
  try {
    for (let i = 0; i < 400 && !log.includes("tollgate ready"); i++) await sleep(25);
    const ready = log.match(/tollgate ready: (\d+) worker thread\(s\)/);
    assert.ok(ready, log);
    return Number(ready[1]);
  } finally {
    child.kill("SIGTERM");
    await new Promise((r) => child.once("exit", r));
  }
}

test("the default config starts one worker per core the process may use, not per core of the host", async () => {
  // taskset is util-linux, on every Debian; pinned to one core, the gateway must start one worker.
  assert.equal(await workersStartedVia("taskset", ["-c", "0", TOLLGATE_BIN]), 1);
});

// A CPU quota the way Kubernetes sets one: a cgroup of our own (v1's cpu hierarchy, or v2
// where the cpu controller is on), removed afterwards. Skipped where this process may not
// create one.
function cgroupWithOneCpu(t) {
  const v1 = "/sys/fs/cgroup/cpu";
  const v2 = "/sys/fs/cgroup";
  const name = `tollgate-test-${process.pid}`;
  try {
    if (existsSync(`${v1}/cpu.cfs_quota_us`)) {
      mkdirSync(`${v1}/${name}`);
      writeFileSync(`${v1}/${name}/cpu.cfs_period_us`, "100000");
      writeFileSync(`${v1}/${name}/cpu.cfs_quota_us`, "100000");
      return `${v1}/${name}`;
    }
    if (readFileSync(`${v2}/cgroup.subtree_control`, "utf8").split(/\s+/).includes("cpu")) {
      mkdirSync(`${v2}/${name}`);
      writeFileSync(`${v2}/${name}/cpu.max`, "100000 100000");
      return `${v2}/${name}`;
    }
    t.skip("no cgroup cpu controller to write to");
  } catch (e) {
    for (const dir of [`${v1}/${name}`, `${v2}/${name}`]) if (existsSync(dir)) rmdirSync(dir);
    t.skip(`cannot create a cgroup here: ${e.message}`);
  }
  return null;
}

test("under a CPU quota of one core the default config starts one worker", async (t) => {
  if (os.availableParallelism() < 2) return t.skip("one core: nothing to cap");
  const cgroup = cgroupWithOneCpu(t);
  if (!cgroup) return;
  try {
    // The shell joins the cgroup, then becomes the gateway.
    assert.equal(await workersStartedVia("sh", ["-c", `echo $$ > ${cgroup}/cgroup.procs && exec "$0"`, TOLLGATE_BIN]), 1);
  } finally {
    rmdirSync(cgroup);
  }
});

test("--version prints the version", () => {
  const r = spawnSync(TOLLGATE_BIN, ["--version"], { encoding: "utf8" });
  assert.equal(r.status, 0);
  assert.match(r.stdout, /^tollgate \d+\.\d+\.\d+/);
});

test("--check accepts a valid file and names file, line and key of a bad one", () => {
  const dir = tempDir();
  const good = path.join(dir, "good.yaml");
  writeFileSync(good, "models:\n  - name: demo\n    targets: [{provider: demo, model: demo}]\n");
  let r = spawnSync(TOLLGATE_BIN, ["--config", good, "--check"], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /valid/);

  const bad = path.join(dir, "bad.yaml");
  writeFileSync(bad, "server:\n  listen: [127.0.0.1:1]\n  listn: 127.0.0.1:2\n");
  r = spawnSync(TOLLGATE_BIN, ["--config", bad, "--check"], { encoding: "utf8" });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /bad\.yaml:3:3: server\.listn: unknown key/);

  const unset = path.join(dir, "unset.yaml");
  writeFileSync(unset, "providers:\n  - {name: p, kind: openai, base_url: 'http://127.0.0.1:1', api_key: '${TOLLGATE_TEST_UNSET_KEY}'}\n");
  r = spawnSync(TOLLGATE_BIN, ["--config", unset, "--check"], { encoding: "utf8", env: { PATH: process.env.PATH } });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /unset\.yaml:2:.*TOLLGATE_TEST_UNSET_KEY is not set/);

  r = spawnSync(TOLLGATE_BIN, ["--config", path.join(dir, "missing.yaml"), "--check"], { encoding: "utf8" });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /missing\.yaml: cannot read/);
});
