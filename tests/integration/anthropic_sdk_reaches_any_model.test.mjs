// A Claude SDK user (the official @anthropic-ai/sdk, unchanged but for its base URL) reaches
// any configured model through tollgate's /v1/messages: an OpenAI-kind target (translated
// both ways, every stage applying) and an anthropic-kind one (the client's own body, model
// replaced). Every answer and stream event is checked against Anthropic's published shapes.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import Anthropic from "@anthropic-ai/sdk";
import { SLOW, basicConfig, curl, lastUpstreamRequest, sleep, startGateway, startMock, stopAll } from "./lib/harness.mjs";

const KEY = "tg-claude-user-0001";
const LIMITED = "tg-claude-limited-01";
let mock, gw, claude, models;

// basicConfig's mock provider serves gpt-test (an OpenAI-kind model); claude-sonnet is
// served by the same mock speaking Anthropic's wire format.
before(async () => {
  mock = await startMock();
  const root = `http://127.0.0.1:${mock.port}`;
  claude = `  - {name: claude, kind: anthropic, forward_headers: ["x-mock-*"], base_url: "${root}", api_key: sk-ant-provider-secret, timeout: 5s}`;
  models = "  - name: claude-sonnet\n    targets: [{provider: claude, model: claude-mock-1}]";
  gw = await startGateway(basicConfig({ mockUrl: mock.url, provider: claude, models }) + `keys:
  - {id: claude-user, key: ${KEY}}
  - {id: limited, key: ${LIMITED}, limits: {rpm: 1}}
pii:
  entities: {email: pseudonymize}
  hash_key: test-hash-key-0123456789
`);
});
after(stopAll);

const client = (options = {}) =>
  new Anthropic({ baseURL: gw.base, apiKey: KEY, maxRetries: 0, timeout: 20000, ...options });
const upstream = async () => {
  const up = await lastUpstreamRequest(mock);
  return { ...up, json: JSON.parse(up.body) };
};

// ---- Anthropic's shapes (docs.anthropic.com/en/api/messages and .../messages-streaming) ----
const isInt = (v) => Number.isInteger(v) && v >= 0;
function checkUsage(u, where) {
  assert.ok(u && typeof u === "object", `${where}: usage object`);
  assert.ok(isInt(u.output_tokens), `${where}: usage.output_tokens`);
  if (u.input_tokens !== undefined) assert.ok(isInt(u.input_tokens), `${where}: usage.input_tokens`);
}
function checkBlock(b, where) {
  assert.ok(["text", "tool_use", "thinking"].includes(b.type), `${where}: block type ${b.type}`);
  if (b.type === "text") assert.equal(typeof b.text, "string", `${where}: text`);
  if (b.type === "tool_use") {
    assert.match(b.id, /\S/, `${where}: tool_use.id`);
    assert.equal(typeof b.name, "string");
    assert.equal(typeof b.input, "object");
  }
}
const STOP_REASONS = ["end_turn", "max_tokens", "stop_sequence", "tool_use", "pause_turn", "refusal"];
function checkMessage(m) {
  assert.match(m.id, /^msg_/);
  assert.equal(m.type, "message");
  assert.equal(m.role, "assistant");
  assert.equal(typeof m.model, "string");
  assert.ok(Array.isArray(m.content));
  m.content.forEach((b, i) => checkBlock(b, `content[${i}]`));
  assert.ok(STOP_REASONS.includes(m.stop_reason), `stop_reason ${m.stop_reason}`);
  assert.ok(m.stop_sequence === null || typeof m.stop_sequence === "string");
  checkUsage(m.usage, "message");
  assert.ok(isInt(m.usage.input_tokens));
}
// The event sequence: message_start, then blocks opened, fed and closed one at a time,
// then message_delta and message_stop; ping anywhere.
function checkEvents(events) {
  assert.equal(events[0].type, "message_start");
  const m = events[0].message;
  assert.deepEqual([m.type, m.role, m.content.length], ["message", "assistant", 0]);
  checkUsage(m.usage, "message_start");
  let open = null;
  let next = 0;
  for (const e of events.slice(1, -2)) {
    if (e.type === "ping") continue;
    if (e.type === "content_block_start") {
      assert.equal(open, null, "one block open at a time");
      assert.equal(e.index, next++);
      checkBlock(e.content_block, "content_block_start");
      open = e.content_block.type;
    } else if (e.type === "content_block_delta") {
      assert.equal(e.index, next - 1);
      const want = { text: "text_delta", tool_use: "input_json_delta", thinking: "thinking_delta" }[open];
      assert.equal(e.delta.type, want);
      if (want === "text_delta") assert.equal(typeof e.delta.text, "string");
      if (want === "input_json_delta") assert.equal(typeof e.delta.partial_json, "string");
    } else if (e.type === "content_block_stop") {
      assert.equal(e.index, next - 1);
      open = null;
    } else {
      assert.fail(`unexpected event ${e.type}`);
    }
  }
  assert.equal(open, null, "every block closed");
  const delta = events.at(-2);
  assert.equal(delta.type, "message_delta");
  assert.ok(STOP_REASONS.includes(delta.delta.stop_reason));
  checkUsage(delta.usage, "message_delta");
  assert.equal(events.at(-1).type, "message_stop");
}
async function streamed(params, options) {
  const stream = client().messages.stream(params, options);
  const events = [];
  for await (const event of stream) events.push(JSON.parse(JSON.stringify(event)));
  const message = await stream.finalMessage();
  checkEvents(events);
  checkMessage(message);
  return { events, message };
}

