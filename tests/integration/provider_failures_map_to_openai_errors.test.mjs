// When the provider fails: refused → 502, silent → 504, its own errors passed through,
// a stream that drops mid-way ends with an error event and [DONE]. No provider key in
// any answer.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { basicConfig, curl, freePort, json, sseEvents, startGateway, startMock, stopAll } from "./lib/harness.mjs";
import { validate } from "./lib/openapi.mjs";

let gw;
before(async () => {
  const mock = await startMock();
  const closedPort = await freePort();
  gw = await startGateway(basicConfig({
    mockUrl: mock.url,
    provider: `  - {name: refused, kind: openai, base_url: "http://127.0.0.1:${closedPort}/v1", api_key: sk-refused-secret}
  - {name: slow, kind: openai, base_url: "${mock.url}", timeout: 700ms}`,
    models: `  - {name: refused, targets: [{provider: refused, model: x}]}
  - {name: slow, targets: [{provider: slow, model: x}]}`,
  }));
});
after(stopAll);

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
