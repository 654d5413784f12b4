// Routing through the real binary with the official openai SDK as the client: strategies,
// fallback chains on 500/429/hang/refusal, retries with their timing, circuit breakers
// opening, skipping, probing and closing, streams failing before and after their first
// byte, and each kind of routing rule.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import OpenAI from "openai";
import { SLOW, curl, freePort, json, sseEvents, startGateway, startMock, stop, stopAll } from "./lib/harness.mjs";
import { validate } from "./lib/openapi.mjs";

after(stopAll);

function config(mockUrl, { providers = "", models, extra = "" }) {
  return `server:
  listen: ["127.0.0.1:\${PORT}"]
  admin: 127.0.0.1:\${ADMIN_PORT}
  threads: 2
providers:
  - {name: mock, kind: openai, base_url: "${mockUrl}", api_key: sk-mock, timeout: 5s, connect_timeout: 1s, forward_headers: ["x-mock-*"]}
${providers}
models:
${models}
${extra}
`;
}

function sdk(gw) {
  return new OpenAI({ baseURL: `${gw.base}/v1`, apiKey: "unused", maxRetries: 0 });
}

async function ask(client, model, options = {}) {
  const started = Date.now();
  const { data, response } = await client.chat.completions
    .create({ model, messages: [{ role: "user", content: "route me" }] }, options)
    .withResponse();
  validate("CreateChatCompletionResponse", data);
  return {
    data,
    ms: Date.now() - started,
    provider: response.headers.get("x-tollgate-provider"),
    model: response.headers.get("x-tollgate-model"),
    attempts: Number(response.headers.get("x-tollgate-attempts")),
  };
}

// Log lines are written after the answer has gone out: wait for them, a bounded while.
async function waitForLog(proc, pattern) {
  for (let i = 0; i < 250 * SLOW && !pattern.test(proc.stdout); i++) await new Promise((r) => setTimeout(r, 20));
  assert.match(proc.stdout, pattern);
}

async function askError(client, model, options = {}) {
  const started = Date.now();
  try {
    await client.chat.completions.create({ model, messages: [{ role: "user", content: "x" }] }, options);
  } catch (e) {
    return { error: e, ms: Date.now() - started, attempts: Number(e.headers?.get?.("x-tollgate-attempts")) };
  }
  assert.fail("expected an error");
}

test("weighted splits within tolerance; round_robin alternates", async () => {
  const mock = await startMock();
  const gw = await startGateway(config(mock.url, {
    models: `  - name: split
    strategy: weighted
    targets: [{provider: mock, model: heavy, weight: 3}, {provider: mock, model: light, weight: 1}]
  - name: rr
    strategy: round_robin
    targets: [{provider: mock, model: one}, {provider: mock, model: two}]`,
  }));
  const client = sdk(gw);
  const counts = { heavy: 0, light: 0 };
  const n = 400;
  for (let i = 0; i < n; i += 20) {
    const batch = await Promise.all(Array.from({ length: 20 }, () => ask(client, "split")));
    for (const r of batch) counts[r.model]++;
  }
  // Binomial(400, 0.75): sd ≈ 8.7; ±45 is over five of them.
  assert.ok(Math.abs(counts.heavy - 300) <= 45, JSON.stringify(counts));
  assert.equal(counts.heavy + counts.light, n);

  const seen = [];
  for (let i = 0; i < 6; i++) seen.push((await ask(client, "rr")).model);
  for (let i = 1; i < 6; i++) assert.notEqual(seen[i], seen[i - 1], seen.join(","));
});

