// Durable files that fail while the gateway serves: the SQLite state made immutable,
// deleted, or on a full disk, and the audit log on a full disk. The gateway must keep
// serving, say once what went wrong, count it in /metrics, hold what it could not write
// and write it when it can, and never lose records without the audit chain saying so.
// The immutable and full-disk cases need root (chattr +i on ext4/xfs, a tmpfs mount);
// they skip with the reason elsewhere.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import {
  TOLLGATE_BIN, basicConfig, curl, json, sleep, startGateway, stop, stopAll, tempDir,
} from "./lib/harness.mjs";

after(stopAll);

const ADMIN_KEY = "admin-key-for-tests-0123456789";
const KEY = "tg-storage-key-0001";

function config(stateDir, { audit = "", state = "" } = {}) {
  return basicConfig({ server: `  admin_key: ${ADMIN_KEY}\n` }) + `
state:
  sqlite: ${stateDir}/tollgate.db
  flush_interval: 100ms
${state}
keys:
  - {id: app, key: ${KEY}, limits: {tokens_per_day: 100000000}}
${audit}
`;
}

function chat(gw, { key = KEY, content = "hello" } = {}) {
  return curl([`${gw.base}/v1/chat/completions`, "-H", `authorization: Bearer ${key}`,
    "-H", "content-type: application/json", "--data-binary", "@-"],
  { input: JSON.stringify({ model: "demo", messages: [{ role: "user", content }] }) });
}

function admin(gw, method, urlPath, body) {
  const args = ["-X", method, `http://127.0.0.1:${gw.adminPort}${urlPath}`, "-H", `authorization: Bearer ${ADMIN_KEY}`];
  if (body !== undefined) args.push("-H", "content-type: application/json", "-d", JSON.stringify(body));
  return curl(args);
}

// Every sample of /metrics as {name{labels}: value}.
async function metrics(gw) {
  const r = await curl([`http://127.0.0.1:${gw.adminPort}/metrics`]);
  assert.equal(r.status, 200);
  const out = {};
  for (const line of r.body.split("\n")) {
    if (line.startsWith("#") || !line.trim()) continue;
    const at = line.lastIndexOf(" ");
    out[line.slice(0, at)] = Number(line.slice(at + 1));
  }
  return out;
}

async function readyz(gw) {
  return curl([`http://127.0.0.1:${gw.adminPort}/readyz`]);
}

async function requestsToday(gw, scope) {
  const q = new URLSearchParams({ scope, period: new Date().toISOString().slice(0, 10) });
  const r = await admin(gw, "GET", `/admin/usage?${q}`);
  assert.equal(r.status, 200, r.body);
  return json(r.body).data[0]?.requests ?? 0;
}

