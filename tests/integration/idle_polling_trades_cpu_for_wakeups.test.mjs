// server.idle_poll_us: after its last event a worker keeps polling its sockets for that
// long before it sleeps. It must still answer plain and streamed requests, go to sleep
// once traffic stops (an operator would see a core pinned at 100% otherwise), and stop
// on SIGTERM like a worker that sleeps at once.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import os from "node:os";
import { basicConfig, curl, json, sleep, sseEvents, startGateway, startMock, stopAll, SLOW } from "./lib/harness.mjs";

after(stopAll);

// CPU seconds (user + system) the process has used so far. The clock tick is 10 ms on
// Linux (CLK_TCK 100).
function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function chat(gw, body, headers = []) {
  return curl([
    "-N", `${gw.base}/v1/chat/completions`,
    "-H", "content-type: application/json",
    ...headers.flatMap((h) => ["-H", h]),
    "-d", JSON.stringify({ model: "gpt-test", messages: [{ role: "user", content: "poll" }], ...body }),
  ]);
}

test("with idle polling on, requests are answered, the workers sleep once idle, and SIGTERM stops them", async () => {
  const mock = await startMock();
  const gw = await startGateway(basicConfig({ mockUrl: mock.url, server: "  idle_poll_us: 1000" }));

  for (let i = 0; i < 20; i++) {
    const r = await chat(gw, {});
    assert.equal(r.status, 200, r.body);
    assert.equal(json(r.body).object, "chat.completion");
  }
  const streamed = await chat(gw, { stream: true }, ["x-mock-chunks: 4", "x-mock-chunk-delay-ms: 20"]);
  assert.equal(streamed.status, 200);
  assert.equal(sseEvents(streamed.body).at(-1), "[DONE]");
  // It keeps cores busy under load: the startup line says it is on.
  assert.match(gw.proc.stdout + gw.proc.stderr, /2 worker thread\(s\) polling 1000 us when idle/);

  // Idle: two worker threads that kept polling would use ~4 CPU seconds in these 2 s.
  // Sleeping ones wake only for their deadline sweeps, 20 times a second each, and poll
  // at most 1 ms after each (less as the window shrinks): under 0.08 s. 0.5 s leaves room.
  await sleep(200);
  const before = cpuSeconds(gw.proc.child.pid);
  await sleep(2000);
  const used = cpuSeconds(gw.proc.child.pid) - before;
  assert.ok(used < 0.5, `the idle gateway used ${used.toFixed(2)} CPU seconds in 2 s: its workers never slept`);

  const signalled = Date.now();
  gw.proc.child.kill("SIGTERM");
  const exit = await gw.proc.exited;
  assert.deepEqual(exit, { code: 0, signal: null }, gw.proc.stderr);
  assert.ok(Date.now() - signalled < 3000 * SLOW, `took ${Date.now() - signalled} ms to stop`);
});

test("while requests come closer together than the window, the worker polls instead of sleeping", async () => {
  const mock = await startMock();
  const config = (poll) => basicConfig({ mockUrl: mock.url, server: `  idle_poll_us: ${poll}` }).replace("threads: 2", "threads: 1");
  // A request every ~3 ms for about a second, on one keep-alive connection. A worker that
  // sleeps between them uses a few percent of that second; one that polls (10 ms window,
  // longer than the gaps) keeps its core busy throughout.
  async function cpuShareUnderTrickle(poll) {
    const gw = await startGateway(config(poll));
    const url = `${gw.base}/v1/chat/completions`;
    const body = JSON.stringify({ model: "gpt-test", messages: [{ role: "user", content: "poll" }] });
    const started = Date.now();
    const before = cpuSeconds(gw.proc.child.pid);
    for (let i = 0; i < 300 && Date.now() - started < 1500; i++) {
      const r = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body });
      assert.equal(r.status, 200);
      await r.arrayBuffer();
      await sleep(3);
    }
    const share = (cpuSeconds(gw.proc.child.pid) - before) / ((Date.now() - started) / 1000);
    gw.proc.child.kill("SIGTERM");
    await gw.proc.exited;
    return share;
  }
  const sleeping = await cpuShareUnderTrickle(0);
  const polling = await cpuShareUnderTrickle(10000);
  // A third of a core at least: on a loaded 2-core machine the client and the mock take
  // their share too (a sleeping worker uses a few percent).
  assert.ok(polling > 0.33, `a polling worker used only ${(polling * 100).toFixed(0)}% of a core (sleeping: ${(sleeping * 100).toFixed(0)}%)`);
  assert.ok(polling > 2 * sleeping, `polling ${(polling * 100).toFixed(0)}% against sleeping ${(sleeping * 100).toFixed(0)}%`);
});

test("the poll window shrinks for a stream whose events come further apart than the window", async () => {
  const mock = await startMock();
  // 10 ms, the largest window, against events 20 ms apart for 2 s. Polling the whole
  // window after each event would cost ~1 CPU second; the adaptive window gives up
  // after a few events.
  const gw = await startGateway(basicConfig({ mockUrl: mock.url, server: "  idle_poll_us: 10000" }));
  const before = cpuSeconds(gw.proc.child.pid);
  const streamed = await chat(gw, { stream: true }, ["x-mock-chunks: 100", "x-mock-chunk-delay-ms: 20"]);
  const used = cpuSeconds(gw.proc.child.pid) - before;
  assert.equal(streamed.status, 200);
  const events = sseEvents(streamed.body);
  assert.equal(events.at(-1), "[DONE]");
  assert.ok(events.length > 100, `only ${events.length} events`);
  assert.ok(used < 0.4, `the gateway used ${used.toFixed(2)} CPU seconds relaying a 2 s stream: it kept polling`);
});

test("idle polling with more worker threads than usable cores is warned about at startup", async () => {
  const threads = os.availableParallelism() + 1; // this process's cores, as the gateway sees them
  const gw = await startGateway(basicConfig({ server: "  idle_poll_us: 200" }).replace("threads: 2", `threads: ${threads}`));
  const log = () => gw.proc.stdout + gw.proc.stderr;
  for (let i = 0; i < 100 && !log().includes("polling 200 us when idle"); i++) await sleep(50);
  assert.match(log(), new RegExp(`idle_poll_us with ${threads} worker threads on ${threads - 1} usable core`));
});
