// Each SSE event reaches the client as soon as the provider sends it; a client that
// hangs up mid-stream cancels the upstream request at once.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { SLOW, basicConfig, curl, sleep, startGateway, startMock, stopAll } from "./lib/harness.mjs";

let gw;
let mock;
before(async () => {
  mock = await startMock();
  gw = await startGateway(basicConfig({ mockUrl: mock.url }));
});
after(stopAll);

async function streamTimes(extraHeaders, { abortAfterEvents, base = gw.base } = {}) {
  const controller = new AbortController();
  const res = await fetch(`${base}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", ...extraHeaders },
    body: JSON.stringify({ model: "gpt-test", stream: true, messages: [{ role: "user", content: "x" }] }),
    signal: controller.signal,
  });
  const start = Date.now();
  const times = [];
  const decoder = new TextDecoder();
  let pending = "";
  try {
    for await (const bytes of res.body) {
      pending += decoder.decode(bytes, { stream: true });
      let i;
      while ((i = pending.indexOf("\n\n")) >= 0) {
        pending = pending.slice(i + 2);
        times.push(Date.now() - start);
        if (abortAfterEvents && times.length >= abortAfterEvents) controller.abort();
      }
    }
  } catch (e) {
    if (e.name !== "AbortError") throw e;
  }
  return times;
}

test("events are forwarded as they come, not held until the end", async () => {
  const times = await streamTimes({ "x-mock-chunks": "4", "x-mock-chunk-delay-ms": "300" });
  assert.ok(times.length >= 6, `got ${times.length} events`);
  // The first content event comes long before the last one.
  assert.ok(times[0] < 250, `first event after ${times[0]} ms`);
  assert.ok(times[3] - times[0] >= 800, `events came together: ${times}`);
});

function establishedTo(port) {
  const out = execFileSync("ss", ["-Htn", "state", "established", `( dport = :${port} )`], { encoding: "utf8" });
  return out.split("\n").filter((l) => l.trim()).length;
}

test("a client that disconnects mid-stream cancels the upstream request", async () => {
  // A gateway and mock of its own, so no pooled connection from other tests is counted.
  mock = await startMock();
  const own = await startGateway(basicConfig({ mockUrl: mock.url }).replace("threads: 2", "threads: 1"));
  const times = await streamTimes({ "x-mock-chunks": "10", "x-mock-chunk-delay-ms": "300" },
    { abortAfterEvents: 1, base: own.base });
  assert.equal(times.length, 1);
  // Without cancellation the upstream stream would run ~3 s more and its connection
  // would then go back to the pool; with it, the connection is closed at once.
  let open = establishedTo(mock.port);
  for (let i = 0; i < 40 * SLOW && open > 0; i++) {
    await sleep(50);
    open = establishedTo(mock.port);
  }
  assert.equal(open, 0, "the gateway kept its upstream connection open");
  const r = await curl([`${own.base}/v1/chat/completions`, "-d", '{"model":"gpt-test","messages":[]}']);
  assert.equal(r.status, 200);
});

test("a client that hangs up while waiting for a plain answer cancels the upstream request", async () => {
  const ownMock = await startMock();
  const own = await startGateway(basicConfig({ mockUrl: ownMock.url }).replace("threads: 2", "threads: 1"));
  const controller = new AbortController();
  const pending = fetch(`${own.base}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-mock-hang": "1" },
    body: JSON.stringify({ model: "gpt-test", messages: [{ role: "user", content: "x" }] }),
    signal: controller.signal,
  }).catch((e) => e);
  // Wait until the gateway is talking to the mock, then hang up.
  for (let i = 0; i < 100 && establishedTo(ownMock.port) === 0; i++) await sleep(20);
  assert.ok(establishedTo(ownMock.port) > 0, "the request never reached the mock");
  controller.abort();
  await pending;
  // The provider timeout is 5 s; the upstream connection must go long before that.
  let open = establishedTo(ownMock.port);
  for (let i = 0; i < 40 * SLOW && open > 0; i++) {
    await sleep(50);
    open = establishedTo(ownMock.port);
  }
  assert.equal(open, 0, "the gateway kept waiting on the provider after the client left");
});
