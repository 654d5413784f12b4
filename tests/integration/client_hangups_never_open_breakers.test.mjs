// One tenant's behaviour must not change what another gets: clients that hang up while
// their request or stream runs cancel the upstream attempt, and a cancelled attempt is
// never a failure of the provider. Ten aborted requests once opened the breaker, and
// every tenant got 503 for `open_for`.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { accessLine, accessLines, basicConfig, curl, json, sleep, SLOW, startGateway, startMock, stopAll } from "./lib/harness.mjs";

let gw, mock;
before(async () => {
  mock = await startMock();
  gw = await startGateway(
    basicConfig({
      mockUrl: mock.url,
      models: `  - name: patient
    targets: [{provider: mock, model: mock-model-patient}]
    retries: {attempts: 1, backoff: 2s, max_backoff: 2s}`,
    }) + "circuit_breaker: {failures: 2, open_for: 60s}\n",
  );
});
after(stopAll);

const chat = (extra = {}) => JSON.stringify({ model: "gpt-test", messages: [{ role: "user", content: "hi" }], ...extra });

test("streams and whole requests abandoned by their clients leave the breaker closed", async () => {
  const aborted = [];
  for (let i = 0; i < 6; ++i) {
    // A stream cut off after its first events, and a request cut off while the provider thinks.
    aborted.push(curl(["-N", "-m", "0.6", `${gw.base}/v1/chat/completions`, "-H", "x-mock-chunks: 40",
      "-H", "x-mock-chunk-delay-ms: 100", "-d", chat({ stream: true })]));
    aborted.push(curl(["-m", "0.4", `${gw.base}/v1/chat/completions`, "-H", "x-mock-latency-ms: 3000", "-d", chat()]));
  }
  const results = await Promise.all(aborted);
  assert.ok(results.every((r) => r.code === 28), "every client gave up (curl: timed out)");
  await sleep(300);
  assert.doesNotMatch(gw.proc.stderr + gw.proc.stdout, /circuit breaker gpt-test\/mock\/mock-model-1: open/);
  const r = await curl([`${gw.base}/v1/chat/completions`, "-d", chat()]);
  assert.equal(r.status, 200, `another tenant is still served: ${r.body}`);
  // Every abandoned request is still logged (under ASan some lines come a little later).
  // Flushed up to a second late, a little later under ASan: a bounded wait.
  let access = accessLines(gw);
  for (let i = 0; i < 200 * SLOW && access.length < 13; i++) {
    await sleep(25);
    access = accessLines(gw);
  }
  assert.ok(access.length >= 13, `${access.length} access lines`);
});

test("a client that hangs up before the answer is still billed its prompt", async () => {
  const content = "p".repeat(4000);
  const r = await curl(["-m", "0.5", `${gw.base}/v1/chat/completions`, "-H", "x-request-id: req-hangup-whole",
    "-H", "x-mock-latency-ms: 3000", "-d", chat({ messages: [{ role: "user", content }] })]);
  assert.equal(r.code, 28, "the client gave up");
  // The abandoned request is still logged.
  const access = await accessLine(gw, (l) => l.request_id === "req-hangup-whole");
  assert.ok(access.prompt_tokens >= 1000, `billed ${access.prompt_tokens} prompt tokens for 4,000 characters`);
  assert.equal(access.usage_estimated, true);
  assert.equal(access.completion_tokens, 0);
});

test("a client that hangs up while the gateway waits to retry gets no retry sent for it", async () => {
  // The first try fails at once; the retry waits 1-2 s (half fixed, half jitter); the client
  // gives up after 0.4 s, during that wait.
  const r = await curl(["-m", "0.4", `${gw.base}/v1/chat/completions`, "-H", "x-mock-status: 500",
    "-d", chat({ model: "patient" })]);
  assert.equal(r.code, 28, "the client gave up");
  await sleep(2500);
  const calls = await (await fetch(`http://127.0.0.1:${mock.port}/mock/calls`)).json();
  const tries = calls.recent.filter((c) => (c.body ?? "").includes("mock-model-patient"));
  assert.equal(tries.length, 1, `the provider was called ${tries.length} times for it`);
});

test("real failures still open it", async () => {
  for (let i = 0; i < 2; ++i) {
    const r = await curl([`${gw.base}/v1/chat/completions`, "-H", "x-mock-status: 500", "-d", chat()]);
    assert.equal(r.status, 500, r.body);
  }
  const r = await curl([`${gw.base}/v1/chat/completions`, "-d", chat()]);
  assert.equal(r.status, 503, r.body);
  assert.equal(json(r.body).error.code, "service_unavailable");
});
