// A streamed Responses API call (the openai SDK's responses.create, what agents and the
// Vercel AI SDK use) is billed past its prompt: the completion comes from the
// response.completed event's usage, exactly, never estimated.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import OpenAI from "openai";
import { accessLine, basicConfig, startGateway, startMock, stopAll } from "./lib/harness.mjs";

let gw;
before(async () => {
  const mock = await startMock();
  gw = await startGateway(basicConfig({ mockUrl: mock.url }));
});
after(stopAll);

test("responses.create streamed: usage from response.completed in the access line", async () => {
  const client = new OpenAI({ baseURL: `${gw.base}/v1`, apiKey: "any", maxRetries: 0 });
  const stream = await client.responses.create(
    { model: "gpt-test", input: "hello there", stream: true },
    { headers: { "x-mock-completion-tokens": "12" } },
  );
  let completed;
  for await (const event of stream) if (event.type === "response.completed") completed = event.response;
  assert.equal(completed.usage.output_tokens, 12);
  const line = await accessLine(gw, (l) => l.path === "/v1/responses");
  assert.equal(line.prompt_tokens, completed.usage.input_tokens);
  assert.equal(line.completion_tokens, 12);
  assert.equal(line.usage_estimated, false);
});
