// The Azure OpenAI dialect end to end: OpenAI's bodies at Azure's addresses
// (/openai/deployments/{deployment}/...?api-version=...) with the api-key header, through
// the real gateway to the mock, with the openai SDK as the client.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import OpenAI from "openai";
import { curl, json, lastUpstreamRequest, sleep, sseEvents, startGateway, startMock, stopAll, tempDir } from "./lib/harness.mjs";
import { validate } from "./lib/openapi.mjs";

let gw;
let mock;
let client;

// Failures the circuit breaker counts (429, 5xx) use a provider of their own.
function config(mockPort, extra = "") {
  return `server:
  listen: ["127.0.0.1:\${PORT}"]
  admin: 127.0.0.1:\${ADMIN_PORT}
  threads: 2
${extra}
providers:
  - name: azure
    kind: azure
    forward_headers: ["x-mock-*"]
    base_url: http://127.0.0.1:${mockPort}
    api_key: az-provider-secret
    api_version: 2024-10-21
    timeout: 5s
    connect_timeout: 2s
  - name: azure-failing
    kind: azure
    forward_headers: ["x-mock-*"]
    base_url: http://127.0.0.1:${mockPort}
    api_key: az-provider-secret
    api_version: 2024-10-21
  - name: azure-nokey
    kind: azure
    forward_headers: ["x-mock-*"]
    base_url: http://127.0.0.1:${mockPort}
    api_version: 2024-10-21
models:
  - name: az
    targets: [{provider: azure, model: gpt-4o-prod}]
  - name: az-emb
    targets: [{provider: azure, model: embeddings-prod}]
  - name: az-failing
    targets: [{provider: azure-failing, model: gpt-4o-prod}]
  - name: az-nokey
    targets: [{provider: azure-nokey, model: gpt-4o-prod}]
`;
}

before(async () => {
  mock = await startMock();
  gw = await startGateway(config(mock.port));
  client = new OpenAI({ baseURL: `${gw.base}/v1`, apiKey: "tg-any-key", maxRetries: 0, timeout: 20000 });
});
after(stopAll);

const plain = (value) => JSON.parse(JSON.stringify(value));

test("chat: the deployment in the path, api-version in the query, api-key as the credential", async () => {
  const data = await client.chat.completions.create({
    model: "az",
    messages: [{ role: "system", content: "be brief" }, { role: "user", content: "hello azure" }],
    temperature: 0.2,
  });
  validate("CreateChatCompletionResponse", plain(data));
  assert.equal(data.choices[0].message.content, "The quick brown fox jumps over the lazy");
  assert.deepEqual(data.usage, { prompt_tokens: 4, completion_tokens: 8, total_tokens: 12 });
  const up = await lastUpstreamRequest(mock);
  assert.equal(up.target, "/openai/deployments/gpt-4o-prod/chat/completions?api-version=2024-10-21");
  assert.equal(up.headers["api-key"], "az-provider-secret");
  assert.equal(up.headers.authorization, undefined);
  const body = JSON.parse(up.body);
  assert.equal(body.temperature, 0.2);
  assert.equal(body.messages.length, 2);
});

test("streaming: chunks relayed, usage asked for and hidden unless the client wants it", async () => {
  const stream = await client.chat.completions.create({
    model: "az",
    stream: true,
    stream_options: { include_usage: true },
    messages: [{ role: "user", content: "stream please" }],
  });
  let text = "";
  let usage;
  for await (const chunk of stream) {
    validate("CreateChatCompletionStreamResponse", plain(chunk));
    text += chunk.choices[0]?.delta?.content ?? "";
    if (chunk.usage) usage = chunk.usage;
  }
  assert.equal(text, "The quick brown fox jumps over the lazy");
  assert.equal(usage.completion_tokens, 8);

  const r = await curl(["-N", `${gw.base}/v1/chat/completions`,
    "-d", JSON.stringify({ model: "az", stream: true, messages: [{ role: "user", content: "x" }] })]);
  const events = sseEvents(r.body);
  assert.equal(events.at(-1), "[DONE]");
  for (const e of events.slice(0, -1)) assert.ok(json(e).choices.length > 0, "no usage chunk");
  const up = await lastUpstreamRequest(mock);
  assert.deepEqual(JSON.parse(up.body).stream_options, { include_usage: true });
});

test("completions and embeddings reach their Azure paths", async () => {
  const done = await client.completions.create({ model: "az", prompt: "complete me" });
  validate("CreateCompletionResponse", plain(done));
  assert.equal((await lastUpstreamRequest(mock)).target, "/openai/deployments/gpt-4o-prod/completions?api-version=2024-10-21");
  const emb = await client.embeddings.create({ model: "az-emb", input: ["a", "b"], encoding_format: "float" });
  validate("CreateEmbeddingResponse", plain(emb));
  assert.equal(emb.data.length, 2);
  assert.equal((await lastUpstreamRequest(mock)).target, "/openai/deployments/embeddings-prod/embeddings?api-version=2024-10-21");
});

