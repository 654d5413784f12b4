// Billing a client cannot escape, through the real binary: what the ledger, the audit line
// and the access line say a request used, whatever API shape it took (the Responses API
// streamed by the Vercel AI SDK), however it ended (the client hanging up mid-stream, the
// provider cutting it), and however many requests run at once against a quota or budget
// (in process and in a real redis-server).
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { createOpenAI } from "@ai-sdk/openai";
import { generateText, streamText } from "ai";
import {
  basicConfig, curl, json, rawConnect, sleep, startGateway, startMock, startRedis, stop, stopAll, tempDir,
} from "./lib/harness.mjs";

after(stopAll);

const ADMIN_KEY = "admin-key-for-tests-0123456789";
const KEY = "tg-billing-key-0001";

function config({ mockUrl, dir = tempDir(), limits = "{rpm: 100000}", extra = "", state = "" }) {
  return basicConfig({ mockUrl, server: `  admin_key: ${ADMIN_KEY}\n` }) + `
state:
  sqlite: ${dir}/tollgate.db
  flush_interval: 100ms
${state}
audit:
  path: ${dir}/audit.jsonl
  fsync_interval: 50ms
keys:
  - {id: app, key: ${KEY}, limits: ${limits}}
${extra}
`;
}

function today() {
  return new Date().toISOString().slice(0, 10);
}

async function ledger(gw, scope = "key:app") {
  const q = new URLSearchParams({ scope, period: today() });
  const r = await curl([`http://127.0.0.1:${gw.adminPort}/admin/usage?${q}`, "-H", `authorization: Bearer ${ADMIN_KEY}`]);
  assert.equal(r.status, 200, r.body);
  return json(r.body).data[0] ?? { requests: 0, prompt_tokens: 0, completion_tokens: 0, total_tokens: 0, cost_usd: 0 };
}

// Polls (bounded) until the ledger has `requests` requests, then returns its row.
async function ledgerAfter(gw, requests, scope = "key:app") {
  let row;
  for (let i = 0; i < 100; i++) {
    row = await ledger(gw, scope);
    if (row.requests >= requests) return row;
    await sleep(50);
  }
  assert.fail(`the ledger never reached ${requests} requests: ${JSON.stringify(row)}`);
}

function auditLines(dir) {
  return readFileSync(path.join(dir, "audit.jsonl"), "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l));
}

// Polls (bounded) until the audit log has `count` lines.
async function auditAfter(dir, count) {
  let lines = [];
  for (let i = 0; i < 100; i++) {
    try {
      lines = auditLines(dir);
    } catch {
      lines = [];
    }
    if (lines.length >= count) return lines;
    await sleep(50);
  }
  assert.fail(`the audit log never reached ${count} lines: ${lines.length}`);
}

function accessLines(gw) {
  return gw.proc.stdout.split("\n").filter((l) => l.includes('"type":"access"')).map((l) => JSON.parse(l));
}

test("a Responses API stream from the Vercel AI SDK is billed its real output tokens", async () => {
  const mock = await startMock();
  const dir = tempDir();
  const gw = await startGateway(config({ mockUrl: mock.url, dir }));
  const openai = createOpenAI({ baseURL: `${gw.base}/v1`, apiKey: KEY });

  // The SDK's default model object speaks the Responses API; streamText streams it.
  const result = streamText({
    model: openai("gpt-test"),
    prompt: "Write a long story about a fox.",
    headers: { "x-mock-completion-tokens": "300", "x-mock-reasoning-tokens": "50", "x-mock-chunks": "20" },
  });
  let text = "";
  for await (const piece of result.textStream) text += piece;
  assert.equal(text.split(" ").length, 300, "the whole answer reached the SDK");
  const sdkUsage = await result.usage;
  assert.equal(sdkUsage.outputTokens, 350, "the SDK read the provider's usage too");

  const row = await ledgerAfter(gw, 1);
  assert.equal(row.completion_tokens, 350, `output tokens, reasoning included: ${JSON.stringify(row)}`);
  assert.equal(row.prompt_tokens, sdkUsage.inputTokens);
  const [line] = await auditAfter(dir, 1);
  assert.equal(line.path, "/v1/responses");
  assert.equal(line.stream, true);
  assert.equal(line.completion_tokens, 350);
  assert.equal(line.usage_reported, true);

  // A whole (not streamed) Responses answer: usage.input_tokens/output_tokens.
  const whole = await generateText({
    model: openai("gpt-test"),
    prompt: "Say hi.",
    headers: { "x-mock-completion-tokens": "40" },
  });
  assert.equal(whole.usage.outputTokens, 40);
  const after = await ledgerAfter(gw, 2);
  assert.equal(after.completion_tokens, 350 + 40);
});

test("response.incomplete and response.failed streams are billed from their usage too", async () => {
  const mock = await startMock();
  const gw = await startGateway(config({ mockUrl: mock.url }));
  let billed = 0;
  for (const [end, tokens] of [["incomplete", 70], ["failed", 30]]) {
    const r = await curl([
      `${gw.base}/v1/responses`, "-H", `authorization: Bearer ${KEY}`,
      "-H", `x-mock-responses-end: ${end}`, "-H", `x-mock-completion-tokens: ${tokens}`,
      "-d", JSON.stringify({ model: "gpt-test", input: "hello", stream: true }),
    ]);
    assert.equal(r.status, 200);
    assert.match(r.body, new RegExp(`event: response.${end}`));
    billed += tokens;
  }
  const row = await ledgerAfter(gw, 2);
  assert.equal(row.completion_tokens, billed, JSON.stringify(row));
});
