// Uploads (audio transcriptions and translations, image edits) are routed by the model
// field of their multipart body and reach the provider byte for byte but for that field;
// speech comes back as audio bytes streamed as they arrive, never as events, never held.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import OpenAI, { BadRequestError, toFile } from "openai";
import { readFileSync } from "node:fs";
import path from "node:path";
import { basicConfig, curl, json, lastUpstreamRequest, startGateway, startMock, stopAll, tempDir } from "./lib/harness.mjs";
import { validate } from "./lib/openapi.mjs";

let mockA;
let mockB;
let gw;
before(async () => {
  mockA = await startMock();
  mockB = await startMock();
  gw = await startGateway(
    basicConfig({
      mockUrl: mockA.url,
      provider: `  - name: other
    kind: openai
    forward_headers: ["x-mock-*"]
    base_url: ${mockB.url}
    api_key: sk-other-secret
    timeout: 5s
`,
      models: `  - name: whisper-b
    targets: [{provider: other, model: other-whisper}]
  - name: whisper-1
    targets: [{provider: other, model: whisper-1}]
`,
    }),
  );
});
after(stopAll);

const client = () => new OpenAI({ baseURL: `${gw.base}/v1`, apiKey: "any", maxRetries: 0 });
const audio = () => toFile(Buffer.from("RIFF fake wave bytes \r\n--not-a-boundary\r\n"), "hello.wav");

test("a transcription goes to the provider its model field names, with the target's model", async () => {
  const a = await client().audio.transcriptions.create({ file: await audio(), model: "gpt-test" });
  assert.match(a.text, /^transcribed by mock-model-1 /);
  const b = await client().audio.translations.create({ file: await audio(), model: "whisper-b" });
  assert.match(b.text, /^transcribed by other-whisper /);
  const sent = await lastUpstreamRequest(mockB);
  assert.equal(sent.target, "/v1/audio/translations");
  assert.equal(sent.headers.authorization, "Bearer sk-other-secret");
  assert.match(sent.headers["content-type"], /^multipart\/form-data; boundary=/);
  const edit = await client().images.edit({ image: await toFile(Buffer.from("png"), "a.png"), prompt: "a hat", model: "whisper-b" });
  assert.equal(edit.data.length, 1);
});

test("the multipart body reaches the provider byte for byte, the model part rewritten only when it differs", async () => {
  const boundary = "----tollgate-test-boundary";
  const body = (model) =>
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.wav"\r\n` +
    `Content-Type: audio/wav\r\n\r\nname="model" is not this part\r\n` +
    `--${boundary}\r\nContent-Disposition: form-data; name="model"\r\n\r\n${model}\r\n` +
    `--${boundary}\r\nContent-Disposition: form-data; name="language"\r\n\r\nen\r\n--${boundary}--\r\n`;
  const post = (model) =>
    fetch(`${gw.base}/v1/audio/transcriptions`, {
      method: "POST",
      headers: { "content-type": `multipart/form-data; boundary=${boundary}` },
      body: body(model),
    });
  assert.equal((await post("whisper-1")).status, 200);
  assert.equal((await lastUpstreamRequest(mockB)).body, body("whisper-1"));
  assert.equal((await post("whisper-b")).status, 200);
  assert.equal((await lastUpstreamRequest(mockB)).body, body("other-whisper"));
});

test("an upload without a readable model field is a 400 naming model", async () => {
  const refused = await fetch(`${gw.base}/v1/audio/transcriptions`, {
    method: "POST",
    headers: { "content-type": "multipart/form-data; boundary=b" },
    body: `--b\r\nContent-Disposition: form-data; name="file"\r\n\r\nx\r\n--b--\r\n`,
  });
  assert.equal(refused.status, 400);
  const error = json(await refused.text());
  validate("ErrorResponse", error);
  assert.equal(error.error.param, "model");
  await assert.rejects(
    client().audio.transcriptions.create({ file: await audio(), model: "no-such-model" }),
    (e) => e.status === 404,
  );
  const twice = await fetch(`${gw.base}/v1/audio/transcriptions`, {
    method: "POST",
    headers: { "content-type": "multipart/form-data; boundary=b" },
    body: `--b\r\nContent-Disposition: form-data; name="model"\r\n\r\ngpt-test\r\n--b\r\nContent-Disposition: form-data; name="model"\r\n\r\nwhisper-b\r\n--b--\r\n`,
  });
  assert.equal(twice.status, 400);
  assert.ok(BadRequestError);
});

