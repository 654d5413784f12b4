// What an attacker sends at the HTTP layer, from either side, is refused without harm:
// framing that two parsers could read differently (request smuggling) gets 400 and a
// closed connection, endless chunk extensions cannot grow the gateway's memory, and a
// provider that frames its answer ambiguously or endlessly is a 502. The mock provider
// must never see a request that was smuggled or refused.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import net from "node:net";
import zlib from "node:zlib";
import {
  SLOW, basicConfig, curl, json, lastUpstreamRequest, metricsWhen, parseAnswer, rawConnect, startGateway, startMock, stopAll, within,
} from "./lib/harness.mjs";
import { validate } from "./lib/openapi.mjs";

const MiB = 1024 * 1024;

// A provider that misbehaves on purpose; what it sends depends on the model the gateway
// names in the body (each is a target of its own model below).
const hostileAnswers = {
  // Framed by Content-Length by a lenient parser, unframeable by RFC 9112 §6.3.
  "te-and-length": (socket) => {
    const body = JSON.stringify({ id: "x", object: "chat.completion", created: 1, model: "te-and-length", choices: [] });
    socket.write(`HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: xchunked\r\n` +
      `content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  },
  // A chunk size line that never ends.
  "endless-extension": (socket) => {
    socket.write("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n41;");
    pump(socket, 64 * MiB, "a");
  },
  "endless-extension-stream": (socket) => {
    socket.write("HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n" +
      "12\r\ndata: {\"a\":1}\n\n\r\n41;");
    pump(socket, 64 * MiB, "a");
  },
  // A stream whose second event never ends (close-delimited, so no chunk bound helps).
  "endless-event": (socket) => {
    socket.write("HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nconnection: close\r\n\r\n" +
      "data: {\"a\":1}\n\ndata: ");
    endless.event = pump(socket, 64 * MiB, "a");
  },
  // A stream asked for, a whole JSON answer that never ends.
  "endless-whole-answer": (socket) => {
    socket.write("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n{\"a\":\"");
    endless.whole = pump(socket, 160 * MiB, "a");
  },
};
const endless = {};

// Writes `total` bytes of `fill` as fast as the peer takes them, stopping when it closes;
// resolves with how many were written. What the peer answers meanwhile is read, as a
// client that reads while it sends would.
function pump(socket, total, fill) {
  const piece = Buffer.alloc(64 * 1024, fill);
  return new Promise((resolve) => {
    let written = 0;
    let done = false;
    const finish = () => {
      if (!done) resolve(written);
      done = true;
    };
    socket.once("close", finish);
    socket.once("error", finish);
    // One piece per turn of the event loop: a write the kernel takes at once returns
    // true, and a loop of those would never let the answer be read.
    const more = () => {
      if (done || socket.destroyed) return;
      if (written >= total) return finish();
      written += piece.length;
      if (socket.write(piece)) setImmediate(more);
      else socket.once("drain", () => setImmediate(more));
    };
    more();
  });
}

function startHostileProvider() {
  const server = net.createServer((socket) => {
    socket.on("error", () => {});
    let text = "";
    socket.on("data", (d) => {
      text += d.toString("latin1");
      const end = text.indexOf("\r\n\r\n");
      if (end < 0) return;
      const length = Number(/content-length: *(\d+)/i.exec(text.slice(0, end))?.[1] ?? 0);
      if (text.length < end + 4 + length) return;
      const model = JSON.parse(text.slice(end + 4, end + 4 + length)).model;
      text = "";
      hostileAnswers[model](socket);
    });
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

let gw;
let mock;
let hostile;
before(async () => {
  mock = await startMock();
  hostile = await startHostileProvider();
  const hostileUrl = `http://127.0.0.1:${hostile.address().port}/v1`;
  const models = Object.keys(hostileAnswers)
    .map((name) => `  - name: ${name}\n    targets: [{provider: hostile, model: ${name}}]\n`)
    .join("");
  gw = await startGateway(basicConfig({
    mockUrl: mock.url,
    server: "  max_body_bytes: 65536",
    provider: `  - name: hostile\n    kind: openai\n    base_url: ${hostileUrl}\n    api_key: sk-provider-secret\n` +
      `    timeout: 5s\n    connect_timeout: 2s\n`,
    models,
  }));
});
after(async () => {
  await stopAll();
  hostile?.close();
});

const chat = JSON.stringify({ model: "gpt-test", messages: [{ role: "user", content: "hi" }] });

function request({ method = "POST", path = "/v1/chat/completions", version = "1.1", fields = "", body = chat } = {}) {
  const length = fields.match(/transfer-encoding|content-length/i) ? "" : `content-length: ${Buffer.byteLength(body)}\r\n`;
  return `${method} ${path} HTTP/${version}\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n${fields}${length}\r\n${body}`;
}

function chunked(text) {
  return `${Buffer.byteLength(text).toString(16)}\r\n${text}\r\n0\r\n\r\n`;
}

// Sends raw bytes on a new connection; resolves with everything received once the
// gateway closes it (bounded).
async function exchangeRaw(bytes, waitMs = 5000 * SLOW) {
  const conn = await rawConnect(gw.port);
  conn.socket.write(bytes);
  const closed = await within(conn.closed, waitMs);
  conn.socket.destroy();
  return { text: conn.received(), closed: closed !== null };
}

function answersIn(text) {
  return text.split(/(?=HTTP\/1\.[01] \d\d\d )/).filter((part) => part.length > 0);
}

// The answer a refused request gets: one 400 in OpenAI's shape, then the connection closes.
function assertRefused({ text, closed }, what) {
  const answers = answersIn(text);
  assert.equal(answers.length, 1, `${what}: expected one answer, got ${JSON.stringify(text.slice(0, 600))}`);
  const answer = parseAnswer(answers[0]);
  assert.equal(answer.status, 400, `${what}: ${text.slice(0, 400)}`);
  const body = json(answer.body);
  validate("ErrorResponse", body);
  assert.match(body.error.message, /^malformed HTTP request/);
  assert.ok(closed, `${what}: the connection stayed open`);
  return body;
}

// A request the mock provider records; the tests check it is still the last one it saw.
async function sentinel() {
  const r = await curl([`${gw.base}/v1/sentinel`, "-d", JSON.stringify({ model: "gpt-test" })]);
  assert.equal(r.status, 200, r.body);
  assert.equal((await lastUpstreamRequest(mock)).target, "/v1/sentinel");
}

async function assertProviderSawNothing(what) {
  assert.equal((await lastUpstreamRequest(mock)).target, "/v1/sentinel", `${what} reached the provider`);
}

// The most memory the gateway has ever held (VmHWM), in bytes.
function peakMemory() {
  const status = readFileSync(`/proc/${gw.proc.child.pid}/status`, "utf8");
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)[1]) * 1024;
}

