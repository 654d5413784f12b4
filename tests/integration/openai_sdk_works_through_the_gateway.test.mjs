// An OpenAI SDK user changes only baseURL and key: plain and streamed chat, completions,
// embeddings (the SDK's default base64 and floats), the model list, and SDK errors.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import OpenAI from "openai";
import { basicConfig, startGateway, startMock, stopAll } from "./lib/harness.mjs";
import { validate } from "./lib/openapi.mjs";

let gw;
let client;
before(async () => {
  const mock = await startMock();
  gw = await startGateway(basicConfig({ mockUrl: mock.url }));
  client = new OpenAI({ baseURL: `${gw.base}/v1`, apiKey: "tg-any-key", maxRetries: 0, timeout: 20000 });
});
after(stopAll);

test("chat completion from the demo provider", async () => {
  const { data, response } = await client.chat.completions
    .create({ model: "demo", messages: [{ role: "user", content: "hello gateway" }] })
    .withResponse();
  validate("CreateChatCompletionResponse", JSON.parse(JSON.stringify(data)));
  assert.match(data.choices[0].message.content, /hello gateway/);
  assert.equal(data.model, "demo");
  assert.ok(response.headers.get("x-request-id"));
});

test("streamed chat arrives chunk by chunk, each a valid stream chunk, with usage when asked", async () => {
  const stream = await client.chat.completions.create({
    model: "demo",
    stream: true,
    stream_options: { include_usage: true },
    messages: [{ role: "user", content: "stream please" }],
  });
  let text = "";
  let chunks = 0;
  let usage;
  for await (const chunk of stream) {
    validate("CreateChatCompletionStreamResponse", JSON.parse(JSON.stringify(chunk)));
    chunks++;
    text += chunk.choices[0]?.delta?.content ?? "";
    if (chunk.usage) usage = chunk.usage;
  }
  assert.ok(chunks > 5, `only ${chunks} chunks`);
  assert.match(text, /stream please/);
  assert.ok(usage && usage.completion_tokens > 0 && usage.prompt_tokens === 2);
});

test("text completions, plain and streamed", async () => {
  const done = await client.completions.create({ model: "demo", prompt: "complete me" });
  validate("CreateCompletionResponse", JSON.parse(JSON.stringify(done)));
  const stream = await client.completions.create({ model: "demo", prompt: "complete me", stream: true });
  let text = "";
  for await (const chunk of stream) text += chunk.choices[0]?.text ?? "";
  assert.equal(text, done.choices[0].text);
});

test("embeddings: the SDK's default base64 and explicit floats agree", async () => {
  const b64 = await client.embeddings.create({ model: "demo", input: ["alpha", "beta"] });
  const floats = await client.embeddings.create({ model: "demo", input: ["alpha", "beta"], encoding_format: "float" });
  validate("CreateEmbeddingResponse", JSON.parse(JSON.stringify(floats)));
  assert.equal(b64.data.length, 2);
  assert.equal(b64.data[0].embedding.length, 1536);
  for (let i = 0; i < 8; i++) assert.ok(Math.abs(b64.data[0].embedding[i] - floats.data[0].embedding[i]) < 1e-6);
  assert.notDeepEqual(floats.data[0].embedding.slice(0, 4), floats.data[1].embedding.slice(0, 4));
});

test("the model list names the configured models", async () => {
  const ids = [];
  for await (const model of client.models.list()) {
    validate("Model", JSON.parse(JSON.stringify(model)));
    ids.push(model.id);
  }
  assert.deepEqual(ids.sort(), ["demo", "gpt-test"]);
  const one = await client.models.retrieve("gpt-test");
  assert.equal(one.id, "gpt-test");
  validate("Model", JSON.parse(JSON.stringify(one)));
  // The raw list, as the gateway writes it, is OpenAI's list shape.
  const raw = await fetch(`${gw.base}/v1/models`, { headers: { authorization: "Bearer x" } });
  assert.equal(raw.status, 200);
  validate("ListModelsResponse", await raw.json());
});

test("through the mock provider the SDK sees the target's model", async () => {
  const reply = await client.chat.completions.create({ model: "gpt-test", messages: [{ role: "user", content: "hi" }] });
  assert.equal(reply.model, "mock-model-1");
  const stream = await client.chat.completions.create({ model: "gpt-test", stream: true, messages: [{ role: "user", content: "hi" }] });
  let pieces = 0;
  for await (const chunk of stream) {
    assert.equal(chunk.model, "mock-model-1");
    pieces++;
  }
  assert.ok(pieces >= 5);
});

test("errors become the SDK's typed errors", async () => {
  await assert.rejects(
    client.chat.completions.create({ model: "no-such-model", messages: [{ role: "user", content: "x" }] }),
    (e) => e instanceof OpenAI.NotFoundError && e.status === 404 && e.code === "model_not_found",
  );
  await assert.rejects(
    client.chat.completions.create({ model: "demo" }),
    (e) => e instanceof OpenAI.BadRequestError && e.param === "messages",
  );
});
