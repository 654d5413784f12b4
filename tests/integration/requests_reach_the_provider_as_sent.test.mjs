// What the provider receives: its own key (never the client's), the client's bytes with
// only the model changed, the request id, configured headers, no hop-by-hop fields;
// pass-through of other /v1 paths; compressed bodies both ways; the usage chunk.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { gzipSync, gunzipSync } from "node:zlib";
import { basicConfig, curl, json, lastUpstreamRequest, sseEvents, startGateway, startMock, stopAll } from "./lib/harness.mjs";

let gw;
let mock;
before(async () => {
  mock = await startMock();
  gw = await startGateway(basicConfig({
    mockUrl: mock.url,
    provider: "    headers: {OpenAI-Organization: org-test}",
  }).replace('forward_headers: ["x-mock-*"]', 'forward_headers: ["x-mock-*", "x-custom", "x-drop-me"]'));
});
after(stopAll);

const chatBody = '{"temperature": 0.25,  "model" : "gpt-test", "messages":[{"role":"user","content":"héllo \\u00e9"}],"user":"u-1"}';

test("the provider gets its own key, the request id, and the body as sent but for the model", async () => {
  const r = await curl([`${gw.base}/v1/chat/completions`,
    "-H", "authorization: Bearer tg-client-key", "-H", "x-api-key: also-secret",
    "-H", "x-request-id: req-from-client-42", "-H", "connection: keep-alive, x-drop-me",
    "-H", "x-drop-me: 1", "-H", "x-custom: kept", "--data-binary", chatBody]);
  assert.equal(r.status, 200, r.body);
  assert.equal(r.headers["x-request-id"], "req-from-client-42");
  assert.equal(r.headers["x-tollgate-provider"], "mock");
  const seen = await lastUpstreamRequest(mock);
  assert.equal(seen.headers.authorization, "Bearer sk-provider-secret");
  assert.equal(seen.headers["x-api-key"], undefined);
  assert.equal(seen.headers["x-request-id"], "req-from-client-42");
  assert.equal(seen.headers["openai-organization"], "org-test");
  assert.equal(seen.headers["x-custom"], "kept", "forward_headers passes it on");
  assert.equal(seen.headers["x-drop-me"], undefined, "named by Connection: hop-by-hop, even when configured");
  assert.equal(seen.target, "/v1/chat/completions");
  assert.equal(seen.body, chatBody.replace('"gpt-test"', '"mock-model-1"'));
  assert.equal(json(r.body).model, "mock-model-1");
});

test("a request id is generated when the client sends none, and reaches the provider", async () => {
  const r = await curl([`${gw.base}/v1/chat/completions`, "-d", '{"model":"gpt-test","messages":[]}']);
  const id = r.headers["x-request-id"];
  assert.match(id, /^req_[0-9a-f]{32}$/);
  assert.equal((await lastUpstreamRequest(mock)).headers["x-request-id"], id);
});

test("other POST /v1 paths are routed by model and passed through", async () => {
  const body = '{"model":"gpt-test","input":"tell me","metadata":{"k":"v"}}';
  // A path the mock does not model (it answers /v1/responses itself): it echoes the request.
  const r = await curl([`${gw.base}/v1/moderations?trace=1`, "--data-binary", body]);
  assert.equal(r.status, 200, r.body);
  const echo = json(r.body);
  assert.equal(echo.path, "/v1/moderations");
  assert.equal(echo.body, body.replace("gpt-test", "mock-model-1"));
  assert.equal((await lastUpstreamRequest(mock)).target, "/v1/moderations?trace=1");
});

test("completions and embeddings go through", async () => {
  let r = await curl([`${gw.base}/v1/completions`, "-d", '{"model":"gpt-test","prompt":"a b c"}']);
  assert.equal(json(r.body).object, "text_completion");
  r = await curl([`${gw.base}/v1/embeddings`, "-d", '{"model":"gpt-test","input":["a","b"]}']);
  assert.equal(json(r.body).data.length, 2);
});

test("the gateway asks for stream usage and hides that chunk unless the client asked", async () => {
  let r = await curl(["-N", `${gw.base}/v1/chat/completions`, "-d", '{"model":"gpt-test","stream":true,"messages":[{"role":"user","content":"a b"}]}']);
  let events = sseEvents(r.body);
  assert.equal(events.at(-1), "[DONE]");
  assert.ok(events.slice(0, -1).every((e) => json(e).choices.length > 0), "a usage-only chunk leaked");
  assert.match((await lastUpstreamRequest(mock)).body, /"stream_options":\{"include_usage":true\}/);

  r = await curl(["-N", `${gw.base}/v1/chat/completions`, "-d", '{"model":"gpt-test","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"a b"}]}']);
  events = sseEvents(r.body);
  const usage = json(events.at(-2));
  assert.deepEqual(usage.choices, []);
  assert.equal(usage.usage.prompt_tokens, 2);
});

test("a gzip-compressed provider answer is decoded, and re-compressed for clients that accept gzip", async () => {
  let r = await curl([`${gw.base}/v1/chat/completions`, "-H", "x-mock-gzip: 1", "-H", "x-mock-body-bytes: 4000",
    "-d", '{"model":"gpt-test","messages":[]}']);
  assert.equal(r.status, 200);
  assert.equal(r.headers["content-encoding"], undefined);
  assert.equal(json(r.body).usage.completion_tokens, 8);
  const seen = await lastUpstreamRequest(mock);
  assert.match(seen.headers["accept-encoding"], /gzip/);

  r = await curl([`${gw.base}/v1/chat/completions`, "-H", "accept-encoding: gzip", "-H", "x-mock-body-bytes: 4000",
    "-o", "/dev/stdout", "-d", '{"model":"gpt-test","messages":[]}']);
  assert.equal(r.headers["content-encoding"], "gzip");
});

test("a client may send a gzip-compressed body", async () => {
  const body = gzipSync(Buffer.from('{"model":"gpt-test","messages":[{"role":"user","content":"zipped"}]}'));
  const r = await curl([`${gw.base}/v1/chat/completions`, "-H", "content-encoding: gzip", "--data-binary", "@-"], { input: body });
  assert.equal(r.status, 200, r.body);
  const seen = await lastUpstreamRequest(mock);
  assert.equal(seen.headers["content-encoding"], undefined);
  assert.match(seen.body, /zipped/);
  assert.ok(gunzipSync(body).length > 0);
});
