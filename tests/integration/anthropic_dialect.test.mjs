// An OpenAI SDK user reaches Claude through tollgate: the gateway translates chat
// completions to Anthropic's Messages API (the mock speaks Anthropic's exact wire format and
// checks the request as Anthropic does) and every answer, chunk and error back to OpenAI's.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import OpenAI from "openai";
import { curl, json, lastUpstreamRequest, sseEvents, startGateway, startMock, stopAll } from "./lib/harness.mjs";
import { validate } from "./lib/openapi.mjs";

let mock;
let gw;
let client;

before(async () => {
  mock = await startMock();
  const root = `http://127.0.0.1:${mock.port}`;
  gw = await startGateway(`server:
  listen: ["127.0.0.1:\${PORT}"]
  admin: 127.0.0.1:\${ADMIN_PORT}
  threads: 2
providers:
  - name: claude
    kind: anthropic
    forward_headers: ["x-mock-*"]
    base_url: ${root}
    api_key: sk-ant-provider-secret
    timeout: 5s
  - name: claude-old
    kind: anthropic
    forward_headers: ["x-mock-*"]
    base_url: ${root}/v1
    api_key: sk-ant-provider-secret
    api_version: "2023-01-01"
models:
  - name: claude
    targets: [{provider: claude, model: claude-mock-1}]
  - name: claude-old-version
    targets: [{provider: claude-old, model: claude-mock-2}]
  - name: claude-with-fallback
    targets: [{provider: claude, model: claude-mock-1}]
    fallbacks: [demo]
    fallback_on: [server_error, rate_limit, connect_error]
  - name: demo
    targets: [{provider: demo, model: demo}]
`);
  client = new OpenAI({ baseURL: `${gw.base}/v1`, apiKey: "tg-any-key", maxRetries: 0, timeout: 20000 });
});
after(stopAll);

const plain = (obj) => JSON.parse(JSON.stringify(obj));
const upstreamBody = async () => JSON.parse((await lastUpstreamRequest(mock)).body);

async function collect(stream) {
  const chunks = [];
  for await (const chunk of stream) {
    validate("CreateChatCompletionStreamResponse", plain(chunk));
    chunks.push(chunk);
  }
  return chunks;
}

test("plain chat: Anthropic's request on the wire, OpenAI's answer back", async () => {
  const { data, response } = await client.chat.completions
    .create({ model: "claude", messages: [{ role: "user", content: "hello claude" }] })
    .withResponse();
  validate("CreateChatCompletionResponse", plain(data));
  assert.equal(data.object, "chat.completion");
  assert.match(data.id, /^chatcmpl-msg_/);
  assert.equal(data.model, "claude-mock-1"); // what the provider says, as with OpenAI
  assert.equal(data.choices[0].message.role, "assistant");
  assert.match(data.choices[0].message.content, /quick brown fox/);
  assert.equal(data.choices[0].finish_reason, "stop");
  assert.deepEqual(data.usage, { prompt_tokens: 2, completion_tokens: 8, total_tokens: 10 });
  assert.equal(response.headers.get("x-tollgate-provider"), "claude");

  const up = await lastUpstreamRequest(mock);
  assert.equal(up.method, "POST");
  assert.equal(up.target, "/v1/messages");
  assert.equal(up.headers["x-api-key"], "sk-ant-provider-secret");
  assert.equal(up.headers["anthropic-version"], "2023-06-01");
  assert.match(up.headers["content-type"], /^application\/json/);
  assert.equal(up.headers.authorization, undefined, "the client's key never reaches Anthropic");
  assert.deepEqual(JSON.parse(up.body), {
    model: "claude-mock-1",
    messages: [{ role: "user", content: "hello claude" }],
    max_tokens: 4096,
  });
});

