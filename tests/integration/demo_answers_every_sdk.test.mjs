// `make run` with no provider key: the built-in demo model, on the default config, serves
// the openai SDK's Responses API (plain and streamed), the Vercel AI SDK's default
// openai("demo") (which speaks the Responses API), and the Anthropic SDK's Messages API.
// It honours json_object, a JSON schema and a forced function call, and refuses what it
// cannot do with a 400 naming the field. Every body validates against OpenAI's schemas.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import OpenAI from "openai";
import Anthropic from "@anthropic-ai/sdk";
import { createOpenAI } from "@ai-sdk/openai";
import { generateObject, generateText, streamText, tool } from "ai";
import { z } from "zod";
import { TOLLGATE_BIN, canConnect, curl, freePort, json, sleep, sseEvents, tempDir } from "./lib/harness.mjs";
import { validate } from "./lib/openapi.mjs";

const KEY = "tg-demo-key";  // the default config's demo key
let child, base;

before(async () => {
  const port = await freePort();
  const admin = await freePort();
  child = spawn(TOLLGATE_BIN, [], {  // no --config: the embedded conf/tollgate.yaml
    cwd: tempDir(),
    env: { ...process.env, TOLLGATE_LISTEN: `127.0.0.1:${port}`, TOLLGATE_ADMIN: `127.0.0.1:${admin}` },
    stdio: ["ignore", "ignore", "ignore"],
  });
  for (let i = 0; i < 400 && !(await canConnect(port)); i++) await sleep(25);
  base = `http://127.0.0.1:${port}`;
});
after(async () => {
  child.kill("SIGTERM");
  await new Promise((r) => child.once("exit", r));
});

const openai = () => new OpenAI({ baseURL: `${base}/v1`, apiKey: KEY, maxRetries: 0 });
const anthropic = () => new Anthropic({ baseURL: base, apiKey: KEY, maxRetries: 0 });
const vercel = () => createOpenAI({ baseURL: `${base}/v1`, apiKey: KEY });

test("responses.create: a Response with the demo reply and its usage", async () => {
  const r = await curl([`${base}/v1/responses`, "-H", `authorization: Bearer ${KEY}`,
    "-d", JSON.stringify({ model: "demo", instructions: "Be brief.", input: "hello there" })]);
  assert.equal(r.status, 200, r.body);
  validate("Response", json(r.body));
  const res = await openai().responses.create({ model: "demo", input: [{ role: "user", content: "hello there" }] });
  assert.equal(res.status, "completed");
  assert.match(res.output_text, /hello there/);
  assert.equal(res.usage.total_tokens, res.usage.input_tokens + res.usage.output_tokens);
  assert.ok(res.usage.output_tokens > 3);
});

test("responses.create streamed: OpenAI's event sequence, each a ResponseStreamEvent, usage at the end", async () => {
  const stream = await openai().responses.create({ model: "demo", input: "stream me", stream: true });
  const events = [];
  for await (const event of stream) events.push(event);
  for (const e of events) validate("ResponseStreamEvent", JSON.parse(JSON.stringify(e)));
  const types = events.map((e) => e.type);
  assert.deepEqual(types.filter((t) => t !== "response.output_text.delta"), [
    "response.created", "response.in_progress", "response.output_item.added", "response.content_part.added",
    "response.output_text.done", "response.content_part.done", "response.output_item.done", "response.completed",
  ]);
  assert.deepEqual(events.map((e) => e.sequence_number), events.map((_, i) => i));
  const text = events.filter((e) => e.type === "response.output_text.delta").map((e) => e.delta).join("");
  assert.match(text, /stream me/);
  assert.equal(events.find((e) => e.type === "response.output_text.done").text, text);
  const done = events.at(-1).response;
  assert.equal(done.output[0].content[0].text, text);
  assert.ok(done.usage.output_tokens > 3);
  // The SDK's helper assembles the same.
  const helper = openai().responses.stream({ model: "demo", input: "stream me" });
  const final = await helper.finalResponse();
  assert.equal(final.output_text, text);
});

test("the Vercel AI SDK's default openai('demo') generates and streams text", async () => {
  const model = vercel()("demo");
  const { text, usage } = await generateText({ model, prompt: "hi from vercel" });
  assert.match(text, /hi from vercel/);
  assert.ok(usage.outputTokens > 0 && usage.inputTokens > 0);
  const stream = streamText({ model, prompt: "stream from vercel" });
  let streamed = "";
  for await (const piece of stream.textStream) streamed += piece;
  assert.match(streamed, /stream from vercel/);
  assert.ok((await stream.usage).outputTokens > 0);
});

test("the Vercel AI SDK gets an object for its schema and a call of a forced tool", async () => {
  const model = vercel()("demo");
  const { object } = await generateObject({
    model, prompt: "a city", schema: z.object({ name: z.string(), population: z.number(), tags: z.array(z.string()) }),
  });
  assert.deepEqual(Object.keys(object).sort(), ["name", "population", "tags"]);
  const { toolCalls } = await generateText({
    model, prompt: "weather?", toolChoice: { type: "tool", toolName: "weather" },
    tools: { weather: tool({ description: "weather", inputSchema: z.object({ city: z.string() }) }) },
  });
  assert.equal(toolCalls.length, 1);
  assert.equal(toolCalls[0].toolName, "weather");
  assert.deepEqual(toolCalls[0].input, { city: "demo" });
});

