// Billing is not something a client can switch off: whatever stream_options it sends
// (none, {}, include_usage false, null), the provider is asked for usage, the completion
// tokens are counted, and the usage chunk reaches the client only when it asked for it.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import OpenAI from "openai";
import {
  accessLine, basicConfig, curl, json, lastUpstreamRequest, sleep, sseEvents, startGateway, startMock, stopAll,
} from "./lib/harness.mjs";

let gw, mock;
before(async () => {
  mock = await startMock();
  gw = await startGateway(basicConfig({ mockUrl: mock.url }));
});
after(stopAll);

const accessLineOf = (requestId) => accessLine(gw, (l) => l.request_id === requestId);

const variants = [
  ["no stream_options", {}, false],
  ["stream_options {}", { stream_options: {} }, false],
  ["include_usage false", { stream_options: { include_usage: false } }, false],
  ["stream_options null", { stream_options: null }, false],
  ["include_usage true", { stream_options: { include_usage: true } }, true],
];

for (const [name, extra, asked] of variants) {
  test(`${name}: 1,000 completion tokens are counted; the usage chunk only when asked`, async () => {
    const requestId = `req-usage-${name.replace(/\W+/g, "-")}`;
    const body = { model: "gpt-test", stream: true, messages: [{ role: "user", content: "count me" }], ...extra };
    const r = await curl([
      "-N", `${gw.base}/v1/chat/completions`, "-H", `x-request-id: ${requestId}`,
      "-H", "x-mock-completion-tokens: 1000", "-d", JSON.stringify(body),
    ]);
    assert.equal(r.status, 200, r.body);
    const upstream = JSON.parse((await lastUpstreamRequest(mock)).body);
    assert.equal(upstream.stream_options.include_usage, true, "the provider is always asked for usage");
    const events = sseEvents(r.body).filter((e) => e !== "[DONE]").map(json);
    const usageChunks = events.filter((e) => e.usage && e.choices.length === 0);
    assert.equal(usageChunks.length, asked ? 1 : 0, "the usage chunk reaches the client only when it asked");
    const access = await accessLineOf(requestId);
    assert.equal(access.completion_tokens, 1000, "completion tokens are billed");
  });
}

test("the openai SDK with include_usage false is billed too", async () => {
  const client = new OpenAI({ baseURL: `${gw.base}/v1`, apiKey: "any", defaultHeaders: { "x-mock-completion-tokens": "777", "x-request-id": "req-usage-sdk" } });
  const stream = await client.chat.completions.create({
    model: "gpt-test", stream: true, stream_options: { include_usage: false },
    messages: [{ role: "user", content: "hi" }],
  });
  let text = "";
  for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? "";
  assert.ok(text.length > 0);
  assert.equal((await accessLineOf("req-usage-sdk")).completion_tokens, 777);
});