test("api_version overrides anthropic-version; a base URL ending in /v1 is not doubled", async () => {
  await client.chat.completions.create({ model: "claude-old-version", messages: [{ role: "user", content: "x" }] });
  const up = await lastUpstreamRequest(mock);
  assert.equal(up.target, "/v1/messages");
  assert.equal(up.headers["anthropic-version"], "2023-01-01");
});

test("system prompt and multi-turn become top-level system and alternating turns", async () => {
  await client.chat.completions.create({
    model: "claude",
    messages: [
      { role: "system", content: "You are terse." },
      { role: "user", content: "Hi" },
      { role: "assistant", content: "Hello." },
      { role: "developer", content: "Answer in French." },
      { role: "user", content: "How are you?" },
    ],
  });
  const body = await upstreamBody();
  assert.deepEqual(body.system, [
    { type: "text", text: "You are terse." },
    { type: "text", text: "Answer in French." },
  ]);
  assert.deepEqual(body.messages, [
    { role: "user", content: "Hi" },
    { role: "assistant", content: "Hello." },
    { role: "user", content: "How are you?" },
  ]);
});

test("stop, temperature, top_p, max_tokens and user reach Anthropic translated", async () => {
  await client.chat.completions.create({
    model: "claude",
    messages: [{ role: "user", content: "count" }],
    stop: ["7", "END"],
    temperature: 0.3,
    top_p: 0.8,
    max_completion_tokens: 77,
    user: "user-42",
  });
  const body = await upstreamBody();
  assert.deepEqual(body.stop_sequences, ["7", "END"]);
  assert.equal(body.temperature, 0.3);
  assert.equal(body.top_p, 0.8);
  assert.equal(body.max_tokens, 77);
  assert.deepEqual(body.metadata, { user_id: "user-42" });
  await client.chat.completions.create({ model: "claude", messages: [{ role: "user", content: "x" }], max_tokens: 12, stop: "Z" });
  const second = await upstreamBody();
  assert.equal(second.max_tokens, 12);
  assert.deepEqual(second.stop_sequences, ["Z"]);
});

test("images as URLs and data URIs become Anthropic image sources", async () => {
  await client.chat.completions.create({
    model: "claude",
    messages: [
      {
        role: "user",
        content: [
          { type: "text", text: "Compare these" },
          { type: "image_url", image_url: { url: "https://example.com/a.png", detail: "low" } },
          { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } },
        ],
      },
    ],
  });
  const body = await upstreamBody();
  assert.deepEqual(body.messages[0].content, [
    { type: "text", text: "Compare these" },
    { type: "image", source: { type: "url", url: "https://example.com/a.png" } },
    { type: "image", source: { type: "base64", media_type: "image/png", data: "iVBORw0KGgo=" } },
  ]);
});

const weatherTool = {
  type: "function",
  function: {
    name: "get_weather",
    description: "Current weather in a city",
    parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  },
};
const toolUse = JSON.stringify([
  { name: "get_weather", input: { city: "Paris" } },
  { name: "get_weather", input: { city: "Rome", units: "c" } },
]);

test("tool calls, whole: tools and tool_choice sent, tool_use answered as tool_calls", async () => {
  const reply = await client.chat.completions.create(
    { model: "claude", messages: [{ role: "user", content: "Weather in Paris and Rome?" }], tools: [weatherTool], tool_choice: "required", parallel_tool_calls: true },
    { headers: { "x-mock-tool-use": toolUse } },
  );
  validate("CreateChatCompletionResponse", plain(reply));
  const body = await upstreamBody();
  assert.deepEqual(body.tools, [
    { name: "get_weather", description: "Current weather in a city", input_schema: weatherTool.function.parameters },
  ]);
  assert.deepEqual(body.tool_choice, { type: "any" });
  const choice = reply.choices[0];
  assert.equal(choice.finish_reason, "tool_calls");
  assert.equal(choice.message.tool_calls.length, 2);
  assert.equal(choice.message.tool_calls[0].type, "function");
  assert.equal(choice.message.tool_calls[0].function.name, "get_weather");
  assert.deepEqual(JSON.parse(choice.message.tool_calls[1].function.arguments), { city: "Rome", units: "c" });

  for (const [openai, anthropic] of [
    ["auto", { type: "auto" }],
    ["none", { type: "none" }],
    [{ type: "function", function: { name: "get_weather" } }, { type: "tool", name: "get_weather" }],
  ]) {
    await client.chat.completions.create({ model: "claude", messages: [{ role: "user", content: "x" }], tools: [weatherTool], tool_choice: openai });
    assert.deepEqual((await upstreamBody()).tool_choice, anthropic);
  }
  await client.chat.completions.create({ model: "claude", messages: [{ role: "user", content: "x" }], tools: [weatherTool], parallel_tool_calls: false });
  assert.deepEqual((await upstreamBody()).tool_choice, { type: "auto", disable_parallel_tool_use: true });
});

