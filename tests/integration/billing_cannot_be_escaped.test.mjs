// Billing a client cannot escape, through the real binary: what the ledger, the audit line
// and the access line say a request used, whatever API shape it took (the Responses API
// streamed by the Vercel AI SDK), however it ended (the client hanging up mid-stream, the
// provider cutting it), and however many requests run at once against a quota or budget
// (in process and in a real redis-server).
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { createOpenAI } from "@ai-sdk/openai";
import { generateText, streamText } from "ai";
import {
  SLOW, accessLine, basicConfig, curl, json, rawConnect, sleep, startGateway, startMock, startRedis, stop, stopAll, tempDir,
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

const accessLineOf = (gw, requestId) => accessLine(gw, (l) => l.request_id === requestId);

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
  assert.equal(line.usage_estimated, false);

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

// The gateway's providers for every dialect, all answered by the one mock.
function dialectConfig(mock, dir) {
  const root = `http://127.0.0.1:${mock.port}`;
  return config({
    mockUrl: mock.url,
    dir,
    extra: "",
  }).replace("models:\n", `  - {name: claude, kind: anthropic, base_url: "${root}", api_key: sk-ant-provider-secret, timeout: 5s, forward_headers: ["x-mock-*"]}
  - {name: gemini, kind: gemini, base_url: "${root}", api_key: g-provider-secret, timeout: 5s, forward_headers: ["x-mock-*"]}
models:
  - name: claude
    targets: [{provider: claude, model: claude-mock-1}]
  - name: gem
    targets: [{provider: gemini, model: gemini-2.5-flash}]
`);
}

// The answer text a client read from an SSE body, in bytes (chat chunks' content, or a
// Responses stream's output_text deltas).
function relayedTextBytes(body) {
  let bytes = 0;
  for (const line of body.split("\n")) {
    if (!line.startsWith("data: {")) continue;
    const event = JSON.parse(line.slice(6));
    for (const choice of event.choices ?? []) bytes += Buffer.byteLength(choice.delta?.content ?? "");
    if (typeof event.type === "string" && event.type.endsWith(".delta")) bytes += Buffer.byteLength(event.delta);
  }
  return bytes;
}

const streams = [
  ["OpenAI chat", "/v1/chat/completions", { model: "gpt-test", messages: [{ role: "user", content: "tell me" }], stream: true, stream_options: { include_usage: true } }],
  ["OpenAI responses", "/v1/responses", { model: "gpt-test", input: "tell me", stream: true }],
  ["Anthropic", "/v1/chat/completions", { model: "claude", messages: [{ role: "user", content: "tell me" }], stream: true, stream_options: { include_usage: true } }],
  ["Gemini", "/v1/chat/completions", { model: "gem", messages: [{ role: "user", content: "tell me" }], stream: true, stream_options: { include_usage: true } }],
];

// Each next request's own share of the ledger's completion tokens, and its audit line.
function meter(gw, dir) {
  let requests = 0;
  let billed = 0;
  return async () => {
    requests++;
    const row = await ledgerAfter(gw, requests);
    const completion = row.completion_tokens - billed;
    billed = row.completion_tokens;
    const line = (await auditAfter(dir, requests)).at(-1);
    return { row, completion, line };
  };
}

test("a stream the provider cuts is billed the completion it relayed, estimated, in every dialect", async () => {
  const mock = await startMock();
  const dir = tempDir();
  const gw = await startGateway(dialectConfig(mock, dir));
  const next = meter(gw, dir);
  for (const [dialect, path, body] of streams) {
    const r = await curl([
      `${gw.base}${path}`, "-H", `authorization: Bearer ${KEY}`,
      "-H", "x-mock-completion-tokens: 400", "-H", "x-mock-chunks: 20", "-H", "x-mock-drop-after-chunks: 10",
      "-d", JSON.stringify(body),
    ]);
    assert.equal(r.status, 200, `${dialect}: ${r.body}`);
    const relayed = relayedTextBytes(r.body);
    assert.ok(relayed > 200, `${dialect}: some of the answer came: ${relayed} bytes`);
    const { row, completion, line } = await next();
    // Four bytes a token, from what reached the client (nothing else was relayed).
    assert.equal(completion, Math.ceil(relayed / 4), `${dialect}: ${JSON.stringify(row)}`);
    assert.equal(line.completion_tokens, completion, dialect);
    assert.equal(line.usage_estimated, true, dialect);
  }
});

// Sends a streamed request on a raw socket and hangs up once `events` events arrived.
async function hangUpAfter(gw, path, body, events, headers = []) {
  const c = await rawConnect(gw.port);
  const payload = JSON.stringify(body);
  c.socket.write(`POST ${path} HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${KEY}\r\ncontent-type: application/json\r\n` +
    headers.map((h) => `${h}\r\n`).join("") + `content-length: ${Buffer.byteLength(payload)}\r\n\r\n${payload}`);
  for (let i = 0; i < 200 && (c.received().match(/\ndata: \{/g) ?? []).length < events; i++) await sleep(10);
  const received = c.received();
  c.socket.destroy();
  return received;
}

test("a client that hangs up mid-stream is billed what was relayed, and audit, access log and ledger agree", async () => {
  const mock = await startMock();
  const dir = tempDir();
  const gw = await startGateway(dialectConfig(mock, dir));
  const next = meter(gw, dir);
  let requests = 0;
  for (const [dialect, path, body] of streams) {
    const received = await hangUpAfter(gw, path, body, 8, [
      "x-mock-completion-tokens: 400", "x-mock-chunks: 40", "x-mock-chunk-delay-ms: 100",
    ]);
    const seen = relayedTextBytes(received.replace(/\r\n[0-9a-f]+\r\n/g, "\n"));
    assert.ok(seen > 0, `${dialect}: the client read part of the answer`);
    requests++;
    const { completion, line } = await next();
    // At least what the client read; at most a few more events the gateway relayed as it
    // went (the upstream request is cancelled at once): never the whole 400-word answer.
    assert.ok(completion >= Math.ceil(seen / 4) && completion < 400, `${dialect}: ${completion} tokens for ${seen} bytes read`);
    assert.equal(line.usage_estimated, true, dialect);
    assert.equal(line.completion_tokens, completion, dialect);
    const access = await accessLineOf(gw, line.request_id);
    assert.equal(access.completion_tokens, completion, dialect);
    assert.equal(access.prompt_tokens, line.prompt_tokens, dialect);
    assert.equal(access.usage_estimated, true, dialect);
  }
  // The ledger holds what the audit lines say, request for request.
  const lines = await auditAfter(dir, requests);
  const row = await ledger(gw);
  assert.equal(row.prompt_tokens, lines.reduce((sum, l) => sum + l.prompt_tokens, 0));
  assert.equal(row.completion_tokens, lines.reduce((sum, l) => sum + l.completion_tokens, 0));
});

test("an answer without usage is billed its estimate, and the audit and access lines show that same estimate", async () => {
  const mock = await startMock();
  const dir = tempDir();
  const gw = await startGateway(config({ mockUrl: mock.url, dir, limits: "{rpm: 1}" }));
  // The mock echoes endpoints it does not model, with no usage in the answer.
  const input = "x".repeat(400);
  let r = await curl([`${gw.base}/v1/moderations`, "-H", `authorization: Bearer ${KEY}`, "-d", JSON.stringify({ model: "gpt-test", input })]);
  assert.equal(r.status, 200, r.body);
  assert.equal(json(r.body).object, "echo");
  const row = await ledgerAfter(gw, 1);
  assert.equal(row.prompt_tokens, 100, "four bytes a token");
  const [line] = await auditAfter(dir, 1);
  assert.equal(line.prompt_tokens, row.prompt_tokens);
  assert.equal(line.completion_tokens, row.completion_tokens);
  assert.equal(line.usage_reported, false);
  assert.equal(line.usage_estimated, true);
  let access = await accessLineOf(gw, line.request_id);
  assert.equal(access.prompt_tokens, row.prompt_tokens);
  assert.equal(access.usage_estimated, true);

  // Refused by the limits stage, before routing: the access line still names the model asked for.
  r = await curl([`${gw.base}/v1/chat/completions`, "-H", `authorization: Bearer ${KEY}`,
    "-d", JSON.stringify({ model: "gpt-test", messages: [{ role: "user", content: "hi" }] })]);
  assert.equal(r.status, 429);
  const refused = (await auditAfter(dir, 2))[1];
  access = await accessLineOf(gw, refused.request_id);
  assert.equal(access.model_requested, "gpt-test");
  assert.equal(refused.model_requested, "gpt-test");
  assert.equal(access.model, null, "nothing served it");
  assert.equal(access.prompt_tokens, 0, "nothing charged");
  assert.equal(refused.prompt_tokens, 0);
  assert.equal((await ledger(gw)).requests, 1, "a refused request is not in the ledger");
});

// `count` requests at once, each answered after a second: all in flight together even when
// starting the curls takes a few hundred ms on a loaded machine (with 300 ms, the first
// answers came back before the last requests were sent, once, beside a build).
function concurrently(gws, count, { maxTokens, completion, requestId }) {
  return Promise.all(Array.from({ length: count }, (_, i) => {
    const body = { model: "gpt-test", messages: [{ role: "user", content: "hello there" }] };
    if (maxTokens !== undefined) body.max_tokens = maxTokens;
    const args = [`${gws[i % gws.length].base}/v1/chat/completions`, "-H", `authorization: Bearer ${KEY}`,
      "-H", `x-mock-latency-ms: ${1000 * SLOW}`, "-H", `x-mock-completion-tokens: ${completion}`];
    if (requestId) args.push("-H", `x-request-id: ${requestId}`);
    args.push("-d", JSON.stringify(body));
    return curl(args);
  }));
}

function assertQuotaRefusals(results) {
  const refused = results.filter((r) => r.status === 429);
  assert.ok(refused.length > 0, "some were refused");
  for (const r of refused) assert.equal(json(r.body).error.code, "insufficient_quota", r.body);
  assert.ok(results.every((r) => r.status === 200 || r.status === 429), results.map((r) => r.status).join(","));
  return results.filter((r) => r.status === 200).length;
}

// In process, and in Redis shared by two replicas (requests spread over both).
const stores = [
  ["in process", async () => [""]],
  ["in Redis, two replicas", async () => {
    const redis = await startRedis();
    const prefix = `billing-${Math.random().toString(16).slice(2)}`;
    return [`  redis: ${redis.url}\n  key_prefix: "${prefix}:"\n`, `  redis: ${redis.url}\n  key_prefix: "${prefix}:"\n`];
  }],
];

async function gateways(mock, states, limits, extra = "") {
  const dir = tempDir();
  const gws = [];
  for (const state of states) gws.push(await startGateway(config({ mockUrl: mock.url, dir: tempDir(), limits, state, extra })));
  return { gws, dir };
}

for (const [store, states] of stores) {
  test(`20 requests at once cannot spend past a $0.05 budget (${store})`, async () => {
    const mock = await startMock();
    // $0.001 a token: a request of about 3 prompt and 10 completion tokens costs ~$0.013.
    const { gws } = await gateways(mock, await states(), "{budget_usd_per_month: 0.05}",
      "pricing:\n  mock-model-1: {input: 1000, output: 1000}\n");
    const served = assertQuotaRefusals(await concurrently(gws, 20, { maxTokens: 10, completion: 10 }));
    const row = await ledgerAfter(gws[0], served);
    assert.ok(row.cost_usd <= 0.05, `spent $${row.cost_usd} of $0.05 with ${served} served`);
    assert.ok(served >= 3, `the budget was used, not refused outright: ${served}`);
    // Every reservation was given back: what is left still serves a small request.
    const left = 0.05 - row.cost_usd;
    const r = await curl([`${gws[0].base}/v1/chat/completions`, "-H", `authorization: Bearer ${KEY}`, "-H", "x-mock-completion-tokens: 1",
      "-d", JSON.stringify({ model: "gpt-test", max_tokens: Math.floor(left / 0.001) - 4, messages: [{ role: "user", content: "hi" }] })]);
    assert.equal(r.status, 200, `$${left} left: ${r.body}`);
  });

  test(`10 requests at once cannot pass tokens_per_day, with or without max_tokens (${store})`, async () => {
    const mock = await startMock();
    const { gws } = await gateways(mock, await states(), "{tokens_per_day: 1500}");
    // With max_tokens (and an answer that keeps to it) the quota holds exactly.
    let served = assertQuotaRefusals(await concurrently(gws, 10, { maxTokens: 300, completion: 300 }));
    let row = await ledgerAfter(gws[0], served);
    assert.ok(row.total_tokens <= 1500, `${row.total_tokens} tokens with ${served} served`);
    assert.ok(served >= 3, `${served} served`);

    // Without max_tokens each reserves limits.default_completion_tokens (1024 by default):
    // a fresh day's worth of 1500 admits one answer of 1000 at a time.
    const next = await gateways(mock, await states(), "{tokens_per_day: 1500}");
    served = assertQuotaRefusals(await concurrently(next.gws, 10, { completion: 1000 }));
    row = await ledgerAfter(next.gws[0], served);
    assert.equal(served, 1);
    assert.ok(row.total_tokens <= 1500, `${row.total_tokens} tokens`);
  });
}

test("a client repeating one x-request-id gets no more requests in flight than max_parallel (Redis)", async () => {
  const mock = await startMock();
  const [state] = await stores[1][1]();
  const { gws } = await gateways(mock, [state, state], "{max_parallel: 2}");
  const results = await concurrently(gws, 8, { completion: 5, requestId: "same-id-every-time" });
  assert.equal(results.filter((r) => r.status === 200).length, 2, results.map((r) => r.status).join(","));
  // The slots are free again afterwards (given back in Redis just after each answer: the
  // ledger holds both once they are).
  await ledgerAfter(gws[0], 2);
  const again = await concurrently(gws, 2, { completion: 5, requestId: "same-id-every-time" });
  assert.deepEqual(again.map((r) => r.status), [200, 200]);
});

test("what a dead replica reserved in Redis is given back once its lease has passed", async () => {
  const mock = await startMock();
  const redis = await startRedis();
  const prefix = "dead-replica";
  const state = `  redis: ${redis.url}\n  key_prefix: "${prefix}:"\n`;
  const { gws } = await gateways(mock, [state], "{tokens_per_day: 1500}");
  const cli = (...args) => {
    const r = spawnSync("redis-cli", ["-p", String(redis.port), ...args], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.trim();
  };
  const ask = () => curl([`${gws[0].base}/v1/chat/completions`, "-H", `authorization: Bearer ${KEY}`, "-H", "x-mock-completion-tokens: 5",
    "-d", JSON.stringify({ model: "gpt-test", messages: [{ role: "user", content: "hi" }] })]);
  // A replica that died holding 1,400 tokens of the quota, its lease still running.
  const nowUs = Number(cli("TIME").split("\n")[0]) * 1e6;
  cli("ZADD", `${prefix}:par:key:app`, String(nowUs + 60e6), "dead-1");
  cli("HSET", `${prefix}:resv:key:app`, "dead-1", "1400 0", "tokens", "1400", "cost", "0");
  let r = await ask();
  assert.equal(r.status, 429, "a live reservation counts");
  assert.equal(json(r.body).error.code, "insufficient_quota");
  // Its lease ends: the next admission gives the 1,400 tokens back.
  cli("ZADD", `${prefix}:par:key:app`, String(nowUs - 1e6), "dead-1");
  r = await ask();
  assert.equal(r.status, 200, r.body);
  await ledgerAfter(gws[0], 1);
  assert.equal(cli("HGET", `${prefix}:resv:key:app`, "tokens"), "0");
  assert.equal(cli("HEXISTS", `${prefix}:resv:key:app`, "dead-1"), "0");
});