test("the Anthropic SDK: plain and streamed messages from the demo model", async () => {
  const message = await anthropic().messages.create({
    model: "demo", max_tokens: 100, messages: [{ role: "user", content: "hi claude" }],
  });
  assert.equal(message.type, "message");
  assert.match(message.content[0].text, /hi claude/);
  assert.equal(message.stop_reason, "end_turn");
  assert.ok(message.usage.output_tokens > 0);
  const stream = anthropic().messages.stream({ model: "demo", max_tokens: 100, messages: [{ role: "user", content: "stream claude" }] });
  const types = [];
  for await (const event of stream) types.push(event.type);
  const final = await stream.finalMessage();
  assert.match(final.content[0].text, /stream claude/);
  assert.equal(types[0], "message_start");
  assert.equal(types.at(-1), "message_stop");
  assert.ok(final.usage.output_tokens > 0);
  // A forced tool comes back as a tool_use block.
  const call = await anthropic().messages.create({
    model: "demo", max_tokens: 100, messages: [{ role: "user", content: "weather?" }],
    tools: [{ name: "weather", input_schema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } }],
    tool_choice: { type: "tool", name: "weather" },
  });
  assert.equal(call.stop_reason, "tool_use");
  const use = call.content.find((b) => b.type === "tool_use");
  assert.deepEqual([use.name, use.input], ["weather", { city: "demo" }]);
});

test("chat: json_object answers a JSON object; a forced function is called, plain and streamed", async () => {
  const chat = openai().chat.completions;
  const obj = await chat.create({ model: "demo", response_format: { type: "json_object" }, messages: [{ role: "user", content: "json" }] });
  validate("CreateChatCompletionResponse", JSON.parse(JSON.stringify(obj)));
  assert.equal(typeof JSON.parse(obj.choices[0].message.content), "object");
  const tools = [{ type: "function", function: { name: "lookup", parameters: { type: "object", properties: { id: { type: "integer" }, kind: { enum: ["a", "b"] } }, required: ["id"] } } }];
  const forced = await chat.create({ model: "demo", tools, tool_choice: "required", messages: [{ role: "user", content: "x" }] });
  validate("CreateChatCompletionResponse", JSON.parse(JSON.stringify(forced)));
  assert.equal(forced.choices[0].finish_reason, "tool_calls");
  const call = forced.choices[0].message.tool_calls[0];
  assert.equal(call.function.name, "lookup");
  assert.deepEqual(JSON.parse(call.function.arguments), { id: 0, kind: "a" });
  const stream = await chat.create({ model: "demo", tools, tool_choice: { type: "function", function: { name: "lookup" } }, stream: true, messages: [{ role: "user", content: "x" }] });
  let args = "";
  let finish;
  for await (const chunk of stream) {
    validate("CreateChatCompletionStreamResponse", JSON.parse(JSON.stringify(chunk)));
    args += chunk.choices[0]?.delta?.tool_calls?.[0]?.function?.arguments ?? "";
    finish = chunk.choices[0]?.finish_reason ?? finish;
  }
  assert.equal(finish, "tool_calls");
  assert.deepEqual(JSON.parse(args), { id: 0, kind: "a" });
  // auto: the demo may answer in words, as a model may.
  const auto = await chat.create({ model: "demo", tools, messages: [{ role: "user", content: "words please" }] });
  assert.match(auto.choices[0].message.content, /words please/);
});

test("what the demo cannot honour is a 400 naming the field, in each API's shape", async () => {
  const refused = async (promise, param) => {
    await assert.rejects(promise, (e) => {
      assert.equal(e.status, 400);
      assert.equal(e.error?.param ?? e.param, param, JSON.stringify(e.error));
      return true;
    });
  };
  await refused(openai().responses.create({ model: "demo", input: "x", tools: [{ type: "web_search" }] }), "tools[0].type");
  await refused(openai().responses.create({ model: "demo", input: "x", tool_choice: { type: "function", name: "nope" }, tools: [] }), "tool_choice");
  await refused(openai().responses.create({ model: "demo", input: "x", text: { format: { type: "grammar" } } }), "text.format.type");
  await refused(openai().chat.completions.create({ model: "demo", messages: [{ role: "user", content: "x" }], tools: [{ type: "custom", custom: { name: "c" } }] }), "tools[0].type");
  await refused(openai().chat.completions.create({ model: "demo", messages: [{ role: "user", content: "x" }], tool_choice: "required" }), "tool_choice");
  const body = await curl([`${base}/v1/chat/completions`, "-H", `authorization: Bearer ${KEY}`,
    "-d", JSON.stringify({ model: "demo", messages: [{ role: "user", content: "x" }], response_format: { type: "xml" } })]);
  assert.equal(body.status, 400);
  validate("ErrorResponse", json(body.body));
  assert.equal(json(body.body).error.param, "response_format.type");
  // /v1/messages: Anthropic's error shape.
  await assert.rejects(anthropic().messages.create({
    model: "demo", max_tokens: 10, messages: [{ role: "user", content: "x" }],
    tools: [{ name: "a", input_schema: { type: "object" } }], tool_choice: { type: "tool", name: "b" },
  }), (e) => {
    assert.ok(e instanceof Anthropic.BadRequestError, String(e));
    assert.equal(e.error.type, "error");
    assert.match(e.error.error.message, /tool_choice/);
    return true;
  });
});

test("streamed demo events are whole SSE events with their names", async () => {
  const r = await curl([`${base}/v1/responses`, "-H", `authorization: Bearer ${KEY}`,
    "-d", JSON.stringify({ model: "demo", input: "names", stream: true })]);
  assert.equal(r.status, 200);
  assert.match(r.body, /^event: response\.created\ndata: /m);
  assert.ok(!r.body.includes("[DONE]"), "the Responses API ends without [DONE]");
  for (const data of sseEvents(r.body).filter(Boolean)) validate("ResponseStreamEvent", json(data));
});