test("tool results go back as tool_result blocks, consecutive ones in one user turn", async () => {
  const first = await client.chat.completions.create(
    { model: "claude", messages: [{ role: "user", content: "Weather in Paris and Rome?" }], tools: [weatherTool] },
    { headers: { "x-mock-tool-use": toolUse } },
  );
  const calls = first.choices[0].message.tool_calls;
  const reply = await client.chat.completions.create({
    model: "claude",
    tools: [weatherTool],
    messages: [
      { role: "user", content: "Weather in Paris and Rome?" },
      first.choices[0].message,
      { role: "tool", tool_call_id: calls[0].id, content: "18C and sunny" },
      { role: "tool", tool_call_id: calls[1].id, content: "21C" },
    ],
  });
  assert.equal(reply.choices[0].finish_reason, "stop");
  const body = await upstreamBody();
  assert.equal(body.messages.length, 3);
  assert.equal(body.messages[1].role, "assistant");
  const uses = body.messages[1].content.filter((b) => b.type === "tool_use");
  assert.deepEqual(uses.map((b) => [b.id, b.name, b.input]), [
    [calls[0].id, "get_weather", { city: "Paris" }],
    [calls[1].id, "get_weather", { city: "Rome", units: "c" }],
  ]);
  assert.deepEqual(body.messages[2], {
    role: "user",
    content: [
      { type: "tool_result", tool_use_id: calls[0].id, content: "18C and sunny" },
      { type: "tool_result", tool_use_id: calls[1].id, content: "21C" },
    ],
  });
});

test("streamed chat: valid chunks in OpenAI's order, usage only when asked, [DONE]", async () => {
  const chunks = await collect(
    await client.chat.completions.create(
      { model: "claude", stream: true, stream_options: { include_usage: true }, messages: [{ role: "user", content: "stream me" }] },
      { headers: { "x-mock-chunks": "4" } },
    ),
  );
  assert.equal(chunks[0].choices[0].delta.role, "assistant");
  const text = chunks.map((c) => c.choices[0]?.delta?.content ?? "").join("");
  assert.equal(text, "The quick brown fox jumps over the lazy");
  const finish = chunks.filter((c) => c.choices[0]?.finish_reason);
  assert.equal(finish.length, 1);
  assert.equal(finish[0].choices[0].finish_reason, "stop");
  const last = chunks.at(-1);
  assert.deepEqual(last.choices, []);
  assert.deepEqual(last.usage, { prompt_tokens: 2, completion_tokens: 8, total_tokens: 10 });
  assert.ok(chunks.every((c) => c.id === chunks[0].id && c.id.startsWith("chatcmpl-msg_")));
  assert.ok(chunks.every((c) => c.model === "claude-mock-1"));
  const body = await upstreamBody();
  assert.equal(body.stream, true);
  assert.equal(body.stream_options, undefined);

  // Without include_usage: no usage chunk, yet the raw stream still ends with [DONE].
  const raw = await curl([
    "-N", `${gw.base}/v1/chat/completions`, "-H", "content-type: application/json",
    "-d", JSON.stringify({ model: "claude", stream: true, messages: [{ role: "user", content: "hi" }] }),
  ]);
  assert.equal(raw.status, 200);
  assert.match(raw.headers["content-type"], /^text\/event-stream/);
  const events = sseEvents(raw.body);
  assert.equal(events.at(-1), "[DONE]");
  const parsed = events.slice(0, -1).map((e) => JSON.parse(e));
  for (const p of parsed) {
    validate("CreateChatCompletionStreamResponse", p);
    assert.equal(p.usage, undefined);
    assert.equal(p.choices.length, 1);
  }
});

