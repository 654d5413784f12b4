// The Gemini dialect end to end: the openai SDK talks to the gateway, the gateway talks
// Gemini (generateContent / streamGenerateContent?alt=sse, x-goog-api-key) to the mock,
// and every answer comes back in OpenAI's shape, checked against the official schemas.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import OpenAI from "openai";
import { curl, json, lastUpstreamRequest, sleep, sseEvents, startGateway, startMock, stopAll, tempDir } from "./lib/harness.mjs";
import { validate } from "./lib/openapi.mjs";

let gw;
let mock;
let client;

// Failures a target's circuit breaker counts (429, 5xx) go to providers of their own, so
// that they never open the breaker of the provider the other tests use.
const failing = [429, 500, 503, 504];

function config(mockPort) {
  return `server:
  listen: ["127.0.0.1:\${PORT}"]
  admin: 127.0.0.1:\${ADMIN_PORT}
  threads: 2
providers:
  - name: gemini
    kind: gemini
    forward_headers: ["x-mock-*"]
    base_url: http://127.0.0.1:${mockPort}
    api_key: g-provider-secret
    timeout: 5s
    connect_timeout: 2s
  - name: gemini-badkey
    kind: gemini
    forward_headers: ["x-mock-*"]
    base_url: http://127.0.0.1:${mockPort}
    api_key: invalid
  - name: gemini-nokey
    kind: gemini
    forward_headers: ["x-mock-*"]
    base_url: http://127.0.0.1:${mockPort}
${failing.map((s) => `  - {name: gemini-s${s}, kind: gemini, base_url: "http://127.0.0.1:${mockPort}", api_key: g-provider-secret, forward_headers: ["x-mock-*"]}`).join("\n")}
models:
  - name: gem
    targets: [{provider: gemini, model: gemini-2.5-flash}]
  - name: gem-emb
    targets: [{provider: gemini, model: text-embedding-004}]
${failing.map((s) => `  - {name: gem-s${s}, targets: [{provider: gemini-s${s}, model: gemini-2.5-flash}]}`).join("\n")}
  - name: gem-badkey
    targets: [{provider: gemini-badkey, model: gemini-2.5-flash}]
  - name: gem-nokey
    targets: [{provider: gemini-nokey, model: gemini-2.5-flash}]
`;
}

before(async () => {
  mock = await startMock();
  gw = await startGateway(config(mock.port));
  client = new OpenAI({ baseURL: `${gw.base}/v1`, apiKey: "tg-any-key", maxRetries: 0, timeout: 20000 });
});
after(stopAll);

const plain = (value) => JSON.parse(JSON.stringify(value));

async function upstream() {
  const last = await lastUpstreamRequest(mock);
  return { ...last, json: JSON.parse(last.body) };
}

function noSecrets(text) {
  assert.doesNotMatch(text, /g-provider-secret/);
}

test("plain chat: translated to generateContent and back, usage reported", async () => {
  const { data, response } = await client.chat.completions
    .create({ model: "gem", messages: [{ role: "user", content: "hello gemini" }] })
    .withResponse();
  validate("CreateChatCompletionResponse", plain(data));
  assert.equal(data.object, "chat.completion");
  assert.equal(data.choices[0].message.role, "assistant");
  assert.equal(data.choices[0].message.content, "The quick brown fox jumps over the lazy");
  assert.equal(data.choices[0].finish_reason, "stop");
  assert.deepEqual(data.usage, { prompt_tokens: 2, completion_tokens: 8, total_tokens: 10 });
  assert.equal(response.headers.get("x-tollgate-provider"), "gemini");

  const up = await upstream();
  assert.equal(up.target, "/v1beta/models/gemini-2.5-flash:generateContent");
  assert.equal(up.headers["x-goog-api-key"], "g-provider-secret");
  assert.equal(up.headers.authorization, undefined);
  assert.deepEqual(up.json, { contents: [{ role: "user", parts: [{ text: "hello gemini" }] }] });
});