const smuggled = request({ path: "/v1/smuggled", body: JSON.stringify({ model: "gpt-test" }) });

test("Transfer-Encoding other than chunked, or beside Content-Length, is 400 and never framed by the length", async () => {
  await sentinel();
  const cases = {
    // Beast framed this by the length; the bytes after it became a second request.
    "xchunked then content-length": request({ fields: "transfer-encoding: xchunked\r\ncontent-length: 0\r\n", body: smuggled }),
    "content-length then xchunked": request({ fields: "content-length: 0\r\ntransfer-encoding: xchunked\r\n", body: smuggled }),
    "chunked beside content-length": request({ fields: "transfer-encoding: chunked\r\ncontent-length: 0\r\n", body: smuggled }),
    // Read as a request without a body, so its body was served as the next request.
    "chunked not last": request({ fields: "transfer-encoding: chunked, gzip\r\n", body: smuggled }),
    "an unknown coding alone": request({ fields: "transfer-encoding: xchunked\r\n", body: smuggled }),
    // Read as chunked, the gzip coding ignored.
    "gzip then chunked in two fields": request({
      fields: "transfer-encoding: gzip\r\ntransfer-encoding: chunked\r\n",
      body: chunked(JSON.stringify({ model: "gpt-test" })),
    }),
    // RFC 9112 §6.1: an HTTP/1.0 message with Transfer-Encoding has faulty framing.
    "HTTP/1.0 with chunked": request({
      path: "/v1/smuggled", version: "1.0", fields: "transfer-encoding: chunked\r\n",
      body: chunked(JSON.stringify({ model: "gpt-test" })),
    }),
  };
  for (const [what, bytes] of Object.entries(cases)) {
    const body = assertRefused(await exchangeRaw(bytes), what);
    assert.match(body.error.message, /Transfer-Encoding|Content-Length/, what);
  }
  await assertProviderSawNothing("a smuggled request");
});

test("a folded header line (obs-fold) is 400", async () => {
  await sentinel();
  for (const fields of ["x-note: one\r\n two\r\n", "transfer-encoding: x\r\n chunked\r\n"]) {
    const body = assertRefused(await exchangeRaw(request({ path: "/v1/smuggled", fields })), fields);
    assert.match(body.error.message, /folding/);
  }
  await assertProviderSawNothing("a request with a folded field");
});

