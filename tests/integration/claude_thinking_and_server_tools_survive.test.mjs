// Claude Code's way of working through tollgate, with the official @anthropic-ai/sdk against
// an anthropic-kind target (the mock speaking Anthropic's wire format): extended thinking with
// tool use over two turns, plain and streamed. The SDK gets the thinking block with its
// signature (and redacted thinking) exactly as the provider sent it, sends it back, and the
// second turn reaches the provider with it byte for byte (the mock refuses a missing or
// altered one, as Anthropic does). Server tools (web search) work for an anthropic target,
// their blocks and citations intact, and are refused with Anthropic's 400 naming the field
// for an OpenAI-kind one. pii still masks the prompt and restores the answer's text around
// the thinking blocks, which reach the provider again unchanged. The cache replays them;
// an OpenAI client of the same target never sees them.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { basicConfig, lastUpstreamRequest, sleep, startGateway, startMock, stopAll } from "./lib/harness.mjs";
import { mockCalls } from "./lib/cache_helpers.mjs";
import { validate } from "./lib/openapi.mjs";

const KEY = "tg-claude-code-0001";
let mock, gw;

before(async () => {
  mock = await startMock();
  const root = `http://127.0.0.1:${mock.port}`;
  const provider = `  - {name: claude, kind: anthropic, forward_headers: ["x-mock-*"], base_url: "${root}", api_key: sk-ant-provider-secret, timeout: 5s}`;
  const models = `  - name: claude-sonnet
    targets: [{provider: claude, model: claude-mock-1}]
  - name: gpt-first
    targets: [{provider: mock, model: mock-model-1}]
    fallbacks: [claude-sonnet]`;
  gw = await startGateway(basicConfig({ mockUrl: mock.url, provider, models }) + `keys:
  - {id: claude-code, key: ${KEY}}
pii:
  direction: both
  entities: {email: pseudonymize}
  hash_key: test-hash-key-0123456789
`);
});
after(stopAll);

const client = () => new Anthropic({ baseURL: gw.base, apiKey: KEY, maxRetries: 0, timeout: 20000 });
const upstream = async () => {
  const up = await lastUpstreamRequest(mock);
  return { raw: up.body, json: JSON.parse(up.body), headers: up.headers };
};

const THINKING = "The user wants the weather. I should call get_weather for Paris.";
const REDACTED = "EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpP";
const TOOLS = [{
  name: "get_weather",
  description: "The weather in a city",
  input_schema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
}];
const THINK = { type: "enabled", budget_tokens: 2048 };
const steer = (extra = {}) => ({
  headers: {
    "x-mock-thinking": THINKING,
    "x-mock-redacted-thinking": REDACTED,
    "x-mock-tool-use": JSON.stringify({ name: "get_weather", input: { city: "Paris" } }),
    ...extra,
  },
});
const firstTurn = (content = "What is the weather in Paris?") => ({
  model: "claude-sonnet", max_tokens: 4096, thinking: THINK, tools: TOOLS,
  messages: [{ role: "user", content }],
});
const secondTurn = (first, answer, content) => ({
  model: "claude-sonnet", max_tokens: 4096, thinking: THINK, tools: TOOLS,
  messages: [
    ...first.messages,
    { role: "assistant", content: answer.content },
    { role: "user", content: [{ type: "tool_result", tool_use_id: answer.content.at(-1).id, content }] },
  ],
});

// The answer opens with the provider's thinking (text and signature) and redacted thinking.
function checkThinking(message) {
  assert.deepEqual(message.content.map((b) => b.type), ["thinking", "redacted_thinking", "text", "tool_use"]);
  assert.equal(message.content[0].thinking, THINKING);
  assert.match(message.content[0].signature, /^EuYBCkQYAiJAmock[0-9a-f]{16}\+\/=$/);
  assert.equal(message.content[1].data, REDACTED);
  assert.deepEqual(message.content[3].input, { city: "Paris" });
  assert.equal(message.stop_reason, "tool_use");
}

// The second turn reached the provider with the first answer's thinking blocks unchanged.
async function checkSentBack(answer) {
  const up = await upstream();
  const assistant = up.json.messages.find((m) => m.role === "assistant");
  assert.deepEqual(assistant.content[0], answer.content[0]);
  assert.deepEqual(assistant.content[1], answer.content[1]);
  assert.ok(up.raw.includes(`"signature":"${answer.content[0].signature}"`), "signature byte for byte");
  assert.deepEqual(up.json.thinking, THINK, "thinking passed as the client asked it");
  return up;
}

test("two turns of thinking with tool use, plain: the signature goes out and comes back", async () => {
  const first = firstTurn();
  const answer = await client().messages.create(first, steer());
  checkThinking(answer);
  const second = secondTurn(first, answer, "18°C, sunny");
  const done = await client().messages.create(second, { headers: { "x-mock-answer": "It is sunny." } });
  assert.equal(done.content.at(-1).text, "It is sunny.");
  await checkSentBack(answer);

  // Without its thinking block the turn fails at the provider, as it did before the fix.
  const stripped = structuredClone(second);
  stripped.messages[1].content = answer.content.filter((b) => b.type !== "thinking" && b.type !== "redacted_thinking");
  await assert.rejects(client().messages.create(stripped), (e) => {
    assert.ok(e instanceof Anthropic.BadRequestError, e.constructor.name);
    assert.match(e.error.error.message, /must start with a thinking block/);
    return true;
  });
});