test("system prompt and multi-turn history", async () => {
  const data = await client.chat.completions.create({
    model: "gem",
    messages: [
      { role: "system", content: "You are terse." },
      { role: "user", content: "Hi" },
      { role: "assistant", content: "Hello." },
      { role: "user", content: "How are you?" },
    ],
  });
  validate("CreateChatCompletionResponse", plain(data));
  const up = await upstream();
  assert.deepEqual(up.json.systemInstruction, { parts: [{ text: "You are terse." }] });
  assert.deepEqual(up.json.contents, [
    { role: "user", parts: [{ text: "Hi" }] },
    { role: "model", parts: [{ text: "Hello." }] },
    { role: "user", parts: [{ text: "How are you?" }] },
  ]);
  assert.equal(data.usage.prompt_tokens, 8);
});

test("streaming: role chunk, text deltas, finish, usage when asked, every chunk valid", async () => {
  const stream = await client.chat.completions.create({
    model: "gem",
    stream: true,
    stream_options: { include_usage: true },
    messages: [{ role: "user", content: "stream to me" }],
  });
  let text = "";
  let chunks = 0;
  let usage;
  let finish;
  let first;
  for await (const chunk of stream) {
    validate("CreateChatCompletionStreamResponse", plain(chunk));
    first ??= chunk;
    chunks++;
    text += chunk.choices[0]?.delta?.content ?? "";
    if (chunk.choices[0]?.finish_reason) finish = chunk.choices[0].finish_reason;
    if (chunk.usage) usage = chunk.usage;
  }
  assert.equal(first.choices[0].delta.role, "assistant");
  assert.equal(text, "The quick brown fox jumps over the lazy");
  assert.equal(finish, "stop");
  assert.ok(chunks >= 7, `${chunks} chunks`);
  assert.deepEqual(usage, { prompt_tokens: 3, completion_tokens: 8, total_tokens: 11 });
  const up = await upstream();
  assert.equal(up.target, "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse");
});

test("streaming without include_usage has no usage chunk and ends with [DONE]", async () => {
  const r = await curl(["-N", `${gw.base}/v1/chat/completions`, "-H", "x-mock-chunks: 3",
    "-d", JSON.stringify({ model: "gem", stream: true, messages: [{ role: "user", content: "x" }] })]);
  assert.equal(r.status, 200);
  assert.match(r.headers["content-type"], /text\/event-stream/);
  const events = sseEvents(r.body);
  assert.equal(events.at(-1), "[DONE]");
  const chunks = events.slice(0, -1).map(json);
  for (const c of chunks) {
    validate("CreateChatCompletionStreamResponse", c);
    assert.equal(c.choices.length, 1);
  }
  assert.equal(chunks.length, 1 + 3 + 1);
  assert.equal(chunks.at(-1).choices[0].finish_reason, "stop");
});

const weatherTool = {
  type: "function",
  function: {
    name: "get_weather",
    description: "Current weather",
    parameters: {
      type: "object",
      properties: { city: { type: "string" }, unit: { type: "string", enum: ["c", "f"] } },
      required: ["city"],
      additionalProperties: false,
    },
  },
};
const callHeader = { "x-mock-function-call": JSON.stringify({ name: "get_weather", args: { city: "Paris" } }) };