test("content filtering: a filtered prompt is a 400 content_filter, a filtered completion says so", async () => {
  const r = await curl([`${gw.base}/v1/chat/completions`, "-H", "x-mock-content-filter: prompt",
    "-d", JSON.stringify({ model: "az", messages: [{ role: "user", content: "x" }] })]);
  assert.equal(r.status, 400);
  const body = json(r.body);
  validate("ErrorResponse", body);
  assert.equal(body.error.code, "content_filter");
  assert.equal(body.error.param, "prompt");

  const headers = { "x-mock-content-filter": "completion" };
  const data = await client.chat.completions.create({ model: "az", messages: [{ role: "user", content: "x" }] }, { headers });
  validate("CreateChatCompletionResponse", plain(data));
  assert.equal(data.choices[0].finish_reason, "content_filter");
  const stream = await client.chat.completions.create({ model: "az", stream: true, messages: [{ role: "user", content: "x" }] }, { headers });
  let finish;
  for await (const chunk of stream) finish = chunk.choices[0]?.finish_reason ?? finish;
  assert.equal(finish, "content_filter");
});

test("Azure errors reach the client in OpenAI's shape, with their status", async () => {
  for (const status of [400, 429, 500, 503]) {
    const model = status >= 429 ? "az-failing" : "az";
    const r = await curl([`${gw.base}/v1/chat/completions`, "-H", `x-mock-status: ${status}`,
      "-d", JSON.stringify({ model, messages: [{ role: "user", content: "x" }] })]);
    assert.equal(r.status, status, r.body);
    validate("ErrorResponse", json(r.body));
    if (status === 429) {
      assert.equal(r.headers["retry-after"], "1");
      assert.match(json(r.body).error.message, /rate limit/);
    }
    assert.doesNotMatch(r.body + JSON.stringify(r.headers), /az-provider-secret/);
  }
  // Without an api-key Azure answers 401: the gateway's credentials were refused, which
  // the client learns as a 502 (never a 401 that reads as its own key's fault).
  const r = await curl([`${gw.base}/v1/chat/completions`, "-d", JSON.stringify({ model: "az-nokey", messages: [{ role: "user", content: "x" }] })]);
  assert.equal(r.status, 502, r.body);
  const body = json(r.body);
  validate("ErrorResponse", body);
  assert.equal(body.error.code, "upstream_credentials_refused");
  assert.match(body.error.message, /'azure-nokey' refused the gateway's credentials/);
  await assert.rejects(
    client.chat.completions.create({ model: "az-nokey", messages: [{ role: "user", content: "x" }] }),
    (e) => e instanceof OpenAI.InternalServerError && e.status === 502,
  );
});

test("other operations are refused clearly", async () => {
  const r = await curl([`${gw.base}/v1/images/generations`, "-d", JSON.stringify({ model: "az", prompt: "a cat" })]);
  assert.equal(r.status, 404, r.body);
  validate("ErrorResponse", json(r.body));
  assert.match(json(r.body).error.message, /chat\/completions/);
});

test("the mock refuses what Azure refuses: no api-key 401, no api-version 404", async () => {
  const base = `http://127.0.0.1:${mock.port}/openai/deployments/d/chat/completions`;
  const body = JSON.stringify({ messages: [{ role: "user", content: "x" }] });
  const noKey = await curl([`${base}?api-version=2024-10-21`, "-d", body]);
  assert.equal(noKey.status, 401);
  assert.equal(json(noKey.body).error.code, "401");
  const noVersion = await curl([base, "-H", "api-key: k", "-d", body]);
  assert.equal(noVersion.status, 404);
  assert.equal(json(noVersion.body).error.message, "Resource not found");
});

test("an azure provider without api_version stops the gateway with an error naming it", async () => {
  const broken = config(mock.port).replace("    api_version: 2024-10-21\n    timeout: 5s", "    timeout: 5s");
  await assert.rejects(startGateway(broken), /provider 'azure'.*api_version/);
});

test("the limits stage bills Azure's usage, whole and streamed", async () => {
  const adminKey = "admin-key-for-azure-tests-01234";
  const key = "tg-azure-usage-key";
  const billed = await startGateway(`${config(mock.port, `  admin_key: ${adminKey}`)}
state:
  sqlite: ${tempDir()}/tollgate.db
  flush_interval: 100ms
keys:
  - {id: az-user, key: ${key}, limits: {tpm: 100000}}
`);
  const billedClient = new OpenAI({ baseURL: `${billed.base}/v1`, apiKey: key, maxRetries: 0 });
  const headers = { "x-mock-completion-tokens": "13" };
  await billedClient.chat.completions.create({ model: "az", messages: [{ role: "user", content: "one two" }] }, { headers });
  const stream = await billedClient.chat.completions.create(
    { model: "az", stream: true, messages: [{ role: "user", content: "one two" }] }, { headers });
  for await (const chunk of stream) assert.equal(chunk.usage ?? null, null);
  let row;
  for (let i = 0; i < 40 && !(row?.requests >= 2); i++) {
    await sleep(50);
    const r = await curl([`http://127.0.0.1:${billed.adminPort}/admin/usage?scope=key:az-user`, "-H", `authorization: Bearer ${adminKey}`]);
    assert.equal(r.status, 200, r.body);
    row = json(r.body).data[0];
  }
  assert.equal(row.requests, 2);
  assert.equal(row.prompt_tokens, 4);
  assert.equal(row.completion_tokens, 26);
});
