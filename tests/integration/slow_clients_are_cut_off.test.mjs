// A client that stops reading must not hold the gateway's memory and connection forever:
// every write to it is bounded by server.idle_timeout (the header read by
// header_timeout is tested in bad_input_gets_openai_errors).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { SLOW, basicConfig, sleep, startGateway, startMock, stopAll } from "./lib/harness.mjs";

let gw;
before(async () => {
  const mock = await startMock();
  gw = await startGateway(basicConfig({ mockUrl: mock.url, server: "  idle_timeout: 1s" }));
});
after(stopAll);

test("a client that stops reading a large answer is cut off after idle_timeout", async () => {
  const answerBytes = 40_000_000;  // far more than both sockets' buffers hold
  const socket = net.connect({ host: "127.0.0.1", port: gw.port });
  await new Promise((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  let received = 0;
  let closedAt = null;
  socket.on("data", (chunk) => (received += chunk.length));
  socket.on("error", () => {});
  socket.once("close", () => (closedAt = Date.now()));
  socket.pause();  // reads nothing from here on
  const body = JSON.stringify({ model: "gpt-test", messages: [{ role: "user", content: "hi" }] });
  const sentAt = Date.now();
  socket.write(
    "POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n" +
      `x-mock-body-bytes: ${answerBytes}\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n` +
      body,
  );
  // The write stalls once the buffers are full; the gateway gives up a second later.
  await sleep(4000 * SLOW);
  socket.resume();
  for (let i = 0; i < 100 && closedAt === null; i++) await sleep(100);
  assert.ok(closedAt !== null, "the gateway kept the connection of a client that stopped reading");
  assert.ok(received < answerBytes, `the whole answer arrived (${received} bytes)`);
  assert.ok(closedAt - sentAt < 15000 * SLOW, `closed after ${closedAt - sentAt} ms`);
});

test("the gateway serves the next client normally", async () => {
  const r = await fetch(`${gw.base}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: "gpt-test", messages: [{ role: "user", content: "ok?" }] }),
  });
  assert.equal(r.status, 200);
  const answer = await r.json();
  assert.equal(answer.object, "chat.completion");
});
