// When the provider fails: refused → 502, silent → 504 (while connecting, answering or
// between stream events), its own errors passed through, a stream that drops mid-way
// ends with an error event and [DONE]. No provider key in any answer.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { basicConfig, curl, freePort, json, sseEvents, startGateway, startMock, stopAll } from "./lib/harness.mjs";
import { validate } from "./lib/openapi.mjs";

let gw;
let silent;  // accepts connections and never says a word: a TLS handshake that never ends
before(async () => {
  const mock = await startMock();
  const closedPort = await freePort();
  silent = net.createServer(() => {});
  await new Promise((resolve) => silent.listen(0, "127.0.0.1", resolve));
  gw = await startGateway(basicConfig({
    mockUrl: mock.url,
    provider: `  - {name: refused, kind: openai, base_url: "http://127.0.0.1:${closedPort}/v1", api_key: sk-refused-secret, forward_headers: ["x-mock-*"]}
  - {name: slow, kind: openai, base_url: "${mock.url}", timeout: 700ms, forward_headers: ["x-mock-*"]}
  - {name: silent, kind: openai, base_url: "https://127.0.0.1:${silent.address().port}/v1", timeout: 20s, connect_timeout: 400ms, forward_headers: ["x-mock-*"]}`,
    models: `  - {name: refused, targets: [{provider: refused, model: x}]}
  - {name: slow, targets: [{provider: slow, model: x}]}
  - {name: silent, targets: [{provider: silent, model: x}]}`,
  }));
});
after(async () => {
  await stopAll();
  silent.close();
});

function noSecrets(r) {
  assert.doesNotMatch(r.body, /sk-(provider|refused)-secret/);
  assert.doesNotMatch(JSON.stringify(r.headers), /sk-(provider|refused)-secret/);
}

test("a provider that refuses the connection → 502 upstream_unreachable", async () => {
  const r = await curl([`${gw.base}/v1/chat/completions`, "-d", '{"model":"refused","messages":[]}']);
  assert.equal(r.status, 502);
  const body = json(r.body);
  validate("ErrorResponse", body);
  assert.equal(body.error.code, "upstream_unreachable");
  noSecrets(r);
});

test("a provider that hangs past its timeout → 504, for plain and streamed requests", async () => {
  for (const stream of [false, true]) {
    const started = Date.now();
    const r = await curl([`${gw.base}/v1/chat/completions`, "-H", "x-mock-hang: 1",
      "-d", JSON.stringify({ model: "slow", stream, messages: [] })]);
    assert.equal(r.status, 504, r.body);
    validate("ErrorResponse", json(r.body));
    assert.ok(Date.now() - started < 5000);
  }
});

test("a TLS handshake that never finishes → 504 after connect_timeout, not the request timeout", async () => {
  const started = Date.now();
  const r = await curl([`${gw.base}/v1/chat/completions`, "-d", '{"model":"silent","messages":[]}']);
  const took = Date.now() - started;
  assert.equal(r.status, 504, r.body);
  const body = json(r.body);
  validate("ErrorResponse", body);
  assert.equal(body.error.code, "upstream_timeout");
  assert.ok(took >= 350 && took < 5000, `answered after ${took} ms`);
});

test("a stream's timeout is the longest wait between events, not the stream's length", async () => {
  // Five events 300 ms apart: 1.2 s in all, more than the provider's 700 ms timeout.
  const whole = await curl(["-N", `${gw.base}/v1/chat/completions`, "-H", "x-mock-chunks: 5", "-H", "x-mock-chunk-delay-ms: 300",
    "-d", '{"model":"slow","stream":true,"messages":[]}']);
  assert.equal(whole.status, 200);
  const events = sseEvents(whole.body);
  assert.equal(events.at(-1), "[DONE]");
  assert.ok(events.slice(0, -1).every((e) => !("error" in json(e))), whole.body);
  // One wait of 1.5 s after the first event: the stream ends with an error event.
  const cut = await curl(["-N", `${gw.base}/v1/chat/completions`, "-H", "x-mock-chunks: 3", "-H", "x-mock-chunk-delay-ms: 1500",
    "-d", '{"model":"slow","stream":true,"messages":[]}']);
  assert.equal(cut.status, 200);
  const cutEvents = sseEvents(cut.body);
  assert.equal(cutEvents.at(-1), "[DONE]");
  const error = json(cutEvents.at(-2));
  validate("ErrorResponse", error);
  assert.equal(cutEvents.length, 3, cut.body);
});

test("the provider's own 4xx/5xx answers pass through with their status and body", async () => {
  for (const status of [400, 429, 500, 503]) {
    const r = await curl([`${gw.base}/v1/chat/completions`, "-H", `x-mock-status: ${status}`, "-d", '{"model":"gpt-test","messages":[]}']);
    assert.equal(r.status, status);
    const body = json(r.body);
    validate("ErrorResponse", body);
    assert.equal(body.error.message, `mock error ${status}`);
    if (status === 429) assert.equal(r.headers["retry-after"], "1");
    noSecrets(r);
  }
});

test("a stream the provider drops mid-way ends with an error event and [DONE]", async () => {
  const r = await curl(["-N", `${gw.base}/v1/chat/completions`, "-H", "x-mock-drop-after-chunks: 2", "-H", "x-mock-chunks: 5",
    "-d", '{"model":"gpt-test","stream":true,"messages":[]}']);
  assert.equal(r.status, 200);
  const events = sseEvents(r.body);
  assert.equal(events.at(-1), "[DONE]");
  const error = json(events.at(-2));
  validate("ErrorResponse", error);
  assert.equal(events.length, 4, r.body);
  noSecrets(r);
});

test("after failures the next request is served normally", async () => {
  const r = await curl([`${gw.base}/v1/chat/completions`, "-d", '{"model":"gpt-test","messages":[]}']);
  assert.equal(r.status, 200);
});