test("tool calls: declarations and tool_choice go up, functionCall comes back as tool_calls", async () => {
  const data = await client.chat.completions.create(
    {
      model: "gem",
      messages: [{ role: "user", content: "weather in Paris?" }],
      tools: [weatherTool],
      tool_choice: { type: "function", function: { name: "get_weather" } },
    },
    { headers: callHeader },
  );
  validate("CreateChatCompletionResponse", plain(data));
  const choice = data.choices[0];
  assert.equal(choice.finish_reason, "tool_calls");
  assert.equal(choice.message.content, null);
  assert.equal(choice.message.tool_calls.length, 1);
  const call = choice.message.tool_calls[0];
  assert.match(call.id, /^call_[A-Za-z0-9]{24}$/);
  assert.equal(call.type, "function");
  assert.equal(call.function.name, "get_weather");
  assert.deepEqual(JSON.parse(call.function.arguments), { city: "Paris" });

  const up = await upstream();
  assert.deepEqual(up.json.tools, [{
    functionDeclarations: [{
      name: "get_weather",
      description: "Current weather",
      parameters: {
        type: "OBJECT",
        properties: { city: { type: "STRING" }, unit: { type: "STRING", enum: ["c", "f"], format: "enum" } },
        required: ["city"],
      },
    }],
  }]);
  assert.deepEqual(up.json.toolConfig, { functionCallingConfig: { mode: "ANY", allowedFunctionNames: ["get_weather"] } });

  // The tool's answer goes back as a functionResponse named after the call.
  const next = await client.chat.completions.create({
    model: "gem",
    tools: [weatherTool],
    messages: [
      { role: "user", content: "weather in Paris?" },
      choice.message,
      { role: "tool", tool_call_id: call.id, content: JSON.stringify({ temp: 21 }) },
    ],
  });
  validate("CreateChatCompletionResponse", plain(next));
  assert.equal(next.choices[0].finish_reason, "stop");
  const up2 = await upstream();
  assert.deepEqual(up2.json.contents, [
    { role: "user", parts: [{ text: "weather in Paris?" }] },
    { role: "model", parts: [{ functionCall: { name: "get_weather", args: { city: "Paris" } } }] },
    { role: "user", parts: [{ functionResponse: { name: "get_weather", response: { temp: 21 } } }] },
  ]);
});

test("tool calls streamed, and thought signatures survive the round trip", async () => {
  const stream = await client.chat.completions.create(
    { model: "gem", stream: true, messages: [{ role: "user", content: "weather?" }], tools: [weatherTool] },
    { headers: { ...callHeader, "x-mock-thought-signature": "c2lnbmF0dXJl" } },
  );
  const calls = [];
  let finish;
  for await (const chunk of stream) {
    validate("CreateChatCompletionStreamResponse", plain(chunk));
    for (const tc of chunk.choices[0]?.delta?.tool_calls ?? []) {
      calls[tc.index] ??= { id: "", name: "", arguments: "" };
      if (tc.id) calls[tc.index].id = tc.id;
      if (tc.function?.name) calls[tc.index].name += tc.function.name;
      if (tc.function?.arguments) calls[tc.index].arguments += tc.function.arguments;
    }
    if (chunk.choices[0]?.finish_reason) finish = chunk.choices[0].finish_reason;
  }
  assert.equal(finish, "tool_calls");
  assert.equal(calls.length, 1);
  assert.equal(calls[0].name, "get_weather");
  assert.deepEqual(JSON.parse(calls[0].arguments), { city: "Paris" });
  assert.match(calls[0].id, /^call_/);

  await client.chat.completions.create({
    model: "gem",
    tools: [weatherTool],
    messages: [
      { role: "user", content: "weather?" },
      { role: "assistant", content: null, tool_calls: [{ id: calls[0].id, type: "function", function: { name: "get_weather", arguments: calls[0].arguments } }] },
      { role: "tool", tool_call_id: calls[0].id, content: "sunny" },
    ],
  });
  const up = await upstream();
  assert.deepEqual(up.json.contents[1].parts[0], {
    functionCall: { name: "get_weather", args: { city: "Paris" } },
    thoughtSignature: "c2lnbmF0dXJl",
  });
  assert.deepEqual(up.json.contents[2].parts[0], { functionResponse: { name: "get_weather", response: { content: "sunny" } } });
});

test("JSON mode and json_schema become responseMimeType and responseSchema", async () => {
  await client.chat.completions.create({
    model: "gem",
    messages: [{ role: "user", content: "json please" }],
    response_format: { type: "json_object" },
  });
  assert.deepEqual((await upstream()).json.generationConfig, { responseMimeType: "application/json" });

  await client.chat.completions.create({
    model: "gem",
    messages: [{ role: "user", content: "json please" }],
    response_format: {
      type: "json_schema",
      json_schema: {
        name: "answer",
        strict: true,
        schema: {
          type: "object",
          properties: { answer: { type: "string" }, score: { type: ["number", "null"] } },
          required: ["answer", "score"],
          additionalProperties: false,
        },
      },
    },
  });
  assert.deepEqual((await upstream()).json.generationConfig, {
    responseMimeType: "application/json",
    responseSchema: {
      type: "OBJECT",
      properties: { answer: { type: "STRING" }, score: { type: "NUMBER", nullable: true } },
      required: ["answer", "score"],
    },
  });
});

