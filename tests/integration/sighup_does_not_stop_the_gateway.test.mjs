// SIGHUP (systemctl reload, kill -HUP, a terminal closing) once ended the process with no
// drain. It reloads the configuration now; the gateway keeps serving, and SIGTERM still
// drains.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { basicConfig, curl, sleep, startGateway, stop, stopAll } from "./lib/harness.mjs";

after(stopAll);

test("kill -HUP: reloaded, still serving; SIGTERM then exits 0", async () => {
  const gw = await startGateway(basicConfig());
  const chat = () => curl([`${gw.base}/v1/chat/completions`, "-d", JSON.stringify({ model: "demo", messages: [{ role: "user", content: "hi" }] })]);
  assert.equal((await chat()).status, 200);
  for (let i = 0; i < 3; ++i) {
    gw.proc.child.kill("SIGHUP");
    await sleep(100);
  }
  assert.equal(gw.proc.exit, null, "the gateway is still running");
  assert.equal((await chat()).status, 200);
  assert.match(gw.proc.stdout + gw.proc.stderr, /configuration reloaded \(SIGHUP\)/);
  const exit = await stop(gw.proc);
  assert.equal(exit.code, 0);
});