test("a primary answering 500 is retried with backoff, then the fallback serves", async () => {
  const mock = await startMock();
  const gw = await startGateway(config(mock.url, {
    providers: `  - {name: failing, kind: openai, base_url: "${mock.url}", api_key: sk-mock, headers: {x-mock-status: "500"}, forward_headers: ["x-mock-*"]}`,
    models: `  - name: primary
    targets: [{provider: failing, model: primary-model}]
    retries: {attempts: 2, backoff: 100ms, max_backoff: 1s}
    fallbacks: [backup]
  - name: backup
    targets: [{provider: mock, model: backup-model}]`,
  }));
  const r = await ask(sdk(gw), "primary");
  assert.equal(r.provider, "mock");
  assert.equal(r.model, "backup-model");
  assert.equal(r.data.model, "backup-model");
  assert.equal(r.attempts, 4, "three tries of the primary, then the fallback");
  // Backoff 100 ms then 200 ms, each at least half of that (jitter).
  assert.ok(r.ms >= 150, `took ${r.ms} ms`);
});

test("a 429 is retried after the provider's retry-after, capped by max_backoff", async () => {
  const mock = await startMock();
  const gw = await startGateway(config(mock.url, {
    providers: `  - {name: limited, kind: openai, base_url: "${mock.url}", api_key: sk-mock, headers: {x-mock-status: "429"}, forward_headers: ["x-mock-*"]}`,
    models: `  - name: primary
    targets: [{provider: limited, model: primary-model}]
    retries: {attempts: 1, backoff: 10ms, max_backoff: 5s}
    fallbacks: [backup]
  - name: capped
    targets: [{provider: limited, model: primary-model}]
    retries: {attempts: 1, backoff: 10ms, max_backoff: 300ms}
  - name: backup
    targets: [{provider: mock, model: backup-model}]`,
  }));
  const client = sdk(gw);
  const r = await ask(client, "primary");
  assert.equal(r.model, "backup-model");
  assert.equal(r.attempts, 3);
  assert.ok(r.ms >= 950, `waited the provider's retry-after of 1 s: ${r.ms} ms`);

  // No fallback: the provider's own 429 comes through, after a wait capped at 300 ms.
  const e = await askError(client, "capped");
  assert.equal(e.error.status, 429);
  assert.ok(e.ms >= 250 && e.ms < 950, `capped wait: ${e.ms} ms`);
});

test("a hanging primary times out per the model's timeout; a refusing one fails fast; both fall back", async () => {
  const mock = await startMock();
  const dead = await freePort();
  const gw = await startGateway(config(mock.url, {
    providers: `  - {name: hanging, kind: openai, base_url: "${mock.url}", api_key: sk-mock, headers: {x-mock-hang: "1"}, forward_headers: ["x-mock-*"]}
  - {name: refusing, kind: openai, base_url: "http://127.0.0.1:${dead}/v1", api_key: sk-mock, connect_timeout: 1s, forward_headers: ["x-mock-*"]}`,
    models: `  - name: slow
    targets: [{provider: hanging, model: slow-model}]
    timeout: 300ms
    fallbacks: [backup]
  - name: down
    targets: [{provider: refusing, model: down-model}]
    fallbacks: [backup]
  - name: backup
    targets: [{provider: mock, model: backup-model}]`,
  }));
  const client = sdk(gw);
  let r = await ask(client, "slow");
  assert.equal(r.model, "backup-model");
  assert.ok(r.ms >= 280 && r.ms < 3000, `model timeout: ${r.ms} ms`);
  r = await ask(client, "down");
  assert.equal(r.model, "backup-model");
  assert.equal(r.attempts, 2);
});

test("a client error (400 from the provider) is never retried nor sent to a fallback", async () => {
  const mock = await startMock();
  const gw = await startGateway(config(mock.url, {
    providers: `  - {name: picky, kind: openai, base_url: "${mock.url}", api_key: sk-mock, headers: {x-mock-status: "400"}, forward_headers: ["x-mock-*"]}`,
    models: `  - name: primary
    targets: [{provider: picky, model: p}]
    retries: {attempts: 3, backoff: 10ms}
    fallbacks: [backup]
  - name: backup
    targets: [{provider: mock, model: backup-model}]`,
  }));
  const r = await curl([`${gw.base}/v1/chat/completions`, "-d", JSON.stringify({ model: "primary", messages: [{ role: "user", content: "x" }] })]);
  assert.equal(r.status, 400);
  validate("ErrorResponse", json(r.body));
  assert.equal(r.headers["x-tollgate-attempts"], "1");
});