// Polls `check` (bounded: 10 s) until it returns a truthy value.
async function until(check, what) {
  for (let i = 0; i < 200; i++) {
    const v = await check();
    if (v) return v;
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${what}`);
}

function logLines(proc) {
  return proc.stdout.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l));
}

// chattr +i works only as root and on a filesystem with the flag (ext4, xfs, btrfs).
function chattrWorks(dir) {
  const probe = path.join(dir, "chattr-probe");
  writeFileSync(probe, "x");
  try {
    execFileSync("chattr", ["+i", probe], { stdio: "pipe" });
    execFileSync("chattr", ["-i", probe], { stdio: "pipe" });
    return true;
  } catch {
    return false;
  } finally {
    rmSync(probe, { force: true });
  }
}

function chattr(flag, dir) {
  for (const f of readdirSync(dir)) execFileSync("chattr", [flag, path.join(dir, f)], { stdio: "pipe" });
}

// A tmpfs of `size` mounted on a new directory, or null when this cannot mount.
function mountTmpfs(size) {
  const dir = tempDir();
  if (process.getuid?.() !== 0) return null;
  const r = spawnSync("mount", ["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", dir], { encoding: "utf8" });
  return r.status === 0 ? dir : null;
}

function unmount(dir) {
  if (spawnSync("umount", [dir]).status !== 0) spawnSync("umount", ["-l", dir]);
}

// Fills the filesystem of `dir` to the last byte: a file written until ENOSPC.
function fillDisk(dir) {
  const filler = path.join(dir, "filler");
  try {
    writeFileSync(filler, Buffer.alloc(256 << 20));
  } catch (e) {
    if (e.code !== "ENOSPC") throw e;
  }
  return filler;
}

test("SQLite files made immutable while serving: requests go on, the real error is logged once and counted, held usage is written after", async (t) => {
  const stateDir = tempDir();
  if (!chattrWorks(stateDir)) {
    t.skip(`chattr +i does not work in ${stateDir} (needs root and ext4/xfs)`);
    return;
  }
  const gw = await startGateway(config(stateDir, { state: "  fail_readiness_on_write_error: true" }));
  try {
    for (let i = 0; i < 3; i++) assert.equal((await chat(gw)).status, 200);
    await until(async () => (await requestsToday(gw, "key:app")) === 3, "the first usage");
    assert.equal((await readyz(gw)).status, 200);
    await sleep(300); // the usage flushed

    chattr("+i", stateDir);
    // Before the fix the process died here with SIGBUS (the mapped -shm file), no log line.
    for (let i = 0; i < 20; i++) {
      const r = await chat(gw);
      assert.equal(r.status, 200, r.body);
      await sleep(50);
    }
    assert.equal(gw.proc.exit, null, `the gateway died: ${JSON.stringify(gw.proc.exit)}`);
    const m = await metrics(gw);
    assert.ok(m['tollgate_state_write_errors_total{reason="read_only"}'] > 1, JSON.stringify(m));
    assert.equal(m.tollgate_state_writable, 0);
    assert.ok(m.tollgate_state_unwritten_usage_rows >= 1);
    const ready = await readyz(gw);
    assert.equal(ready.status, 503, "fail_readiness_on_write_error takes it out of rotation");
    assert.equal(json(ready.body).status, "state_unwritable");
    assert.match(json(ready.body).reason, /Operation not permitted/);
    // What could not be written still counts (usage is held in memory) and is shown.
    assert.equal(await requestsToday(gw, "key:app"), 23);
    // Keys cannot be made now: 503 (try again), not a key that would vanish.
    const made = await admin(gw, "POST", "/admin/keys", { id: "during-outage" });
    assert.equal(made.status, 503, made.body);
    assert.equal(json(made.body).error.code, "service_unavailable");

    chattr("-i", stateDir);
    await until(async () => (await readyz(gw)).status === 200, "/readyz to be ready again");
    assert.equal((await metrics(gw)).tollgate_state_unwritten_usage_rows, 0);
    const errors = logLines(gw.proc).filter((l) => l.level === "error" && l.msg.startsWith("state:"));
    assert.equal(errors.length, 1, "the outage is logged once: " + JSON.stringify(errors));
    assert.match(errors[0].msg, /cannot write \(read_only\).*Operation not permitted/);
    assert.ok(!errors[0].msg.includes("cannot rollback"), "the real error, not a rollback's");
    assert.ok(logLines(gw.proc).some((l) => l.level === "warn" && /writes work again/.test(l.msg)));
  } finally {
    spawnSync("chattr", ["-R", "-i", stateDir]);
  }
  const exit = await stop(gw.proc);
  assert.deepEqual(exit, { code: 0, signal: null });
  // On disk: a restart reads all 23 back.
  const again = await startGateway(config(stateDir));
  assert.equal(await requestsToday(again, "key:app"), 23);
  await stop(again.proc);
});

test("a state file deleted while serving is written again: admin-made keys and usage survive a restart", async () => {
  const stateDir = tempDir();
  const gw = await startGateway(config(stateDir));
  const made = await admin(gw, "POST", "/admin/keys", { id: "made-here", models: ["demo"] });
  assert.equal(made.status, 201, made.body);
  const { key } = json(made.body);
  for (let i = 0; i < 3; i++) assert.equal((await chat(gw, { key })).status, 200);
  await until(async () => (await requestsToday(gw, "key:made-here")) === 3, "the usage");
  await sleep(300); // flushed

  rmSync(path.join(stateDir, "tollgate.db"));
  await until(() => existsSync(path.join(stateDir, "tollgate.db")), "the file to be written again");
  const m = await metrics(gw);
  assert.equal(m['tollgate_state_write_errors_total{reason="db_missing"}'], 1);
  assert.ok(logLines(gw.proc).some((l) => l.level === "warn" && /tollgate\.db was deleted/.test(l.msg)));
  assert.equal((await chat(gw, { key })).status, 200);
  await until(async () => (await requestsToday(gw, "key:made-here")) === 4, "the usage after");
  await sleep(300);
  await stop(gw.proc);

  const again = await startGateway(config(stateDir));
  assert.equal((await chat(again, { key })).status, 200, "the admin-made key survived");
  assert.equal(await requestsToday(again, "key:made-here"), 5);
  await stop(again.proc);
});

test("a full disk: requests go on, audit lines and usage are held and written when space is back; past the bound a gap record that verify reports", async (t) => {
  const disk = mountTmpfs("48m");
  if (!disk) {
    t.skip("needs root to mount a tmpfs (a disk that fills up)");
    return;
  }
  let gw;
  try {
    const stateDir = path.join(disk, "state");
    mkdirSync(stateDir);
    const auditFile = path.join(disk, "audit.jsonl");
    gw = await startGateway(config(stateDir, {
      audit: `audit:\n  path: ${auditFile}\n  fsync_interval: 100ms\n  include_bodies: true`,
    }));
    for (let i = 0; i < 3; i++) assert.equal((await chat(gw)).status, 200);
    await until(async () => (await metrics(gw)).tollgate_audit_records_unwritten === 0, "the first lines");

    // A short outage: nothing is lost.
    let filler = fillDisk(disk);
    for (let i = 0; i < 10; i++) assert.equal((await chat(gw)).status, 200);
    // Held, all but the first few perhaps: a line may still fit in the free end of the
    // audit file's last page, which a full tmpfs does not take back.
    let m = await until(async () => {
      const now = await metrics(gw);
      return now.tollgate_audit_records_unwritten >= 5 &&
        now.tollgate_audit_records_unwritten <= 10 ? now : null;
    }, "the audit lines to be held");
    assert.equal(m.tollgate_audit_writable, 0);
    assert.ok(m.tollgate_audit_write_errors_total >= 1);
    assert.equal(m.tollgate_audit_records_lost_total, 0);
    await until(async () => (await metrics(gw))['tollgate_state_write_errors_total{reason="disk_full"}'] > 0,
      "the state's writes to fail");
    assert.equal(await requestsToday(gw, "key:app"), 13);
    rmSync(filler);
    await until(async () => (await metrics(gw)).tollgate_audit_writable === 1, "audit writes to work again");
    await until(async () => (await metrics(gw)).tollgate_state_writable === 1, "state writes to work again");
    let lines = readFileSync(auditFile, "utf8").split("\n").filter(Boolean);
    assert.equal(lines.length, 13);
    let r = spawnSync(TOLLGATE_BIN, ["audit", "verify", auditFile], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stdout + r.stderr);

    // A long one: 12 lines of 1 MiB, more than the 8 MiB held in memory.
    filler = fillDisk(disk);
    const big = "x".repeat(1 << 20);
    for (let i = 0; i < 12; i++) assert.equal((await chat(gw, { content: big })).status, 200);
    m = await until(async () => {
      const now = await metrics(gw);
      return now.tollgate_audit_records_lost_total + now.tollgate_audit_records_unwritten === 12 ? now : null;
    }, "12 lines held or lost");
    const lost = m.tollgate_audit_records_lost_total;
    assert.ok(lost >= 1 && lost < 12, `lost ${lost}`);
    rmSync(filler);
    await until(async () => (await metrics(gw)).tollgate_audit_writable === 1, "audit writes to work again");
    assert.equal((await chat(gw)).status, 200);
    assert.deepEqual(await stop(gw.proc), { code: 0, signal: null });

    lines = readFileSync(auditFile, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l));
    const gaps = lines.filter((l) => l.event === "audit_gap");
    assert.equal(gaps.length, 1);
    assert.equal(gaps[0].lost_records, lost);
    assert.match(gaps[0].error, /No space left on device/);
    assert.equal(lines.length, 13 + (12 - lost) + 1 + 1, "every line held was written, and the gap");
    r = spawnSync(TOLLGATE_BIN, ["audit", "verify", auditFile], { encoding: "utf8" });
    assert.equal(r.status, 3, "intact, but records were lost: " + r.stdout + r.stderr);
    assert.match(r.stdout, new RegExp(`audit chain intact, with 1 gap\\(s\\) totalling ${lost} lost record\\(s\\)`));
    assert.match(r.stdout, /gap at .*audit\.jsonl:\d+: \d+ record\(s\) lost between /);
  } finally {
    await stop(gw?.proc);
    unmount(disk);
  }
});