test("streamed tool calls arrive as indexed tool_calls deltas", async () => {
  const chunks = await collect(
    await client.chat.completions.create(
      { model: "claude", stream: true, messages: [{ role: "user", content: "Weather?" }], tools: [weatherTool] },
      { headers: { "x-mock-tool-use": toolUse } },
    ),
  );
  const calls = [];
  for (const chunk of chunks) {
    for (const d of chunk.choices[0]?.delta?.tool_calls ?? []) {
      calls[d.index] ??= { id: "", name: "", arguments: "" };
      if (d.id) calls[d.index].id = d.id;
      if (d.function?.name) calls[d.index].name = d.function.name;
      calls[d.index].arguments += d.function?.arguments ?? "";
    }
  }
  assert.equal(calls.length, 2);
  assert.match(calls[0].id, /^toolu_/);
  assert.equal(calls[0].name, "get_weather");
  assert.deepEqual(JSON.parse(calls[0].arguments), { city: "Paris" });
  assert.deepEqual(JSON.parse(calls[1].arguments), { city: "Rome", units: "c" });
  assert.equal(chunks.at(-1).choices[0].finish_reason, "tool_calls");
});

test("JSON mode: json_schema as structured outputs, json_object as a system instruction", async () => {
  const schema = { type: "object", properties: { answer: { type: "string" } }, required: ["answer"], additionalProperties: false };
  const reply = await client.chat.completions.create({
    model: "claude",
    messages: [{ role: "user", content: "answer in JSON" }],
    response_format: { type: "json_schema", json_schema: { name: "answer", strict: true, schema } },
  });
  assert.deepEqual(JSON.parse(reply.choices[0].message.content), { answer: "mock" });
  assert.deepEqual((await upstreamBody()).output_config, { format: { type: "json_schema", schema } });

  await client.chat.completions.create({
    model: "claude",
    messages: [{ role: "system", content: "Be terse." }, { role: "user", content: "answer in JSON" }],
    response_format: { type: "json_object" },
  });
  const body = await upstreamBody();
  assert.equal(body.output_config, undefined);
  assert.equal(body.system.length, 2);
  assert.equal(body.system[0].text, "Be terse.");
  assert.match(body.system[1].text, /JSON object/);
});

test("stop reasons map to finish reasons, whole and streamed", async () => {
  for (const [stop, finish] of [["max_tokens", "length"], ["stop_sequence", "stop"], ["refusal", "content_filter"], ["end_turn", "stop"]]) {
    const whole = await client.chat.completions.create(
      { model: "claude", messages: [{ role: "user", content: "x" }], stop: ["q"] },
      { headers: { "x-mock-stop-reason": stop } },
    );
    assert.equal(whole.choices[0].finish_reason, finish, stop);
    const chunks = await collect(
      await client.chat.completions.create(
        { model: "claude", stream: true, messages: [{ role: "user", content: "x" }] },
        { headers: { "x-mock-stop-reason": stop } },
      ),
    );
    assert.equal(chunks.at(-1).choices[0].finish_reason, finish, stop);
  }
});