// The mock's speech bytes: SSE-looking framing first in every 256, then every byte value.
function expectedSpeech(total) {
  const trap = Buffer.from("\n\ndata: [DONE]\n\n");
  return Buffer.from(Array.from({ length: total }, (_, i) => (i % 256 < trap.length ? trap[i % 256] : i % 256)));
}

test("speech streams its audio bytes through as they arrive", async () => {
  const started = Date.now();
  const res = await client().audio.speech.create(
    { model: "whisper-b", voice: "alloy", input: "hello there" },
    { headers: { "x-mock-chunks": "4", "x-mock-chunk-delay-ms": "400", "x-mock-body-bytes": "6000" } },
  );
  assert.equal(res.headers.get("content-type"), "audio/mpeg");
  assert.equal(res.headers.get("x-tollgate-provider"), "other");
  const reader = res.body.getReader();
  const pieces = [];
  let firstAt;
  for (let i = 0; i < 100; i++) {
    const { done, value } = await reader.read();
    if (done) break;
    firstAt ??= Date.now() - started;
    pieces.push(Buffer.from(value));
  }
  const total = Date.now() - started;
  assert.ok(total >= 1100, `the mock spaced its pieces (${total} ms)`);
  assert.ok(firstAt < total - 700, `the first bytes came before the last (${firstAt} of ${total} ms)`);
  assert.deepEqual(Buffer.concat(pieces), expectedSpeech(6000));
});

test("uploads pass the sanitize and pii stages, which read prompts, not audio", async () => {
  const guarded = await startGateway(
    basicConfig({ mockUrl: mockA.url }) +
      `sanitize:
  max_prompt_tokens: 1000
pii:
  entities: {email: pseudonymize}
`,
  );
  const c = new OpenAI({ baseURL: `${guarded.base}/v1`, apiKey: "any", maxRetries: 0 });
  const a = await c.audio.transcriptions.create({ file: await audio(), model: "gpt-test" });
  assert.match(a.text, /^transcribed by mock-model-1 /);
  const res = await c.audio.speech.create({ model: "gpt-test", voice: "alloy", input: "hello" });
  assert.deepEqual(Buffer.from(await res.arrayBuffer()), expectedSpeech(4096));
});

test("speech cut short by the provider reaches the client as a cut, not a whole file", async () => {
  const res = await client().audio.speech.create(
    { model: "whisper-b", voice: "alloy", input: "hello there" },
    { headers: { "x-mock-chunks": "4", "x-mock-drop-after-chunks": "2", "x-mock-body-bytes": "6000" } },
  );
  assert.equal(res.status, 200);
  await assert.rejects(res.arrayBuffer());
  // The gateway serves the next request as before.
  const again = await client().audio.speech.create({ model: "whisper-b", voice: "alloy", input: "hi" });
  assert.equal((await again.arrayBuffer()).byteLength, 4096);
});

test("an HTTP/1.0 client gets the audio close-delimited, byte for byte", async () => {
  const file = path.join(tempDir(), "speech.mp3");
  const r = await curl([
    "--http1.0", "-o", file, `${gw.base}/v1/audio/speech`,
    "-H", "content-type: application/json", "-H", "x-mock-chunks: 3",
    "-d", JSON.stringify({ model: "gpt-test", voice: "alloy", input: "hello" }),
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(readFileSync(file), expectedSpeech(4096));
});