test("two turns of thinking with tool use, streamed: thinking and signature deltas at their indices", async () => {
  const first = { ...firstTurn(), stream: true };
  const stream = client().messages.stream(first, steer({ "x-mock-chunks": "3" }));
  const events = [];
  for await (const event of stream) events.push(event);
  const answer = await stream.finalMessage();
  checkThinking(answer);
  const starts = events.filter((e) => e.type === "content_block_start");
  assert.deepEqual(starts.map((e) => [e.index, e.content_block.type]),
    [[0, "thinking"], [1, "redacted_thinking"], [2, "text"], [3, "tool_use"]]);
  const deltas = events.filter((e) => e.type === "content_block_delta" && e.index === 0).map((e) => e.delta.type);
  assert.deepEqual(deltas, ["thinking_delta", "thinking_delta", "signature_delta"]);
  for (const e of events.filter((e) => e.type === "content_block_delta" || e.type === "content_block_stop")) {
    assert.ok(e.index < starts.length, "every delta and stop names an opened block");
  }

  const second = { ...secondTurn(first, answer, "18°C, sunny"), stream: true };
  const next = client().messages.stream(second, { headers: { "x-mock-answer": "It is sunny." } });
  const done = await next.finalMessage();
  assert.equal(done.content.at(-1).text, "It is sunny.");
  await checkSentBack(answer);
});

test("web search, a server tool, for an anthropic target: its blocks and citations come back", async () => {
  const params = {
    model: "claude-sonnet", max_tokens: 1024,
    tools: [{ type: "web_search_20250305", name: "web_search", max_uses: 2 }],
    messages: [{ role: "user", content: "What is new in tollgate?" }],
  };
  const headers = { headers: { "x-mock-web-search": "tollgate news", "x-mock-answer": "Nothing else." } };
  for (const stream of [false, true]) {
    const message = stream
      ? await client().messages.stream(params, headers).finalMessage()
      : await client().messages.create(params, headers);
    assert.deepEqual(message.content.map((b) => b.type),
      ["server_tool_use", "web_search_tool_result", "text", "text"], `stream: ${stream}`);
    assert.deepEqual(message.content[0].input, { query: "tollgate news" });
    assert.equal(message.content[1].content[0].url, "https://example.com/mock-result");
    assert.equal(message.content[2].citations[0].type, "web_search_result_location");
    assert.equal(message.content[2].citations[0].cited_text, "mock cited text");
    assert.equal(message.content[3].text, "Nothing else.");
    assert.deepEqual((await upstream()).json.tools, params.tools, "the server tool reached Anthropic as sent");
  }
});

test("Anthropic-only fields for an OpenAI-kind model: Anthropic's 400 naming the field", async () => {
  const base = { max_tokens: 64, messages: [{ role: "user", content: "hi" }] };
  const cases = [
    [{ model: "gpt-test", tools: [{ type: "web_search_20250305", name: "web_search" }] }, "tools[0].type", /web_search_20250305/],
    [{ model: "gpt-test", mcp_servers: [{ type: "url", url: "https://mcp.example.com", name: "x" }] }, "mcp_servers", /mcp_servers/],
  ];
  const callsBefore = await mockCalls(mock);
  for (const [params, param, message] of cases) {
    const res = await fetch(`${gw.base}/v1/messages`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": KEY, "anthropic-version": "2023-06-01" },
      body: JSON.stringify({ ...base, ...params }),
    });
    assert.equal(res.status, 400);
    const body = await res.json();
    assert.equal(body.type, "error");
    assert.equal(body.error.type, "invalid_request_error");
    assert.match(body.error.message, message);
    assert.match(body.error.message, /non-Anthropic model/);
    assert.ok(body.error.message.includes(`\`${param}\``), body.error.message);
    assert.equal(await mockCalls(mock), callsBefore, "no provider was called");
  }
  // A chain whose first model is OpenAI-kind skips it for the anthropic one behind it.
  const skipped = await client().messages.create({
    ...base, model: "gpt-first", tools: [{ type: "web_search_20250305", name: "web_search" }],
  });
  assert.equal(skipped.content.at(-1).type, "text");
  assert.equal((await upstream()).json.tools[0].type, "web_search_20250305");
});

