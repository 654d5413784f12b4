// Authentication runs on the request's head, before the body is read, decoded or parsed:
// a caller without a valid key never makes the gateway inflate a compressed body, is told
// 401 whatever its body holds (not 400 for a broken one), never gets `100 Continue`, and
// its connection closes after the answer (the unread body cannot be taken for a request).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { writeFileSync } from "node:fs";
import path from "node:path";
import {
  SLOW, basicConfig, curl, json, rawConnect, startGateway, startMock, stopAll, tempDir, within,
} from "./lib/harness.mjs";
import { validate } from "./lib/openapi.mjs";

const KEY = "tg-stranger-test-key-01";
let gw, mock;
before(async () => {
  mock = await startMock();
  gw = await startGateway(basicConfig({ mockUrl: mock.url }) + `keys:\n  - {id: app, key: ${KEY}}\n`);
});
after(stopAll);

function postFile(bytes, headers) {
  const file = path.join(tempDir(), "body.bin");
  writeFileSync(file, bytes);
  const args = [`${gw.base}/v1/chat/completions`, "--data-binary", `@${file}`];
  for (const h of headers) args.push("-H", h);
  return curl(args);
}

test("a corrupt gzip body without a key is a 401, with a key a 400", async () => {
  const corrupt = Buffer.concat([gzipSync(Buffer.from('{"model":"gpt-test"')).subarray(0, 12), Buffer.from("garbage")]);
  const headers = ["content-type: application/json", "content-encoding: gzip"];
  const stranger = await postFile(corrupt, headers);
  assert.equal(stranger.status, 401, stranger.body);
  validate("ErrorResponse", json(stranger.body));
  assert.equal(json(stranger.body).error.code, "invalid_api_key");
  const known = await postFile(corrupt, [...headers, `authorization: Bearer ${KEY}`]);
  assert.equal(known.status, 400, known.body);
  assert.match(json(known.body).error.message, /corrupt or truncated/);
});

test("a gzip bomb without a key is refused before a byte is inflated", async () => {
  // 64 MiB of zeros in about 64 KiB: inflating it would pass max_body_bytes.
  const bomb = gzipSync(Buffer.alloc(64 << 20));
  const r = await postFile(bomb, ["content-type: application/json", "content-encoding: gzip"]);
  assert.equal(r.status, 401, r.body);
  const ok = await postFile(Buffer.from(JSON.stringify({ model: "gpt-test", messages: [{ role: "user", content: "hi" }] })),
    ["content-type: application/json", `authorization: Bearer ${KEY}`]);
  assert.equal(ok.status, 200, ok.body);
});

test("Expect: 100-continue without a key gets 401 and no interim answer, then the connection closes", async () => {
  const body = JSON.stringify({ model: "gpt-test", messages: [{ role: "user", content: "hi" }] });
  const conn = await rawConnect(gw.port);
  conn.socket.write(
    `POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n` +
      `expect: 100-continue\r\ncontent-length: ${body.length}\r\n\r\n`,
  );
  // Closed by the gateway after the answer (within its lingering close's 2 s).
  assert.notEqual(await within(conn.closed, 5000 * SLOW), null, "the connection closes");
  const text = conn.received();
  assert.doesNotMatch(text, /100 Continue/);
  assert.match(text, /^HTTP\/1\.1 401 /);
  assert.match(text, /connection: close/i);
});

test("with a key, Expect: 100-continue gets its interim answer and the request is served", async () => {
  const body = JSON.stringify({ model: "gpt-test", messages: [{ role: "user", content: "hi" }] });
  const conn = await rawConnect(gw.port);
  conn.socket.write(
    `POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n` +
      `authorization: Bearer ${KEY}\r\nexpect: 100-continue\r\nconnection: close\r\n` +
      `content-length: ${body.length}\r\n\r\n`,
  );
  // Bounded: at most 50 waits of 100 ms for the interim answer.
  for (let i = 0; i < 50 * SLOW && !/100 Continue/.test(conn.received()); i++) {
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.match(conn.received(), /^HTTP\/1\.1 100 Continue/);
  conn.socket.write(body);
  await within(conn.closed, 5000 * SLOW);
  assert.match(conn.received(), /HTTP\/1\.1 200 /);
});