test("trailer fields of a chunked request never join its head", async () => {
  const bytes = request({
    fields: "connection: close\r\ntransfer-encoding: chunked\r\n",
    body: `${Buffer.byteLength(chat).toString(16)}\r\n${chat}\r\n0\r\nx-request-id: from-the-trailer\r\n\r\n`,
  });
  const { text } = await exchangeRaw(bytes);
  const answer = parseAnswer(answersIn(text)[0]);
  assert.equal(answer.status, 200, text);
  assert.notEqual(answer.headers["x-request-id"], "from-the-trailer");
  assert.notEqual((await lastUpstreamRequest(mock)).headers["x-request-id"], "from-the-trailer");
});

// Streams `fill` after `start` on one connection until the gateway closes it (at most
// 64 MiB); returns what came back and how much was sent.
async function endlessLine(start) {
  const conn = await rawConnect(gw.port);
  conn.socket.write(start);
  const sent = await within(pump(conn.socket, 64 * MiB, "a"), 30000 * SLOW, -1);
  await within(conn.closed, 2000 * SLOW);
  conn.socket.destroy();
  return { text: conn.received(), sent };
}

test("an endless chunk extension or trailer is cut off with 400, and the gateway's memory stays small", async () => {
  const head = request({ fields: "transfer-encoding: chunked\r\n", body: "" });
  for (const [what, start] of [
    ["chunk extension", `${head}41;`],
    ["trailer section", `${head}5\r\nhello\r\n0\r\nx-trailer: `],
  ]) {
    const before = peakMemory();
    const { text, sent } = await endlessLine(start);
    // It reads a few MiB more after answering, so that the client sees the answer.
    assert.ok(sent >= 0 && sent < 32 * MiB, `${what}: the gateway read ${sent} bytes of it before closing`);
    const answer = parseAnswer(text);
    assert.equal(answer.status, 400, `${what} (${sent} bytes sent): ${JSON.stringify(text.slice(0, 300))}`);
    validate("ErrorResponse", json(answer.body));
    const grown = peakMemory() - before;
    assert.ok(grown < 16 * MiB, `${what}: the gateway grew by ${(grown / MiB).toFixed(1)} MiB`);
  }
});

test("a chunk extension longer than 4 KiB is 400", async () => {
  const body = `${Buffer.byteLength(chat).toString(16)};a=${"b".repeat(5000)}\r\n${chat}\r\n0\r\n\r\n`;
  const refused = assertRefused(await exchangeRaw(request({ fields: "transfer-encoding: chunked\r\n", body })), "5 KB extension");
  assert.match(refused.error.message, /chunk extension/);
  // A short one is fine.
  const fine = `${Buffer.byteLength(chat).toString(16)};a=b\r\n${chat}\r\n0\r\n\r\n`;
  const { text } = await exchangeRaw(request({ fields: "connection: close\r\ntransfer-encoding: chunked\r\n", body: fine }));
  assert.equal(parseAnswer(text).status, 200, text);
});

test("a provider answer with Transfer-Encoding beside Content-Length is a 502, not relayed", async () => {
  const r = await curl([`${gw.base}/v1/chat/completions`, "-d", JSON.stringify({ model: "te-and-length", messages: [] })]);
  assert.equal(r.status, 502, r.body);
  validate("ErrorResponse", json(r.body));
  // The provider answered garbage: a server error, not a connection that failed.
  const serverError = /tollgate_upstream_failures_total\{[^}]*class="server_error"[^}]*\} [1-9]/;
  const metrics = await metricsWhen(gw, (text) => serverError.test(text));
  assert.match(metrics.body, serverError);
  assert.doesNotMatch(metrics.body, /tollgate_upstream_failures_total\{[^}]*class="connect_error"/);
});

test("a provider's stream event that never ends fails the stream past 16 MiB; an endless whole answer past 64 MiB", async () => {
  const before = peakMemory();
  let r = await curl([`${gw.base}/v1/chat/completions`, "-d", JSON.stringify({ model: "endless-event", stream: true, messages: [] })]);
  assert.equal(r.status, 200);
  assert.match(r.body, /"error"/, r.body.slice(0, 300));
  assert.match(r.body, /data: \[DONE\]/);
  const sent = await endless.event;
  assert.ok(sent < 40 * MiB, `the gateway read ${sent} bytes of one event before giving up`);
  assert.ok(peakMemory() - before < 48 * MiB, "the gateway's memory stayed bounded");

  r = await curl([`${gw.base}/v1/chat/completions`, "-d", JSON.stringify({ model: "endless-whole-answer", stream: true, messages: [] })]);
  assert.equal(r.status, 502, r.body.slice(0, 300));
  validate("ErrorResponse", json(r.body));
  const whole = await endless.whole;
  assert.ok(whole < 100 * MiB, `the gateway read ${whole} bytes of one answer before giving up`);
});

