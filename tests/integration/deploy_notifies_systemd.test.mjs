// Under systemd (deploy/systemd/tollgate.service, Type=notify) the unit is "active" only
// once the gateway says READY=1, and "deactivating" when it says STOPPING=1. The test
// plays systemd's part: a unix datagram socket in $NOTIFY_SOCKET (python3, as node has
// none), which records each message and the pid that sent it.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import path from "node:path";
import { basicConfig, canConnect, curl, sleep, startGateway, stopAll, tempDir, SLOW } from "./lib/harness.mjs";

after(stopAll);

const root = process.env.TOLLGATE_SOURCE_DIR ?? process.cwd();

// Starts the listener; resolves once it is bound. `messages` fills as datagrams arrive.
async function notifySocket() {
  const socketPath = path.join(tempDir(), "notify.sock");
  const child = spawn("python3", [path.join(root, "tests/deploy/notify_listener.py"), socketPath, "60"], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const listener = { path: socketPath, child, messages: [], bound: false };
  let pending = "";
  child.stdout.on("data", (d) => {
    pending += d;
    for (let nl = pending.indexOf("\n"); nl >= 0; nl = pending.indexOf("\n")) {
      const line = JSON.parse(pending.slice(0, nl));
      pending = pending.slice(nl + 1);
      if (line.listening) listener.bound = true;
      else listener.messages.push(line);
    }
  });
  listener.close = () => child.stdin.end();
  await waitUntil(() => listener.bound, "the notify socket to be bound");
  return listener;
}

async function waitUntil(check, what, ms = 10000 * SLOW) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

const said = (listener, field) => listener.messages.find((m) => m.fields[field] !== undefined);

test("READY=1 arrives once the listeners answer, STOPPING=1 when SIGTERM starts the drain", async () => {
  const notify = await notifySocket();
  try {
    const gw = await startGateway(basicConfig(), { env: { NOTIFY_SOCKET: notify.path }, waitReady: false });
    await waitUntil(() => said(notify, "READY") || gw.proc.exit, "READY=1");
    assert.equal(gw.proc.exit, null, gw.proc.stderr);
    // systemd starts what comes After= the unit now: the API and admin listeners must
    // already take connections.
    assert.ok(await canConnect(gw.port), "READY=1 came before the API listener accepted");
    assert.equal((await curl([`http://127.0.0.1:${gw.adminPort}/readyz`])).status, 200);
    const ready = said(notify, "READY");
    assert.equal(ready.fields.READY, "1");
    assert.equal(ready.pid, gw.proc.child.pid, "sent by another process than the main one");
    assert.equal(said(notify, "STOPPING"), undefined);

    gw.proc.child.kill("SIGTERM");
    await waitUntil(() => said(notify, "STOPPING"), "STOPPING=1");
    assert.equal(said(notify, "STOPPING").fields.STOPPING, "1");
    assert.deepEqual(await gw.proc.exited, { code: 0, signal: null }, gw.proc.stderr);
  } finally {
    notify.close();
  }
});

test("a reload (SIGHUP, the unit's ExecReload) keeps the process and says nothing to systemd", async () => {
  const notify = await notifySocket();
  try {
    const gw = await startGateway(basicConfig(), { env: { NOTIFY_SOCKET: notify.path }, waitReady: false });
    await waitUntil(() => said(notify, "READY") || gw.proc.exit, "READY=1");
    const before = notify.messages.length;
    gw.proc.child.kill("SIGHUP");
    await waitUntil(() => /configuration reloaded/.test(gw.proc.stdout + gw.proc.stderr) || gw.proc.exit, "the reload");
    assert.equal(gw.proc.exit, null, gw.proc.stderr);
    assert.equal(notify.messages.length, before, JSON.stringify(notify.messages));
    assert.equal((await curl([`http://127.0.0.1:${gw.adminPort}/healthz`])).status, 200);
  } finally {
    notify.close();
  }
});
