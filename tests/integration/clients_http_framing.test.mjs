// How clients frame their requests, as the gateway's own HTTP parser must take them: a
// chunked body, Expect: 100-continue, two requests pipelined on one connection, and
// HTTP/1.0 without keep-alive. Each reaches the provider whole and gets its own answer.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { basicConfig, curl, json, lastUpstreamRequest, rawConnect, sleep, startGateway, startMock, stopAll } from "./lib/harness.mjs";
import { validate } from "./lib/openapi.mjs";

let gw;
let mock;
before(async () => {
  mock = await startMock();
  gw = await startGateway(basicConfig({ mockUrl: mock.url }));
});
after(stopAll);

const body = JSON.stringify({ model: "gpt-test", messages: [{ role: "user", content: "x".repeat(3000) }] });
const sent = body.replace('"gpt-test"', '"mock-model-1"');

// Reads what a raw connection received until `done(text)` says it is complete (bounded).
async function receivedUntil(conn, done) {
  for (let i = 0; i < 200 && !done(conn.received()); i++) await sleep(25);
  return conn.received();
}

function answers(text) {
  return text.split(/(?=HTTP\/1\.[01] )/).filter((part) => part.length > 0);
}

test("a chunked request body reaches the provider whole", async () => {
  const r = await curl([`${gw.base}/v1/chat/completions`, "-H", "transfer-encoding: chunked", "--data-binary", body]);
  assert.equal(r.status, 200, r.body);
  validate("CreateChatCompletionResponse", json(r.body));
  const seen = await lastUpstreamRequest(mock);
  assert.equal(seen.body, sent);
});

test("Expect: 100-continue gets its interim answer, then the real one", async () => {
  const r = await curl(["-v", `${gw.base}/v1/chat/completions`, "-H", "expect: 100-continue", "--data-binary", body]);
  assert.equal(r.status, 200, r.body);
  assert.match(r.stderr, /< HTTP\/1\.1 100 Continue/);
  const seen = await lastUpstreamRequest(mock);
  assert.equal(seen.body, sent);
});

test("two requests pipelined on one connection get two answers, in order", async () => {
  const conn = await rawConnect(gw.port);
  const request = (id) =>
    `POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n` +
    `x-request-id: pipelined-${id}\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
  conn.socket.write(request(1) + request(2));
  const text = await receivedUntil(conn, (t) => answers(t).length === 2 && /"usage"[\s\S]*"usage"/.test(t));
  conn.socket.destroy();
  const parts = answers(text);
  assert.equal(parts.length, 2, text);
  assert.match(parts[0], /^HTTP\/1\.1 200/);
  assert.match(parts[0], /x-request-id: pipelined-1\r\n/i);
  assert.match(parts[1], /^HTTP\/1\.1 200/);
  assert.match(parts[1], /x-request-id: pipelined-2\r\n/i);
});

test("HTTP/1.0 without keep-alive is answered, then the connection is closed", async () => {
  const conn = await rawConnect(gw.port);
  conn.socket.write(`POST /v1/chat/completions HTTP/1.0\r\ncontent-type: application/json\r\n` +
    `content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  const closedAt = await Promise.race([conn.closed, sleep(5000).then(() => null)]);
  assert.ok(closedAt !== null, "the gateway kept an HTTP/1.0 connection open");
  const text = conn.received();
  assert.match(text, /^HTTP\/1\.[01] 200/);
  validate("CreateChatCompletionResponse", json(text.slice(text.indexOf("\r\n\r\n") + 4)));
});
