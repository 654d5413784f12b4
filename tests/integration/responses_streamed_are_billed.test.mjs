// A streamed Responses API call (the openai SDK's responses.create, what agents and the
// Vercel AI SDK use) is billed past its prompt: the completion comes from the
// response.completed event's usage, exactly, never estimated.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import OpenAI from "openai";
import { basicConfig, sleep, startGateway, startMock, stopAll } from "./lib/harness.mjs";

let gw;
before(async () => {
  const mock = await startMock();
  gw = await startGateway(basicConfig({ mockUrl: mock.url }));
});
after(stopAll);

const accessLines = () =>
  (gw.proc.stdout + gw.proc.stderr)
    .split("\n")
    .filter((l) => l.includes('"type":"access"'))
    .map((l) => JSON.parse(l));

test("responses.create streamed: usage from response.completed in the access line", async () => {
  const client = new OpenAI({ baseURL: `${gw.base}/v1`, apiKey: "any", maxRetries: 0 });
  const stream = await client.responses.create(
    { model: "gpt-test", input: "hello there", stream: true },
    { headers: { "x-mock-completion-tokens": "12" } },
  );
  let completed;
  for await (const event of stream) if (event.type === "response.completed") completed = event.response;
  assert.equal(completed.usage.output_tokens, 12);
  let line;
  for (let i = 0; i < 50 && !line; i++) {
    line = accessLines().find((l) => l.path === "/v1/responses");
    if (!line) await sleep(20);
  }
  assert.ok(line, "an access line for the call");
  assert.equal(line.prompt_tokens, completed.usage.input_tokens);
  assert.equal(line.completion_tokens, 12);
  assert.equal(line.usage_estimated, false);
});
