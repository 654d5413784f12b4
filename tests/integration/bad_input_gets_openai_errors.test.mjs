// Every kind of bad input gets OpenAI's error shape and the right status, and nothing
// in a malformed request crashes or hangs the gateway.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { SLOW, basicConfig, curl, json, rawConnect, startGateway, stopAll } from "./lib/harness.mjs";
import { validate } from "./lib/openapi.mjs";

let gw;
before(async () => {
  gw = await startGateway(basicConfig({ server: "  max_body_bytes: 2048\n  header_timeout: 1s" }));
});
after(stopAll);

async function expectError(args, status, { code, param } = {}) {
  const r = await curl(args);
  assert.equal(r.status, status, `${args.join(" ")} → ${r.status} ${r.body}`);
  const body = json(r.body);
  validate("ErrorResponse", body);
  if (code) assert.equal(body.error.code, code);
  if (param !== undefined) assert.equal(body.error.param, param);
  assert.ok(r.headers["x-request-id"]);
  return body;
}

test("malformed JSON → 400", async () => {
  await expectError([`${gw.base}/v1/chat/completions`, "-d", '{"model":"demo","messages":[}'], 400, { code: "invalid_json" });
  await expectError([`${gw.base}/v1/chat/completions`, "-d", '{"model":"demo"} trailing'], 400, { code: "invalid_json" });
  await expectError([`${gw.base}/v1/chat/completions`, "-d", "[1,2,3]"], 400);
  await expectError([`${gw.base}/v1/chat/completions`, "-d", ""], 400);
});

test("missing model or messages → 400 naming the field", async () => {
  await expectError([`${gw.base}/v1/chat/completions`, "-d", '{"messages":[]}'], 400, { param: "model" });
  await expectError([`${gw.base}/v1/chat/completions`, "-d", '{"model":"demo"}'], 400, { param: "messages" });
  await expectError([`${gw.base}/v1/completions`, "-d", '{"model":"demo"}'], 400, { param: "prompt" });
  await expectError([`${gw.base}/v1/embeddings`, "-d", '{"model":"demo"}'], 400, { param: "input" });
  await expectError([`${gw.base}/v1/chat/completions`, "-d", '{"model":7,"messages":[]}'], 400);
});

test("a body over max_body_bytes → 413, with or without content-length", async () => {
  const big = JSON.stringify({ model: "demo", messages: [{ role: "user", content: "x".repeat(5000) }] });
  await expectError([`${gw.base}/v1/chat/completions`, "--data-binary", big], 413, { code: "request_too_large" });
  await expectError([`${gw.base}/v1/chat/completions`, "-H", "transfer-encoding: chunked", "--data-binary", big], 413);
});

test("unknown path → 404, wrong method → 405, unknown model → 404 model_not_found", async () => {
  await expectError([`${gw.base}/v2/whatever`], 404);
  await expectError([`${gw.base}/v1/files`], 404);
  const r = await curl([`${gw.base}/v1/chat/completions`]);
  assert.equal(r.status, 405);
  assert.equal(r.headers.allow, "POST");
  validate("ErrorResponse", json(r.body));
  await expectError([`${gw.base}/v1/models`, "-X", "DELETE"], 405);
  await expectError([`${gw.base}/v1/chat/completions`, "-d", '{"model":"nope","messages":[]}'], 404, { code: "model_not_found", param: "model" });
  await expectError([`${gw.base}/v1/models/nope`], 404, { code: "model_not_found" });
});

test("an unsupported content-encoding → 415; a corrupt gzip body → 400", async () => {
  await expectError([`${gw.base}/v1/chat/completions`, "-H", "content-encoding: zstd", "-d", "{}"], 415);
  await expectError([`${gw.base}/v1/chat/completions`, "-H", "content-encoding: gzip", "-d", "not gzip"], 400);
});

test("a malformed HTTP request → 400 in OpenAI's shape", async () => {
  const conn = await rawConnect(gw.port);
  conn.socket.write("GARBAGE / HTTP/9.9\r\nHost: x\r\n\r\n");
  await conn.closed;
  const text = conn.received();
  assert.match(text, /^HTTP\/1\.1 400/);
  validate("ErrorResponse", JSON.parse(text.slice(text.indexOf("\r\n\r\n") + 4)));
});

test("a slow client that never finishes its headers is cut off after header_timeout", async () => {
  const conn = await rawConnect(gw.port);
  const start = Date.now();
  conn.socket.write("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n");
  const closedAt = await Promise.race([conn.closed, new Promise((r) => setTimeout(() => r(null), 5000 * SLOW))]);
  assert.ok(closedAt, "the connection was not closed");
  const waited = closedAt - start;
  assert.ok(waited >= 900 && waited < 3000 * SLOW, `closed after ${waited} ms`);
});

test("the gateway is still healthy after all of that", async () => {
  const r = await curl([`${gw.base}/v1/chat/completions`, "-d", '{"model":"demo","messages":[{"role":"user","content":"ok?"}]}']);
  assert.equal(r.status, 200);
});