test("circuit breaker: opens after consecutive failures, skips without trying, probes, closes", async () => {
  const mock = await startMock();
  const flakyPort = await freePort();
  const gw = await startGateway(config(mock.url, {
    providers: `  - {name: flaky, kind: openai, base_url: "http://127.0.0.1:${flakyPort}/v1", api_key: sk-mock, connect_timeout: 1s, forward_headers: ["x-mock-*"]}`,
    // lowest_cost makes the flaky (cheaper) target the first choice whenever it is allowed.
    models: `  - name: m
    strategy: lowest_cost
    retries: {attempts: 1, backoff: 0ms}
    targets: [{provider: flaky, model: cheap}, {provider: mock, model: pricey}]`,
    extra: `circuit_breaker: {failures: 2, open_for: 1s}
pricing:
  cheap: {input: 0.1, output: 0.1}
  pricey: {input: 10, output: 10}`,
  }));
  const client = sdk(gw);
  // Two failures (each followed by a retry on the other target) open the breaker.
  for (let i = 0; i < 2; i++) {
    const r = await ask(client, "m");
    assert.equal(r.model, "pricey");
    assert.equal(r.attempts, 2);
  }
  // Open: the flaky target is skipped without a network attempt.
  let r = await ask(client, "m");
  assert.equal(r.attempts, 1);
  assert.equal(r.model, "pricey");
  await waitForLog(gw.proc, /circuit breaker m\/flaky\/cheap: open/);

  // After open_for, one probe goes to it; it fails again, and the breaker reopens.
  await new Promise((res) => setTimeout(res, 1100));
  r = await ask(client, "m");
  assert.equal(r.attempts, 2);
  await waitForLog(gw.proc, /half-open/);
  r = await ask(client, "m");
  assert.equal(r.attempts, 1, "open again after the failed probe");

  // The target comes back; the next probe succeeds and closes the breaker.
  await startMock({ port: flakyPort });
  await new Promise((res) => setTimeout(res, 1100));
  r = await ask(client, "m");
  assert.equal(r.model, "cheap", "the probe itself is served");
  await waitForLog(gw.proc, /circuit breaker m\/flaky\/cheap: closed/);
  r = await ask(client, "m");
  assert.equal(r.model, "cheap");
  assert.equal(r.attempts, 1);
});

test("a stream failing before its first byte falls back; after it, it ends with an error event and [DONE]", async () => {
  const mock = await startMock();
  const gw = await startGateway(config(mock.url, {
    providers: `  - {name: failing, kind: openai, base_url: "${mock.url}", api_key: sk-mock, headers: {x-mock-status: "503"}, forward_headers: ["x-mock-*"]}
  - {name: dropping, kind: openai, base_url: "${mock.url}", api_key: sk-mock, headers: {x-mock-drop-after-chunks: "2"}, forward_headers: ["x-mock-*"]}`,
    models: `  - name: early
    targets: [{provider: failing, model: early-model}]
    fallbacks: [backup]
  - name: late
    targets: [{provider: dropping, model: late-model}]
    fallbacks: [backup]
  - name: backup
    targets: [{provider: mock, model: backup-model}]`,
  }));
  const client = sdk(gw);
  const stream = await client.chat.completions.create({
    model: "early", stream: true, messages: [{ role: "user", content: "stream" }],
  });
  let text = "";
  for await (const chunk of stream) {
    validate("CreateChatCompletionStreamResponse", chunk);
    assert.equal(chunk.model, "backup-model");
    text += chunk.choices[0]?.delta?.content ?? "";
  }
  assert.ok(text.length > 0);

  const r = await curl(["-N", `${gw.base}/v1/chat/completions`, "-d",
    JSON.stringify({ model: "late", stream: true, messages: [{ role: "user", content: "stream" }] })]);
  assert.equal(r.status, 200);
  assert.equal(r.headers["x-tollgate-model"], "late-model");
  const events = sseEvents(r.body);
  assert.equal(events.at(-1), "[DONE]");
  const error = json(events.at(-2));
  validate("ErrorResponse", error);
  assert.ok(events.slice(0, -2).every((e) => json(e).model === "late-model"), "no fallback after the first byte");
});

