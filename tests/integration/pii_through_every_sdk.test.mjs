// The pii stage as each real client reaches it by default: the Vercel AI SDK's
// `openai(model)` speaks the Responses API (streamed: response.output_text.delta events),
// `openai.chat(model)` and LangChain's ChatOpenAI speak chat completions. Whatever the
// client, the provider sees placeholders, the client gets its own value back, and a value
// the model wrote comes out masked, whole and streamed (the mock splits the answer into
// pieces that cut the placeholder and the address).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { generateText, streamText } from "ai";
import { createOpenAI } from "@ai-sdk/openai";
import { ChatOpenAI } from "@langchain/openai";
import { basicConfig, lastUpstreamRequest, startGateway, startMock, stopAll } from "./lib/harness.mjs";

const PROMPT = "Please write to ann@example.com.";
const ANSWER = "Sure, I wrote to [EMAIL_1] and copied bob@example.org.";
const CLIENT_SEES = "Sure, I wrote to ann@example.com and copied [EMAIL].";

let mock, gw;
before(async () => {
  mock = await startMock();
  gw = await startGateway(basicConfig({ mockUrl: mock.url }) + "pii:\n  entities: {email: pseudonymize}\n");
});
after(stopAll);

const vercel = (chunks) =>
  createOpenAI({
    baseURL: `${gw.base}/v1`,
    apiKey: "tg-any-key",
    headers: { "x-mock-answer": ANSWER, "x-mock-chunks": String(chunks) },
  });

async function upstreamSaw() {
  return (await lastUpstreamRequest(mock)).body;
}

test("Vercel AI SDK, Responses API (its default): generateText", async () => {
  const { text } = await generateText({ model: vercel(1)("gpt-test"), prompt: PROMPT });
  assert.equal(text, CLIENT_SEES);
  const sent = await upstreamSaw();
  assert.match(sent, /\[EMAIL_1\]/);
  assert.doesNotMatch(sent, /ann@example\.com/);
});

for (const chunks of [3, 11, 29]) {
  test(`Vercel AI SDK, Responses API: streamText in ${chunks} pieces`, async () => {
    const result = streamText({ model: vercel(chunks)("gpt-test"), prompt: PROMPT });
    let text = "";
    for await (const delta of result.textStream) text += delta;
    assert.equal(text, CLIENT_SEES);
    assert.equal((await result.text), CLIENT_SEES);
  });
}

test("Vercel AI SDK, chat completions: streamText", async () => {
  const result = streamText({ model: vercel(7).chat("gpt-test"), prompt: PROMPT });
  let text = "";
  for await (const delta of result.textStream) text += delta;
  assert.equal(text, CLIENT_SEES);
});

test("LangChain ChatOpenAI: invoke and stream", async () => {
  const chat = (chunks) =>
    new ChatOpenAI({
      model: "gpt-test",
      apiKey: "tg-any-key",
      maxRetries: 0,
      configuration: {
        baseURL: `${gw.base}/v1`,
        defaultHeaders: { "x-mock-answer": ANSWER, "x-mock-chunks": String(chunks) },
      },
    });
  assert.equal((await chat(1).invoke(PROMPT)).content, CLIENT_SEES);
  let text = "";
  for await (const piece of await chat(13).stream(PROMPT)) text += piece.content;
  assert.equal(text, CLIENT_SEES);
});