test("plain message to an OpenAI-kind model: system prompt and turns translated, Anthropic's Message back", async () => {
  const { data, response } = await client()
    .messages.create({
      model: "gpt-test",
      max_tokens: 64,
      system: "You are terse.",
      stop_sequences: ["END"],
      messages: [
        { role: "user", content: "Hi" },
        { role: "assistant", content: "Hello." },
        { role: "user", content: [{ type: "text", text: "How are you?" }] },
      ],
    })
    .withResponse();
  checkMessage(data);
  assert.equal(data.model, "mock-model-1");
  assert.equal(data.content[0].text, "The quick brown fox jumps over the lazy");
  assert.equal(data.stop_reason, "end_turn");
  // The mock counts words of every message, the system prompt included.
  assert.deepEqual([data.usage.input_tokens, data.usage.output_tokens], [8, 8]);
  assert.equal(response.headers.get("x-tollgate-provider"), "mock");
  const up = await upstream();
  assert.equal(up.target, "/v1/chat/completions");
  assert.equal(up.headers.authorization, "Bearer sk-provider-secret");
  assert.equal(up.headers["x-api-key"], undefined, "the client's key never reaches a provider");
  assert.deepEqual(up.json, {
    model: "mock-model-1",
    messages: [
      { role: "system", content: "You are terse." },
      { role: "user", content: "Hi" },
      { role: "assistant", content: "Hello." },
      { role: "user", content: "How are you?" },
    ],
    max_tokens: 64,
    stop: ["END"],
  });
});

test("streamed message to an OpenAI-kind model: Anthropic's events, usage in message_delta", async () => {
  const { events, message } = await streamed({
    model: "gpt-test",
    max_tokens: 64,
    messages: [{ role: "user", content: "tell me" }],
  });
  assert.equal(message.content[0].text, "The quick brown fox jumps over the lazy");
  const deltas = events.filter((e) => e.type === "content_block_delta");
  assert.ok(deltas.length >= 5, "event by event, as the provider sent them");
  assert.equal(deltas.map((e) => e.delta.text).join(""), message.content[0].text);
  assert.deepEqual([message.usage.input_tokens, message.usage.output_tokens], [2, 8]);
  const up = await upstream();
  assert.equal(up.json.stream, true);
  assert.deepEqual(up.json.stream_options, { include_usage: true });
});