test("a provider's endless chunk extension fails the answer at once, without growing the gateway", async () => {
  for (const stream of [false, true]) {
    const before = peakMemory();
    const started = Date.now();
    const model = stream ? "endless-extension-stream" : "endless-extension";
    const r = await curl([`${gw.base}/v1/chat/completions`, "-d", JSON.stringify({ model, stream, messages: [] })]);
    const took = Date.now() - started;
    if (stream) {
      assert.equal(r.status, 200);
      assert.match(r.body, /"error"/, r.body.slice(0, 300));
    } else {
      assert.equal(r.status, 502, r.body);
      validate("ErrorResponse", json(r.body));
    }
    // Not the provider's 5 s timeout: the buffer's bound ended it.
    assert.ok(took < 4000 * SLOW, `${model}: answered after ${took} ms`);
    const grown = peakMemory() - before;
    assert.ok(grown < 16 * MiB, `${model}: the gateway grew by ${(grown / MiB).toFixed(1)} MiB`);
  }
});

// Sends `bytes` as a compressed request body (content-encoding `coding`).
function postCompressed(coding, bytes) {
  return curl([`${gw.base}/v1/chat/completions`, "-H", `content-encoding: ${coding}`, "-H", "content-type: application/json",
    "--data-binary", "@-"], { input: bytes });
}

const compressors = { gzip: zlib.gzipSync, deflate: zlib.deflateSync, br: zlib.brotliCompressSync };

test("a compressed body that decodes past max_body_bytes is 413, like an uncompressed one", async () => {
  const body = (size) => JSON.stringify({ model: "gpt-test", messages: [{ role: "user", content: "x".repeat(size) }] });
  for (const [coding, compress] of Object.entries(compressors)) {
    const over = await postCompressed(coding, compress(body(100 * 1024)));
    assert.equal(over.status, 413, `${coding}: ${over.body}`);
    const error = json(over.body);
    validate("ErrorResponse", error);
    assert.equal(error.error.code, "request_too_large");
    const under = await postCompressed(coding, compress(body(60 * 1024)));
    assert.equal(under.status, 200, `${coding}: ${under.body}`);
  }
  // Corrupt or cut short is still the client's malformed request.
  const whole = zlib.gzipSync(body(1000));
  for (const broken of [Buffer.from("not gzip"), whole.subarray(0, whole.length / 2)]) {
    const r = await postCompressed("gzip", broken);
    assert.equal(r.status, 400, r.body);
    assert.equal(json(r.body).error.code, "invalid_request");
  }
});

test("a zip bomb is refused without being inflated", async () => {
  const bomb = zlib.gzipSync(Buffer.alloc(60 * MiB), { level: 9 });
  assert.ok(bomb.length < 65536, `the bomb is ${bomb.length} bytes`);
  const before = peakMemory();
  const r = await postCompressed("gzip", bomb);
  assert.equal(r.status, 413, r.body);
  const grown = peakMemory() - before;
  assert.ok(grown < 16 * MiB, `the gateway grew by ${(grown / MiB).toFixed(1)} MiB`);
});

test("a passthrough path that leaves /v1/, or that servers could read differently, never reaches the provider", async () => {
  await sentinel();
  const paths = [
    "/v1/x/../../internal/admin", "/v1/%2e%2e/internal/admin", "/v1/%2E%2E/%2e%2e/internal",
    "/v1/x/.%2e/.%2E/internal/admin", "/v1/x/..%2f..%2finternal/admin", "/v1/x%2F..%2F..%2Finternal",
    "/v1/..\\internal", "/v1/x%5c..%5cinternal", "/v1/x%00/y", "/v1/x/..;/..;/internal/admin",
    "/v1/%252e%252e/internal", "/v1/x/..//..//internal", "/v1/../../internal",
  ];
  for (const path of paths) {
    const { text } = await exchangeRaw(request({ path, fields: "connection: close\r\n", body: JSON.stringify({ model: "gpt-test" }) }));
    const answer = parseAnswer(text);
    assert.ok(answer.status === 400 || answer.status === 404, `${path} → ${text.slice(0, 300)}`);
    validate("ErrorResponse", json(answer.body));
  }
  await assertProviderSawNothing("a path outside /v1/");
});

test("dot-segments inside /v1/ are resolved, and the provider gets the resolved path", async () => {
  const { text } = await exchangeRaw(request({ path: "/v1/x/%2e%2e/./responses?trace=1", fields: "connection: close\r\n",
    body: JSON.stringify({ model: "gpt-test", input: "hi" }) }));
  assert.equal(parseAnswer(text).status, 200, text);
  assert.equal((await lastUpstreamRequest(mock)).target, "/v1/responses?trace=1");
  const chat = await exchangeRaw(request({ path: "/v1/./chat/completions", fields: "connection: close\r\n" }));
  validate("CreateChatCompletionResponse", json(parseAnswer(chat.text).body));
});