test("routing rules: by header, team, prompt size and model glob; first match wins", async () => {
  const mock = await startMock();
  const gw = await startGateway(config(mock.url, {
    models: `  - {name: gpt-4o, targets: [{provider: mock, model: gpt-4o}]}
  - {name: cheap-pool, targets: [{provider: mock, model: cheap-model}]}
  - {name: claude-sonnet, targets: [{provider: mock, model: sonnet-model}]}
  - {name: long-context, targets: [{provider: mock, model: long-model}]}
  - {name: mini, targets: [{provider: mock, model: mini-model}]}`,
    extra: `keys:
  - {id: researcher, key: tg-research-key-1, team: research}
  - {id: other, key: tg-other-key-0001, team: product}
routes:
  - match: {team: research, model: "gpt-4*"}
    to: claude-sonnet
  - match: {header: {x-tier: batch}}
    to: cheap-pool
  - match: {min_prompt_tokens: 1000}
    to: long-context
  - match: {model: "gpt-3*"}
    to: mini`,
  }));
  const client = (key) => new OpenAI({ baseURL: `${gw.base}/v1`, apiKey: key, maxRetries: 0 });
  const research = client("tg-research-key-1");
  const other = client("tg-other-key-0001");
  assert.equal((await ask(research, "gpt-4o")).model, "sonnet-model");
  assert.equal((await ask(other, "gpt-4o")).model, "gpt-4o");
  assert.equal((await ask(other, "gpt-4o", { headers: { "x-tier": "batch" } })).model, "cheap-model");
  // First match wins: the team rule comes before the header rule.
  assert.equal((await ask(research, "gpt-4o", { headers: { "x-tier": "batch" } })).model, "sonnet-model");
  const long = "word ".repeat(1200);
  const { response } = await other.chat.completions
    .create({ model: "gpt-4o", messages: [{ role: "user", content: long }] })
    .withResponse();
  assert.equal(response.headers.get("x-tollgate-model"), "long-model");
  assert.equal((await ask(other, "gpt-3.5-turbo")).model, "mini-model", "a model that exists only through a rule");
});

test("every target's breaker open → 503 in OpenAI's shape with retry-after", async () => {
  const mock = await startMock();
  const dead = await freePort();
  const gw = await startGateway(config(mock.url, {
    providers: `  - {name: gone, kind: openai, base_url: "http://127.0.0.1:${dead}/v1", api_key: sk-mock, connect_timeout: 1s, circuit_breaker: {failures: 1, open_for: 30s}, forward_headers: ["x-mock-*"]}`,
    models: `  - name: lonely
    targets: [{provider: gone, model: x}]`,
  }));
  let r = await curl([`${gw.base}/v1/chat/completions`, "-d", JSON.stringify({ model: "lonely", messages: [{ role: "user", content: "x" }] })]);
  assert.equal(r.status, 502);
  r = await curl([`${gw.base}/v1/chat/completions`, "-d", JSON.stringify({ model: "lonely", messages: [{ role: "user", content: "x" }] })]);
  assert.equal(r.status, 503);
  validate("ErrorResponse", json(r.body));
  assert.equal(r.headers["retry-after"], "1");
  await stop(gw.proc);
});