test("cached prompt tokens count in prompt_tokens and show in the details", async () => {
  const reply = await client.chat.completions.create(
    { model: "claude", messages: [{ role: "user", content: "one two three" }] },
    { headers: { "x-mock-cache-read-tokens": "100" } },
  );
  assert.equal(reply.usage.prompt_tokens, 103);
  assert.equal(reply.usage.prompt_tokens_details.cached_tokens, 100);
});

test("provider errors become OpenAI errors with the right status", async () => {
  // (First: they count toward the breaker, and the 400 below closes it again.)
  // Anthropic refusing the gateway's key (401/403) is the operator's problem: 502 that
  // says so, never the provider's invalid_api_key (refused_provider_key_is_a_gateway_error).
  for (const status of ["401", "403"]) {
    await assert.rejects(
      client.chat.completions.create(
        { model: "claude", messages: [{ role: "user", content: "x" }] },
        { headers: { "x-mock-status": status } },
      ),
      (e) => e.status === 502 && e.code === "upstream_credentials_refused",
    );
  }
  const cases = [
    ["400", OpenAI.BadRequestError, 400, "invalid_request"],
    ["404", OpenAI.NotFoundError, 404, "not_found"],
    ["429", OpenAI.RateLimitError, 429, "rate_limit_exceeded"],
    ["500", OpenAI.InternalServerError, 500, "server_error"],
    ["529", OpenAI.InternalServerError, 503, "overloaded"],
  ];
  for (const [status, type, expected, code] of cases) {
    await assert.rejects(
      client.chat.completions.create(
        { model: "claude", messages: [{ role: "user", content: "x" }] },
        { headers: { "x-mock-status": status, "x-mock-error-message": `mock says ${status}` } },
      ),
      (e) => {
        assert.ok(e instanceof type, `${status}: ${e.constructor.name}`);
        assert.equal(e.status, expected);
        assert.equal(e.code, code);
        assert.equal(e.message, `${expected} mock says ${status}`);
        return true;
      },
    );
  }
  // The raw body is OpenAI's error shape, and 429 keeps retry-after.
  const raw = await curl([
    `${gw.base}/v1/chat/completions`, "-H", "content-type: application/json", "-H", "x-mock-status: 429",
    "-d", JSON.stringify({ model: "claude", messages: [{ role: "user", content: "x" }] }),
  ]);
  assert.equal(raw.status, 429);
  assert.equal(raw.headers["retry-after"], "1");
  validate("ErrorResponse", json(raw.body));
  // A prompt too long is a context_length error.
  await assert.rejects(
    client.chat.completions.create(
      { model: "claude", messages: [{ role: "user", content: "x" }] },
      { headers: { "x-mock-status": "400", "x-mock-error-message": "prompt is too long: 250000 tokens > 200000 maximum" } },
    ),
    (e) => e.status === 400 && e.code === "context_length_exceeded",
  );
});

test("an overloaded error event at the stream's start is a 503 and falls back", async () => {
  await assert.rejects(
    client.chat.completions.create(
      { model: "claude", stream: true, messages: [{ role: "user", content: "x" }] },
      { headers: { "x-mock-stream-error": "overloaded_error" } },
    ),
    (e) => e.status === 503 && e.code === "overloaded",
  );
  const raw = await curl([
    "-N", `${gw.base}/v1/chat/completions`, "-H", "content-type: application/json", "-H", "x-mock-stream-error: overloaded_error",
    "-d", JSON.stringify({ model: "claude-with-fallback", stream: true, messages: [{ role: "user", content: "fall back please" }] }),
  ]);
  assert.equal(raw.status, 200);
  assert.equal(raw.headers["x-tollgate-provider"], "demo");
  assert.equal(sseEvents(raw.body).at(-1), "[DONE]");
});