test("pii, both directions, around thinking: the prompt masked, the text restored, the thinking intact", async () => {
  const first = firstTurn("Write to ann@example.com about the weather in Paris.");
  const answer = await client().messages.create(first, steer({ "x-mock-answer": "I will write to [EMAIL_1]." }));
  checkThinking(answer);
  assert.equal(answer.content[2].text, "I will write to ann@example.com.");
  let up = await upstream();
  assert.ok(!up.raw.includes("ann@example.com"), "the provider never sees the address");
  assert.deepEqual(up.json.thinking, THINK);
  assert.deepEqual(up.json.tools, TOOLS);

  // The second turn is changed by pii (the address in its history): translated, and still
  // carrying the thinking blocks where they were.
  const second = { ...secondTurn(first, answer, "sent"), stream: true };
  // Claude Code's prompt caching marks, on the system prompt and the last tool result.
  second.system = [{ type: "text", text: "You are a coding agent.", cache_control: { type: "ephemeral" } }];
  second.messages[2].content[0].cache_control = { type: "ephemeral" };
  const beta = "interleaved-thinking-2025-05-14";
  const next = client().messages.stream(second, {
    headers: { "x-mock-answer": "Mailed [EMAIL_1].", "anthropic-beta": beta },
  });
  const done = await next.finalMessage();
  assert.equal(done.content.at(-1).text, "Mailed ann@example.com.");
  up = await checkSentBack(answer);
  assert.ok(!up.raw.includes("ann@example.com"), "the provider never sees the address");
  assert.equal(up.headers["anthropic-beta"], beta, "the client's betas still apply");
  assert.deepEqual(up.json.system, second.system, "caching marks kept");
  assert.deepEqual(up.json.messages[2].content[0].cache_control, { type: "ephemeral" });
});

test("answers replayed from the cache keep their thinking blocks, whole and streamed", async () => {
  const cached = await startGateway(basicConfig({
    mockUrl: mock.url,
    provider: `  - {name: claude, kind: anthropic, forward_headers: ["x-mock-*"], base_url: "http://127.0.0.1:${mock.port}", api_key: sk-ant-provider-secret, timeout: 5s}`,
    models: "  - name: claude-sonnet\n    targets: [{provider: claude, model: claude-mock-1}]",
  }) + `keys:\n  - {id: claude-code, key: ${KEY}}\ncache:\n  scope: key\n  exact: {ttl: 1h}\n  skip: {tools: false}\n`);
  const cc = new Anthropic({ baseURL: cached.base, apiKey: KEY, maxRetries: 0, timeout: 20000 });
  for (const stream of [false, true]) {
    const params = { ...firstTurn(`Weather in Paris, ${stream ? "streamed" : "whole"}?`), stream };
    const ask = async (options) => {
      const r = stream
        ? await cc.messages.stream(params, options).withResponse()
        : await cc.messages.create(params, options).withResponse();
      const message = stream ? await r.data.finalMessage() : r.data;
      return { cache: r.response.headers.get("x-tollgate-cache"), message };
    };
    const first = await ask(steer());
    assert.equal(first.cache, "miss");
    await sleep(50);
    checkThinking(first.message);
    const again = await ask();
    assert.equal(again.cache, "hit", `stream: ${stream}`);
    checkThinking(again.message);
    assert.deepEqual(again.message.content.slice(0, 2), first.message.content.slice(0, 2));
  }
  // Given again only in the form it was stored in (the other would lose the blocks).
  const text = async (stream) => {
    const params = { model: "claude-sonnet", max_tokens: 4096, thinking: THINK, stream,
      messages: [{ role: "user", content: "Just think." }] };
    const options = { headers: { "x-mock-thinking": THINKING } };
    const r = stream
      ? await cc.messages.stream(params, options).withResponse()
      : await cc.messages.create(params, options).withResponse();
    const message = stream ? await r.data.finalMessage() : r.data;
    assert.equal(message.content[0].signature.length > 0, true);
    await sleep(50); // stored once the answer is out
    return r.response.headers.get("x-tollgate-cache");
  };
  assert.equal(await text(true), "miss");
  assert.equal(await text(true), "hit");
  assert.equal(await text(false), "miss"); // a text-only answer, but not given whole
  assert.equal(await text(false), "hit");
});

test("an OpenAI client of the same target never sees Claude's blocks: bodies valid per OpenAI's spec", async () => {
  const openai = new OpenAI({ baseURL: `${gw.base}/v1`, apiKey: KEY, maxRetries: 0, timeout: 20000 });
  const headers = { headers: { "x-mock-thinking": THINKING, "x-mock-web-search": "q", "x-mock-answer": "Plain." } };
  const body = { model: "claude-sonnet", messages: [{ role: "user", content: "hi" }] };
  const whole = await openai.chat.completions.create(body, headers);
  const plain = (v) => JSON.parse(JSON.stringify(v));
  validate("CreateChatCompletionResponse", plain(whole));
  assert.ok(!JSON.stringify(whole).includes("x_tollgate"), "no extension member");
  assert.ok(!JSON.stringify(whole).includes("signature"), "no thinking");
  assert.equal(whole.choices[0].message.content, "According to the search, mock.Plain.");
  const stream = await openai.chat.completions.create({ ...body, stream: true }, headers);
  for await (const chunk of stream) {
    validate("CreateChatCompletionStreamResponse", plain(chunk));
    assert.ok(!JSON.stringify(chunk).includes("x_tollgate"), "no extension member");
  }
});
