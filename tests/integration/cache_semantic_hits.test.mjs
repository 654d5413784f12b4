// The semantic cache through the binary: a reworded question is answered from the
// entry of the first wording (x-tollgate-cache: semantic-hit, with its similarity), never
// when the numbers differ, the system prompt differs, or the request raised the threshold
// above the similarity; a lower threshold in a request is ignored. The audit line says
// which. The example config passes --check.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import OpenAI from "openai";
import { TOLLGATE_BIN, json, sleep, startGateway, startMock, stopAll, tempDir } from "./lib/harness.mjs";
import { KEYS, answerText, ask, cacheConfig, chat, mockCalls } from "./lib/cache_helpers.mjs";

const root = process.env.TOLLGATE_SOURCE_DIR ?? path.resolve(import.meta.dirname, "../..");
let gw, mock, client, auditFile;
before(async () => {
  mock = await startMock();
  const dir = tempDir();
  auditFile = path.join(dir, "audit.jsonl");
  gw = await startGateway(
    cacheConfig(mock, "  scope: key\n  semantic: {ttl: 1h, threshold: 0.92, embedder: builtin}", {
      extra: `audit:\n  path: ${auditFile}`,
    }),
  );
  client = new OpenAI({ baseURL: `${gw.base}/v1`, apiKey: KEYS.a, maxRetries: 0, timeout: 20000 });
});
after(stopAll);

async function store(content, answer, extra = {}) {
  const r = await chat(gw, KEYS.a, ask(content, extra), [`x-mock-answer: ${answer}`]);
  assert.equal(r.headers["x-tollgate-cache"], "miss", r.body);
  await sleep(50);
}

test("a reworded question is a semantic hit; the provider is not called", async () => {
  await store("How many moons does Jupiter have?", "Jupiter has 95 known moons.");
  const calls = await mockCalls(mock);
  const { data, response } = await client.chat.completions
    .create({ model: "gpt-test", messages: [{ role: "user", content: "how many moons does jupiter have" }] })
    .withResponse();
  assert.equal(response.headers.get("x-tollgate-cache"), "semantic-hit");
  assert.ok(Number(response.headers.get("x-tollgate-cache-similarity")) >= 0.92);
  assert.equal(data.choices[0].message.content, "Jupiter has 95 known moons.");
  // Streamed too, event by event.
  const stream = await client.chat.completions.create({
    model: "gpt-test", stream: true, messages: [{ role: "user", content: "How many moons does Jupiter have" }],
  });
  let text = "", events = 0;
  for await (const chunk of stream) {
    events++;
    text += chunk.choices[0]?.delta?.content ?? "";
  }
  assert.equal(text, "Jupiter has 95 known moons.");
  assert.ok(events > 3);
  assert.equal(await mockCalls(mock), calls);
});

test("other numbers, another system prompt or another subject miss", async () => {
  await store("What is 15% of 80?", "12");
  assert.equal((await chat(gw, KEYS.a, ask("what is 15% of 90"))).headers["x-tollgate-cache"], "miss");
  assert.equal((await chat(gw, KEYS.a, ask("What is 15% of 80"))).headers["x-tollgate-cache"], "semantic-hit");
  const withSystem = {
    model: "gpt-test",
    messages: [{ role: "system", content: "Answer in French." }, { role: "user", content: "what is 15% of 80" }],
  };
  assert.equal((await chat(gw, KEYS.a, withSystem)).headers["x-tollgate-cache"], "miss");
  await store("What is the capital of France?", "Paris.");
  const germany = await chat(gw, KEYS.a, ask("What is the capital of Germany?"));
  assert.equal(germany.headers["x-tollgate-cache"], "miss");
  assert.notEqual(answerText(germany), "Paris.");
});

test("a request may raise the threshold, never lower it", async () => {
  await store("Explain how photosynthesis works", "Light to sugar.");
  const reworded = ask("Please explain how photosynthesis works");
  const strict = await chat(gw, KEYS.a, reworded, ["x-tollgate-cache-threshold: 0.999"]);
  assert.equal(strict.headers["x-tollgate-cache"], "miss");
  await store("Convert 5 km to miles", "3.1 miles");
  const loose = await chat(gw, KEYS.a, ask("Convert 5 miles to km"), ["x-tollgate-cache-threshold: 0.5"]);
  assert.equal(loose.headers["x-tollgate-cache"], "miss");
  assert.notEqual(answerText(loose), "3.1 miles");
});

test("the audit line records hit, semantic-hit and miss", async () => {
  await sleep(300);
  const lines = readFileSync(auditFile, "utf8").trim().split("\n").map((l) => json(l));
  const seen = new Set(lines.map((l) => l.cache));
  for (const result of ["miss", "semantic-hit"]) assert.ok(seen.has(result), [...seen].join());
  const hit = lines.find((l) => l.cache === "semantic-hit");
  assert.equal(hit.prompt_tokens + hit.completion_tokens, 0);
  assert.equal(hit.key_id, "key-a");
});

test("the example config passes --check", () => {
  const example = path.join(root, "conf", "examples", "cache.yaml");
  const r = spawnSync(TOLLGATE_BIN, ["--config", example, "--check"], {
    env: { ...process.env, OPENAI_API_KEY: "sk-test" }, encoding: "utf8",
  });
  assert.equal(r.status, 0, r.stderr + r.stdout);
});