test("an error event mid-stream ends the stream with an error event and [DONE]", async () => {
  const raw = await curl([
    "-N", `${gw.base}/v1/chat/completions`, "-H", "content-type: application/json",
    "-H", "x-mock-stream-error: api_error", "-H", "x-mock-stream-error-after: 2",
    "-d", JSON.stringify({ model: "claude", stream: true, messages: [{ role: "user", content: "x" }] }),
  ]);
  assert.equal(raw.status, 200);
  const events = sseEvents(raw.body);
  assert.equal(events.at(-1), "[DONE]");
  const error = JSON.parse(events.at(-2));
  assert.equal(error.error.type, "server_error");
  assert.ok(events.length >= 4);
  await assert.rejects(
    collect(
      await client.chat.completions.create(
        { model: "claude", stream: true, messages: [{ role: "user", content: "x" }] },
        { headers: { "x-mock-stream-error": "api_error", "x-mock-stream-error-after": "2" } },
      ),
    ),
    (e) => e instanceof OpenAI.APIError,
  );
});

test("fields with no Anthropic equivalent get a 400 naming the field, before any call", async () => {
  const before = await lastUpstreamRequest(mock);
  for (const [field, value] of [["n", 2], ["logprobs", true], ["presence_penalty", 0.5], ["frequency_penalty", 0.5], ["logit_bias", { 1: 2 }], ["seed", 7], ["temperature", 1.7]]) {
    await assert.rejects(
      client.chat.completions.create({ model: "claude", messages: [{ role: "user", content: "x" }], [field]: value }),
      (e) => e instanceof OpenAI.BadRequestError && e.param === field && e.message.includes(field),
    );
  }
  assert.deepEqual(await lastUpstreamRequest(mock), before, "nothing reached the provider");
  // Neutral values of the same fields are fine.
  const ok = await client.chat.completions.create({
    model: "claude", messages: [{ role: "user", content: "x" }], n: 1, presence_penalty: 0, logprobs: false,
  });
  assert.equal(ok.choices.length, 1);
});

test("operations other than chat completions are refused clearly", async () => {
  await assert.rejects(
    client.embeddings.create({ model: "claude", input: "x" }),
    (e) => e instanceof OpenAI.BadRequestError && /chat\/completions only/.test(e.message),
  );
  await assert.rejects(
    client.completions.create({ model: "claude", prompt: "x" }),
    (e) => e instanceof OpenAI.BadRequestError && /chat\/completions only/.test(e.message),
  );
});

test("a connection lost mid-stream ends the client's stream with an error and [DONE]", async () => {
  // message_start, ping, content_block_start and one delta arrive, then the mock hangs up.
  const raw = await curl([
    "-N", `${gw.base}/v1/chat/completions`, "-H", "content-type: application/json", "-H", "x-mock-drop-after-chunks: 4",
    "-d", JSON.stringify({ model: "claude", stream: true, messages: [{ role: "user", content: "x" }] }),
  ]);
  assert.equal(raw.status, 200);
  const events = sseEvents(raw.body);
  assert.equal(events.at(-1), "[DONE]");
  assert.ok(JSON.parse(events.at(-2)).error, "an error event before [DONE]");
  assert.equal(JSON.parse(events[1]).choices[0].delta.content.length > 0, true);

  // Lost before any output: still time for a status, and for the fallback.
  const early = await curl([
    "-N", `${gw.base}/v1/chat/completions`, "-H", "content-type: application/json", "-H", "x-mock-drop-after-chunks: 1",
    "-d", JSON.stringify({ model: "claude", stream: true, messages: [{ role: "user", content: "x" }] }),
  ]);
  assert.ok(early.status >= 500, `status ${early.status}`);
  validate("ErrorResponse", json(early.body));
  const fellBack = await curl([
    "-N", `${gw.base}/v1/chat/completions`, "-H", "content-type: application/json", "-H", "x-mock-drop-after-chunks: 1",
    "-d", JSON.stringify({ model: "claude-with-fallback", stream: true, messages: [{ role: "user", content: "x" }] }),
  ]);
  assert.equal(fellBack.status, 200);
  assert.equal(fellBack.headers["x-tollgate-provider"], "demo");
});
