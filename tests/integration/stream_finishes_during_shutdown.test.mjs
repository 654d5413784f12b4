// SIGTERM drains: the listener stops accepting, /readyz turns 503 so a load balancer
// stops sending, a stream in flight runs to its [DONE], and the process exits 0. A
// request that outlives server.drain_timeout is cut and the process still exits.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { basicConfig, canConnect, curl, sleep, sseEvents, startGateway, startMock, stopAll, SLOW } from "./lib/harness.mjs";

after(stopAll);

function startStream(gw, headers) {
  return curl([
    "-N", `${gw.base}/v1/chat/completions`,
    "-H", "content-type: application/json",
    ...Object.entries(headers).flatMap(([k, v]) => ["-H", `${k}: ${v}`]),
    "-d", JSON.stringify({ model: "gpt-test", stream: true, messages: [{ role: "user", content: "drain" }] }),
  ]);
}

async function waitUntilUpstreamSeen(mock) {
  for (let i = 0; i < 200; i++) {
    const r = await fetch(`http://127.0.0.1:${mock.port}/mock/last-request`);
    if (r.status === 200 && (await r.text()).includes("drain")) return;
    await sleep(25);
  }
  throw new Error("the stream never reached the mock");
}

test("a stream in flight at SIGTERM finishes, new connections are refused, exit code is 0", async () => {
  const mock = await startMock();
  const gw = await startGateway(basicConfig({ mockUrl: mock.url }));
  assert.equal((await curl([`http://127.0.0.1:${gw.adminPort}/readyz`])).status, 200);

  // 6 chunks 250 ms apart: about 1.5 s of stream, most of it after the signal.
  const streaming = startStream(gw, { "x-mock-chunks": "6", "x-mock-chunk-delay-ms": String(250 * SLOW) });
  await waitUntilUpstreamSeen(mock);
  gw.proc.child.kill("SIGTERM");
  const signalledAt = Date.now();

  // While draining: the admin listener says not ready, the API listener takes nothing new.
  let sawNotReady = false;
  let refused = false;
  for (let i = 0; i < 40 && !(sawNotReady && refused); i++) {
    const ready = await curl([`http://127.0.0.1:${gw.adminPort}/readyz`]);
    if (ready.status === 503) sawNotReady = true;
    if (!(await canConnect(gw.port))) refused = true;
    await sleep(20);
  }
  assert.ok(sawNotReady, "/readyz never answered 503 while draining");
  assert.ok(refused, "the API listener still accepted connections while draining");

  const r = await streaming;
  assert.equal(r.status, 200);
  const events = sseEvents(r.body);
  assert.equal(events.at(-1), "[DONE]", `stream cut short: ${r.body.slice(-300)}`);
  const content = events
    .slice(0, -1)
    .map((e) => JSON.parse(e).choices?.[0]?.delta?.content ?? "")
    .join("");
  assert.ok(content.length > 0, "no content arrived");
  assert.ok(Date.now() - signalledAt >= 500 * SLOW, "the stream cannot have finished this fast");

  const exit = await gw.proc.exited;
  assert.deepEqual(exit, { code: 0, signal: null }, gw.proc.stderr);
});

test("a request longer than drain_timeout is cut and the gateway still exits 0", async () => {
  const mock = await startMock();
  const gw = await startGateway(basicConfig({ mockUrl: mock.url }).replace("drain_timeout: 10s", "drain_timeout: 500ms"));
  const hanging = startStream(gw, { "x-mock-hang": "1" });
  await waitUntilUpstreamSeen(mock);
  const started = Date.now();
  gw.proc.child.kill("SIGTERM");
  const exit = await gw.proc.exited;
  const took = Date.now() - started;
  assert.deepEqual(exit, { code: 0, signal: null }, gw.proc.stderr);
  assert.ok(took >= 400, `exited after ${took} ms, before drain_timeout`);
  assert.ok(took < 5000 * SLOW, `exited after ${took} ms`);
  const r = await hanging;
  assert.notEqual(r.status, 200);
});
