// JSON a client sends is hostile until read: nesting that would exhaust the stack is
// refused by counting levels, a caller without a key never has its body read at all, and
// a key given twice —
// which the gateway and a provider could read differently — is refused with 400.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import {
  basicConfig, curl, json, lastUpstreamRequest, startGateway, startMock, stopAll, tempDir,
} from "./lib/harness.mjs";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { validate } from "./lib/openapi.mjs";

const KEY = "tg-hostile-json-key-01";
let gw, mock;
before(async () => {
  mock = await startMock();
  gw = await startGateway(
    basicConfig({ mockUrl: mock.url, server: "  max_body_bytes: 1048576" }) +
      `keys:\n  - {id: app, key: ${KEY}}\n`,
  );
});
after(stopAll);

function post(body, { key = KEY } = {}) {
  const file = path.join(tempDir(), "body.json");
  writeFileSync(file, body);
  const args = [`${gw.base}/v1/chat/completions`, "-H", "content-type: application/json", "--data-binary", `@${file}`];
  if (key) args.push("-H", `authorization: Bearer ${key}`);
  return curl(args);
}

async function expect400(body, opts, pattern) {
  const r = await post(body, opts);
  assert.equal(r.status, 400, r.body.slice(0, 300));
  const error = json(r.body);
  validate("ErrorResponse", error);
  if (pattern) assert.match(error.error.message, pattern);
  return error;
}

test("150,000 '[': 401 without a key (never parsed), 400 with one, and the gateway keeps serving", async () => {
  // This once overflowed the stack of the recursive walk and killed the process.
  const unclosed = `{"model":"gpt-test","messages":${"[".repeat(150000)}`;
  const stranger = await post(unclosed, { key: null });
  assert.equal(stranger.status, 401, stranger.body.slice(0, 300));
  validate("ErrorResponse", json(stranger.body));
  await expect400(unclosed);
  await expect400(`{"model":"gpt-test","x":${"[".repeat(150000)}${"]".repeat(150000)}}`, {}, /deeper than 128 levels/);
  const objects = `{"model":"gpt-test","x":${'{"a":'.repeat(100000)}1${"}".repeat(100000)}}`;
  await expect400(objects, {}, /deeper than 128 levels/);
  assert.equal(gw.proc.exit, null, "the gateway is still running");
  const r = await post(JSON.stringify({ model: "gpt-test", messages: [{ role: "user", content: "still there?" }] }));
  assert.equal(r.status, 200, r.body);
});

test("nesting within the limit reaches the provider", async () => {
  const schema = `${'{"type":"object","properties":{"a":'.repeat(30)}{"type":"string"}${"}}".repeat(30)}`;
  const body = `{"model":"gpt-test","messages":[{"role":"user","content":"x"}],"tools":[{"type":"function","function":{"name":"f","parameters":${schema}}}]}`;
  const r = await post(body);
  assert.equal(r.status, 200, r.body);
});

test("a field given twice is refused, and the provider never sees the request", async () => {
  const before = await lastUpstreamRequest(mock).catch(() => null);
  const cases = [
    '{"model":"demo","messages":[],"model":"gpt-test"}',
    '{"model":"gpt-test","messages":[{"role":"user","content":"a"}],"stream":false,"stream":true}',
    '{"model":"gpt-test","messages":[{"role":"user","content":"a"}],"max_tokens":1,"max_tokens":100000}',
    '{"model":"gpt-test","messages":[{"role":"user","content":"a"}],"stream":true,"stream_options":{"include_usage":true},"stream_options":{}}',
    '{"model":"gpt-test","messages":[{"role":"user","content":"a","content":"b"}]}',
    '{"model":"gpt-test","mod\\u0065l":"demo","messages":[]}',
  ];
  for (const body of cases) await expect400(body, {}, /appears twice/);
  const afterwards = await lastUpstreamRequest(mock).catch(() => null);
  assert.deepEqual(afterwards, before, "nothing reached the provider");
});
