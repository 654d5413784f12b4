// HTTP/1.0 clients (old proxies, load-balancer health checks, ab, hand-written scripts)
// know no chunked framing, no interim answers, and keep a connection only when the
// answer says so. Their streams arrive as plain events ended by the connection's close;
// their whole answers keep the connection when they asked for it.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { SLOW, basicConfig, json, parseAnswer, rawConnect, sseEvents, startGateway, startMock, stopAll, within } from "./lib/harness.mjs";
import { validate } from "./lib/openapi.mjs";

let gw;
before(async () => {
  const mock = await startMock();
  gw = await startGateway(basicConfig({ mockUrl: mock.url }));
});
after(stopAll);

function request({ stream = false, fields = "" } = {}) {
  const body = JSON.stringify({ model: "gpt-test", stream, messages: [{ role: "user", content: "hi" }] });
  return `POST /v1/chat/completions HTTP/1.0\r\ncontent-type: application/json\r\n${fields}` +
    `content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

// Waits (bounded) until `done(text)` holds for what the connection received.
async function receivedUntil(conn, done) {
  for (let i = 0; i < 200 && !done(conn.received()); i++) await new Promise((r) => setTimeout(r, 25));
  return conn.received();
}

async function assertCloseDelimitedStream(fields) {
  const conn = await rawConnect(gw.port);
  conn.socket.write(request({ stream: true, fields }));
  const closed = await within(conn.closed, 5000 * SLOW);
  assert.ok(closed, "the stream's connection was not closed after its end");
  const answer = parseAnswer(conn.received());
  assert.equal(answer.status, 200, conn.received());
  assert.equal(answer.headers["transfer-encoding"], undefined, "a chunked stream sent to an HTTP/1.0 client");
  assert.equal(answer.headers["content-length"], undefined);
  assert.equal(answer.headers.connection, "close");
  // The events as they are: no chunk size lines between them.
  assert.match(answer.body, /^data: \{/);
  assert.doesNotMatch(answer.body, /\r\n[0-9a-f]+\r\n/);
  const events = sseEvents(answer.body);
  assert.equal(events.at(-1), "[DONE]");
  for (const event of events.slice(0, -1)) validate("CreateChatCompletionStreamResponse", json(event));
}

test("an HTTP/1.0 stream is delimited by closing the connection, not chunked", async () => {
  await assertCloseDelimitedStream("");
});

test("an HTTP/1.0 stream closes its connection even when the client asked to keep it", async () => {
  await assertCloseDelimitedStream("connection: keep-alive\r\n");
});

test("HTTP/1.0 with keep-alive: the answer says keep-alive, and the connection takes a second request", async () => {
  const conn = await rawConnect(gw.port);
  const fields = "connection: keep-alive\r\n";
  conn.socket.write(request({ fields }));
  const first = await receivedUntil(conn, (t) => /\r\n\r\n\{[\s\S]*"usage"[\s\S]*\}\}$/.test(t));
  const answer = parseAnswer(first);
  assert.equal(answer.status, 200, first);
  assert.equal(answer.headers.connection, "keep-alive", "an HTTP/1.0 client closes unless the answer says keep-alive");
  assert.equal(Number(answer.headers["content-length"]), Buffer.byteLength(answer.body));
  validate("CreateChatCompletionResponse", json(answer.body));
  conn.socket.write(request({ fields }));
  const both = await receivedUntil(conn, (t) => (t.match(/HTTP\/1\.1 200/g) ?? []).length === 2 && /"usage"[\s\S]*"usage"[\s\S]*\}\}$/.test(t));
  assert.equal((both.match(/HTTP\/1\.1 200/g) ?? []).length, 2, both);
  conn.socket.destroy();
});

test("HTTP/1.0 with Expect: 100-continue gets no interim answer", async () => {
  const conn = await rawConnect(gw.port);
  conn.socket.write(request({ fields: "expect: 100-continue\r\n" }));
  await within(conn.closed, 5000 * SLOW);
  const text = conn.received();
  assert.doesNotMatch(text, /^HTTP\/1\.[01] 100/, "HTTP/1.0 has no 1xx answers");
  assert.equal(parseAnswer(text).status, 200, text);
});