test("tool use round trip with an OpenAI-kind model, plain and streamed", async () => {
  const tools = [
    {
      name: "get_weather",
      description: "Weather in a city",
      input_schema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
    },
  ];
  const headers = { "x-mock-tool-call": 'get_weather {"city":"Paris"}' };
  const first = await client().messages.create(
    { model: "gpt-test", max_tokens: 64, tools, tool_choice: { type: "any" }, messages: [{ role: "user", content: "Weather in Paris?" }] },
    { headers },
  );
  checkMessage(first);
  assert.equal(first.stop_reason, "tool_use");
  assert.deepEqual(first.content, [{ type: "tool_use", id: "call_mock1", name: "get_weather", input: { city: "Paris" } }]);
  let up = await upstream();
  assert.deepEqual(up.json.tools, [
    { type: "function", function: { name: "get_weather", description: "Weather in a city", parameters: tools[0].input_schema } },
  ]);
  assert.equal(up.json.tool_choice, "required");

  const { message } = await streamed({ model: "gpt-test", max_tokens: 64, tools, messages: [{ role: "user", content: "Weather?" }] }, { headers });
  assert.deepEqual(message.content, first.content);
  assert.equal(message.stop_reason, "tool_use");

  const answer = await client().messages.create({
    model: "gpt-test",
    max_tokens: 64,
    tools,
    messages: [
      { role: "user", content: "Weather in Paris?" },
      { role: "assistant", content: first.content },
      { role: "user", content: [{ type: "tool_result", tool_use_id: "call_mock1", content: "18 C and sunny" }, { type: "text", text: "Thanks" }] },
    ],
  });
  checkMessage(answer);
  up = await upstream();
  assert.deepEqual(up.json.messages.slice(1), [
    { role: "assistant", content: null, tool_calls: [{ id: "call_mock1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }] },
    { role: "tool", tool_call_id: "call_mock1", content: "18 C and sunny" },
    { role: "user", content: "Thanks" },
  ]);
});

test("an anthropic-kind model gets the client's own body (model replaced), plain and streamed", async () => {
  const params = {
    model: "claude-sonnet",
    max_tokens: 100,
    system: [{ type: "text", text: "Be brief.", cache_control: { type: "ephemeral" } }],
    messages: [{ role: "user", content: "hello claude" }],
  };
  const message = await client().messages.create(params, { headers: { "anthropic-version": "2023-06-01" } });
  checkMessage(message);
  assert.equal(message.id, "msg_mock01");
  assert.match(message.content[0].text, /quick brown fox/);
  let up = await upstream();
  assert.equal(up.target, "/v1/messages");
  assert.equal(up.headers["x-api-key"], "sk-ant-provider-secret");
  assert.equal(up.headers["anthropic-version"], "2023-06-01");
  assert.deepEqual(up.json, { ...params, model: "claude-mock-1" }, "cache_control and all, as the client wrote it");

  const { message: streamedMessage } = await streamed({ ...params, messages: [{ role: "user", content: "again" }] });
  assert.match(streamedMessage.content[0].text, /quick brown fox/);
  up = await upstream();
  assert.equal(up.json.stream, true);
  assert.equal(up.json.model, "claude-mock-1");
});

test("pii applies to Anthropic clients too: masked for the provider, restored in the answer", async () => {
  const headers = { "x-mock-answer": "I will mail [EMAIL_1] today." };
  const plain = await client().messages.create(
    { model: "gpt-test", max_tokens: 20, messages: [{ role: "user", content: "Mail ann@example.com please" }] },
    { headers },
  );
  assert.equal(plain.content[0].text, "I will mail ann@example.com today.");
  assert.equal((await upstream()).json.messages[0].content, "Mail [EMAIL_1] please");
  // A changed request is translated for an anthropic target: the client's bytes would leak.
  await client().messages.create({ model: "claude-sonnet", max_tokens: 20, messages: [{ role: "user", content: "Mail ann@example.com please" }] });
  const up = await upstream();
  assert.doesNotMatch(up.body, /ann@example\.com/);
  assert.equal(up.json.model, "claude-mock-1");
});

test("count_tokens: estimated by the gateway for an OpenAI model, counted by an anthropic one", async () => {
  const messages = [{ role: "user", content: "one two three four five six seven eight" }];
  const estimated = await client().messages.countTokens({ model: "gpt-test", messages });
  assert.ok(isInt(estimated.input_tokens) && estimated.input_tokens > 0);
  const counted = await client().messages.countTokens({ model: "claude-sonnet", messages });
  assert.deepEqual(counted, { input_tokens: 11 });
  const up = await upstream();
  assert.equal(up.target, "/v1/messages/count_tokens");
  assert.deepEqual(up.json, { model: "claude-mock-1", messages });
});

test("errors are Anthropic's: 401 AuthenticationError for a bad x-api-key, 404 for an unknown model", async () => {
  await assert.rejects(client({ apiKey: "tg-wrong" }).messages.create({ model: "gpt-test", max_tokens: 5, messages: [{ role: "user", content: "x" }] }), (e) => {
    assert.ok(e instanceof Anthropic.AuthenticationError, e.constructor.name);
    assert.equal(e.status, 401);
    assert.equal(e.error.type, "error");
    assert.equal(e.error.error.type, "authentication_error");
    return true;
  });
  // Authorization: Bearer (the current SDKs' authToken) works as well as x-api-key.
  const bearer = new Anthropic({ baseURL: gw.base, authToken: KEY, apiKey: null, maxRetries: 0 });
  checkMessage(await bearer.messages.create({ model: "gpt-test", max_tokens: 5, messages: [{ role: "user", content: "x" }] }));
  await assert.rejects(client().messages.create({ model: "nope", max_tokens: 5, messages: [{ role: "user", content: "x" }] }), (e) => {
    assert.ok(e instanceof Anthropic.NotFoundError, e.constructor.name);
    assert.equal(e.error.error.type, "not_found_error");
    return true;
  });
  await assert.rejects(client().messages.create({ model: "gpt-test", messages: [{ role: "user", content: "x" }] }), (e) => {
    assert.ok(e instanceof Anthropic.BadRequestError, e.constructor.name);
    assert.equal(e.error.error.type, "invalid_request_error");
    assert.match(e.error.error.message, /max_tokens/);
    return true;
  });
});

test("a body over max_body_bytes is Anthropic's 413 request_too_large, refused from its content-length", async () => {
  const huge = "x".repeat(4 * 1024 * 1024 + 1); // the default max_body_bytes is 4 MiB
  await assert.rejects(client().messages.create({ model: "gpt-test", max_tokens: 5, messages: [{ role: "user", content: huge }] }), (e) => {
    assert.equal(e.status, 413);
    assert.equal(e.error.type, "error");
    assert.equal(e.error.error.type, "request_too_large");
    assert.match(e.error.error.message, /larger than 4194304 bytes/);
    return true;
  });
});

test("429: RateLimitError with retry-after and anthropic-ratelimit-* from the limits stage", async () => {
  const limited = client({ apiKey: LIMITED });
  const { response } = await limited.messages.create({ model: "gpt-test", max_tokens: 5, messages: [{ role: "user", content: "x" }] }).withResponse();
  assert.equal(response.headers.get("anthropic-ratelimit-requests-limit"), "1");
  assert.equal(response.headers.get("anthropic-ratelimit-requests-remaining"), "0");
  assert.match(response.headers.get("anthropic-ratelimit-requests-reset"), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  await assert.rejects(limited.messages.create({ model: "gpt-test", max_tokens: 5, messages: [{ role: "user", content: "x" }] }), (e) => {
    assert.ok(e instanceof Anthropic.RateLimitError, e.constructor.name);
    assert.equal(e.status, 429);
    assert.equal(e.error.error.type, "rate_limit_error");
    assert.ok(Number(e.headers.get("retry-after")) >= 1);
    assert.equal(e.headers.get("anthropic-ratelimit-requests-remaining"), "0");
    return true;
  });
});

test("a provider's 429 reaches the SDK as RateLimitError, which retries after retry-after", async () => {
  const started = Date.now();
  await assert.rejects(
    client({ maxRetries: 1 }).messages.create(
      { model: "gpt-test", max_tokens: 5, messages: [{ role: "user", content: "x" }] },
      { headers: { "x-mock-status": "429" } },
    ),
    (e) => e instanceof Anthropic.RateLimitError && e.headers.get("retry-after") === "1",
  );
  assert.ok(Date.now() - started >= 900, "the SDK waited retry-after: 1 before its retry");
});

test("cache hits replayed to an Anthropic client are Anthropic's Message and events, for either kind of model", async () => {
  const cached = await startGateway(basicConfig({ mockUrl: mock.url, provider: claude, models }) + `keys:
  - {id: claude-user, key: ${KEY}}
cache: {scope: key, exact: {ttl: 1h}}
`);
  const c = client({ baseURL: cached.base });
  for (const model of ["gpt-test", "claude-sonnet"]) {
    const params = { model, max_tokens: 30, messages: [{ role: "user", content: `remember this, ${model}` }] };
    const results = [];
    // The answer is stored as its request completes, just after the client has it: the
    // repeat waits a moment (a worker preempted in between would otherwise miss).
    for (let i = 0; i < 2; i++) {
      if (i > 0) await sleep(100 * SLOW);
      results.push(await c.messages.create(params).withResponse());
    }
    assert.deepEqual(results.map((r) => r.response.headers.get("x-tollgate-cache")), ["miss", "hit"], model);
    checkMessage(results[1].data);
    assert.deepEqual(results[1].data.content, results[0].data.content);
    assert.equal(results[1].data.stop_reason, results[0].data.stop_reason);

    const runs = [];
    for (let i = 0; i < 2; i++) {
      if (i > 0) await sleep(100 * SLOW);
      const stream = c.messages.stream({ ...params, messages: [{ role: "user", content: `stream this, ${model}` }] });
      const events = [];
      for await (const event of stream) events.push(JSON.parse(JSON.stringify(event)));
      const { response } = await stream.withResponse();
      checkEvents(events);
      runs.push({ cache: response.headers.get("x-tollgate-cache"), message: await stream.finalMessage() });
    }
    assert.deepEqual(runs.map((r) => r.cache), ["miss", "hit"], `${model} streamed`);
    checkMessage(runs[1].message);
    assert.deepEqual(runs[1].message.content, runs[0].message.content);
    assert.deepEqual(runs[1].message.usage, runs[0].message.usage, "usage replayed in message_delta");
  }
});

test("a stream cut by the provider ends with Anthropic's error event", async () => {
  const r = await curl([
    "-N", "-X", "POST", `${gw.base}/v1/messages`, "-H", `x-api-key: ${KEY}`, "-H", "content-type: application/json",
    "-H", "x-mock-drop-after-chunks: 2",
    "-d", JSON.stringify({ model: "gpt-test", max_tokens: 5, stream: true, messages: [{ role: "user", content: "x" }] }),
  ]);
  const events = r.body.split("\n\n").filter((b) => b.includes("data: "));
  const last = events.at(-1);
  assert.match(last, /^event: error\n/);
  const data = JSON.parse(last.slice(last.indexOf("data: ") + 6));
  assert.equal(data.type, "error");
  assert.equal(typeof data.error.type, "string");
  assert.doesNotMatch(r.body, /\[DONE\]/);
});