test("stop, temperature, top_p, max_tokens, seed, penalties and n reach Gemini translated", async () => {
  const data = await client.chat.completions.create({
    model: "gem",
    messages: [{ role: "user", content: "x" }],
    stop: ["END"],
    temperature: 0.25,
    top_p: 0.5,
    max_tokens: 3,
    seed: 42,
    presence_penalty: 0.5,
    frequency_penalty: -0.5,
    n: 2,
  });
  validate("CreateChatCompletionResponse", plain(data));
  assert.deepEqual((await upstream()).json.generationConfig, {
    stopSequences: ["END"],
    temperature: 0.25,
    topP: 0.5,
    maxOutputTokens: 3,
    seed: 42,
    presencePenalty: 0.5,
    frequencyPenalty: -0.5,
    candidateCount: 2,
  });
  assert.equal(data.choices.length, 2);
  assert.deepEqual(data.choices.map((c) => c.index), [0, 1]);
  // The mock stops at maxOutputTokens with MAX_TOKENS: finish_reason length.
  for (const c of data.choices) {
    assert.equal(c.finish_reason, "length");
    assert.equal(c.message.content, "The quick brown");
  }
});

test("finish reasons: MAX_TOKENS → length, SAFETY and RECITATION → content_filter, whole and streamed", async () => {
  for (const [gemini, openai] of [["MAX_TOKENS", "length"], ["SAFETY", "content_filter"], ["RECITATION", "content_filter"], ["OTHER", "stop"]]) {
    const headers = { "x-mock-finish-reason": gemini };
    const data = await client.chat.completions.create({ model: "gem", messages: [{ role: "user", content: "x" }] }, { headers });
    validate("CreateChatCompletionResponse", plain(data));
    assert.equal(data.choices[0].finish_reason, openai, gemini);
    const stream = await client.chat.completions.create({ model: "gem", stream: true, messages: [{ role: "user", content: "x" }] }, { headers });
    let finish;
    for await (const chunk of stream) {
      validate("CreateChatCompletionStreamResponse", plain(chunk));
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    assert.equal(finish, openai, gemini);
  }
});

test("a blocked prompt is a 400 content_filter, whole and streamed", async () => {
  for (const stream of [false, true]) {
    const r = await curl([`${gw.base}/v1/chat/completions`, "-H", "x-mock-block-reason: SAFETY",
      "-d", JSON.stringify({ model: "gem", stream, messages: [{ role: "user", content: "x" }] })]);
    assert.equal(r.status, 400, r.body);
    const body = json(r.body);
    validate("ErrorResponse", body);
    assert.equal(body.error.code, "content_filter");
    assert.match(body.error.message, /SAFETY/);
  }
});

test("images: URL → fileData, data URI → inlineData", async () => {
  const data = await client.chat.completions.create({
    model: "gem",
    messages: [{
      role: "user",
      content: [
        { type: "text", text: "compare" },
        { type: "image_url", image_url: { url: "https://example.com/a.png" } },
        { type: "image_url", image_url: { url: "data:image/jpeg;base64,/9j/4AAQSkZJRg==" } },
      ],
    }],
  });
  validate("CreateChatCompletionResponse", plain(data));
  assert.deepEqual((await upstream()).json.contents[0].parts, [
    { text: "compare" },
    { fileData: { mimeType: "image/png", fileUri: "https://example.com/a.png" } },
    { inlineData: { mimeType: "image/jpeg", data: "/9j/4AAQSkZJRg==" } },
  ]);
});

test("Gemini errors come back in OpenAI's shape with the right status", async () => {
  const cases = [
    { status: 400, code: "invalid_request", type: "invalid_request_error" },
    // Google refusing the gateway's key: 502, the operator's problem, not the caller's.
    { status: 401, expect: 502, code: "upstream_credentials_refused", type: "server_error" },
    { status: 403, expect: 502, code: "upstream_credentials_refused", type: "server_error" },
    { status: 404, code: "model_not_found", type: "invalid_request_error" },
    { status: 429, code: "rate_limit_exceeded", type: "requests" },
    { status: 500, code: "server_error", type: "server_error" },
    { status: 503, code: "service_unavailable", type: "server_error", message: /overloaded/ },
    { status: 504, code: "upstream_timeout", type: "server_error" },
  ];
  for (const c of cases) {
    for (const stream of [false, true]) {
      const model = failing.includes(c.status) ? `gem-s${c.status}` : "gem";
      const r = await curl([`${gw.base}/v1/chat/completions`, "-H", `x-mock-status: ${c.status}`,
        "-d", JSON.stringify({ model, stream, messages: [{ role: "user", content: "x" }] })]);
      assert.equal(r.status, c.expect ?? c.status, `${c.status}: ${r.body}`);
      const body = json(r.body);
      validate("ErrorResponse", body);
      assert.equal(body.error.code, c.code);
      assert.equal(body.error.type, c.type);
      if (c.message) assert.match(body.error.message, c.message);
      if (c.status === 429) assert.equal(r.headers["retry-after"], "7");
      noSecrets(r.body + JSON.stringify(r.headers));
    }
  }
  // The SDK sees its own error classes.
  await assert.rejects(
    client.chat.completions.create({ model: "gem-s429", messages: [{ role: "user", content: "x" }] }, { headers: { "x-mock-status": "429" } }),
    (e) => e instanceof OpenAI.RateLimitError && e.status === 429,
  );
});

test("a too-long prompt is context_length_exceeded; a bad or missing provider key is 502", async () => {
  const long = await curl([`${gw.base}/v1/chat/completions`, "-H", "x-mock-status: 400", "-H",
    "x-mock-error-message: The input token count (1200000) exceeds the maximum number of tokens allowed (1048576).",
    "-d", JSON.stringify({ model: "gem", messages: [{ role: "user", content: "x" }] })]);
  assert.equal(long.status, 400);
  assert.equal(json(long.body).error.code, "context_length_exceeded");

  const bad = await curl([`${gw.base}/v1/chat/completions`, "-d", JSON.stringify({ model: "gem-badkey", messages: [{ role: "user", content: "x" }] })]);
  assert.equal(bad.status, 502, bad.body);
  validate("ErrorResponse", json(bad.body));
  assert.equal(json(bad.body).error.code, "upstream_credentials_refused");

  const none = await curl([`${gw.base}/v1/chat/completions`, "-d", JSON.stringify({ model: "gem-nokey", messages: [{ role: "user", content: "x" }] })]);
  assert.equal(none.status, 502, none.body);
  validate("ErrorResponse", json(none.body));
  assert.equal(json(none.body).error.code, "upstream_credentials_refused");
});

test("fields with no Gemini equivalent get a 400 naming them, without calling Gemini", async () => {
  const before = (await lastUpstreamRequest(mock)).headers?.["x-request-id"];
  for (const [field, value] of [["logprobs", true], ["logit_bias", { 50256: -100 }], ["parallel_tool_calls", false], ["reasoning_effort", "low"]]) {
    const r = await curl([`${gw.base}/v1/chat/completions`,
      "-d", JSON.stringify({ model: "gem", messages: [{ role: "user", content: "x" }], [field]: value })]);
    assert.equal(r.status, 400, r.body);
    const body = json(r.body);
    validate("ErrorResponse", body);
    assert.equal(body.error.param, field);
    assert.equal(body.error.type, "invalid_request_error");
    assert.match(body.error.message, new RegExp(field));
  }
  assert.equal((await lastUpstreamRequest(mock)).headers?.["x-request-id"], before);
  await assert.rejects(
    client.chat.completions.create({ model: "gem", messages: [{ role: "user", content: "x" }], logprobs: true, top_logprobs: 2 }),
    (e) => e instanceof OpenAI.BadRequestError && e.status === 400,
  );
});

test("embeddings go through batchEmbedContents: the SDK's default base64 and floats agree", async () => {
  const b64 = await client.embeddings.create({ model: "gem-emb", input: ["alpha", "beta gamma"], dimensions: 6 });
  const up = await upstream();
  assert.equal(up.target, "/v1beta/models/text-embedding-004:batchEmbedContents");
  assert.equal(up.headers["x-goog-api-key"], "g-provider-secret");
  assert.deepEqual(up.json.requests[0], {
    model: "models/text-embedding-004", content: { parts: [{ text: "alpha" }] }, outputDimensionality: 6,
  });
  const floats = await client.embeddings.create({ model: "gem-emb", input: ["alpha", "beta gamma"], dimensions: 6, encoding_format: "float" });
  validate("CreateEmbeddingResponse", plain(floats));
  assert.equal(floats.data.length, 2);
  assert.equal(floats.data[0].embedding.length, 6);
  assert.equal(b64.data[0].embedding.length, 6);
  for (let i = 0; i < 6; i++) assert.ok(Math.abs(b64.data[1].embedding[i] - floats.data[1].embedding[i]) < 1e-6);
  assert.notDeepEqual(floats.data[0].embedding, floats.data[1].embedding);
});

test("text completions are refused clearly; token-id embeddings inputs too", async () => {
  const r = await curl([`${gw.base}/v1/completions`, "-d", JSON.stringify({ model: "gem", prompt: "x" })]);
  assert.equal(r.status, 400, r.body);
  const error = json(r.body);
  validate("ErrorResponse", error);
  assert.match(error.error.message, /chat\/completions and \/v1\/embeddings only/);
  const tokens = await curl([`${gw.base}/v1/embeddings`, "-d", JSON.stringify({ model: "gem-emb", input: [[1, 2, 3]] })]);
  assert.equal(tokens.status, 400, tokens.body);
  assert.equal(json(tokens.body).error.param, "input");
});

test("a stream Gemini drops mid-way ends with an error event and [DONE]", async () => {
  const r = await curl(["-N", `${gw.base}/v1/chat/completions`, "-H", "x-mock-drop-after-chunks: 2", "-H", "x-mock-chunks: 5",
    "-d", JSON.stringify({ model: "gem", stream: true, messages: [{ role: "user", content: "x" }] })]);
  assert.equal(r.status, 200);
  const events = sseEvents(r.body);
  assert.equal(events.at(-1), "[DONE]");
  validate("ErrorResponse", json(events.at(-2)));
  for (const e of events.slice(0, -2)) validate("CreateChatCompletionStreamResponse", json(e));
  assert.equal(events.length, 1 + 2 + 2, r.body);
});

test("the limits stage bills Gemini's usageMetadata, whole and streamed", async () => {
  const adminKey = "admin-key-for-gemini-tests-0123";
  const key = "tg-gemini-usage-key";
  const billed = await startGateway(`${config(mock.port).replace("  threads: 2", `  threads: 2\n  admin_key: ${adminKey}`)}
state:
  sqlite: ${tempDir()}/tollgate.db
  flush_interval: 100ms
keys:
  - {id: gem-user, key: ${key}, limits: {tpm: 100000}}
`);
  const billedClient = new OpenAI({ baseURL: `${billed.base}/v1`, apiKey: key, maxRetries: 0 });
  const headers = { "x-mock-completion-tokens": "21" };
  await billedClient.chat.completions.create({ model: "gem", messages: [{ role: "user", content: "one two three" }] }, { headers });
  const stream = await billedClient.chat.completions.create(
    { model: "gem", stream: true, messages: [{ role: "user", content: "one two three" }] }, { headers });
  for await (const chunk of stream) assert.equal(chunk.usage ?? null, null);
  let row;
  for (let i = 0; i < 40 && !(row?.requests >= 2); i++) {
    await sleep(50);
    const r = await curl([`http://127.0.0.1:${billed.adminPort}/admin/usage?scope=key:gem-user`, "-H", `authorization: Bearer ${adminKey}`]);
    assert.equal(r.status, 200, r.body);
    row = json(r.body).data[0];
  }
  assert.equal(row.requests, 2);
  assert.equal(row.prompt_tokens, 6);
  assert.equal(row.completion_tokens, 42);
});
