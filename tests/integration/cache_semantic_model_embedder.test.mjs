// The semantic cache with `embedder: {model: NAME}`: the prompt's vector comes from an
// embeddings model of the config, asked through the gateway's own router (the mock
// answers a hashed bag of words). A reworded prompt hits; the call carries the provider's
// key, never the client's; an embedder that is down, slow past the timeout, or whose
// client hangs up makes a miss whose answer is still served (and stored exact only); the
// calls are counted in tollgate_cache_embedding_requests_total. With `store: redis`, a
// replica finds the vectors (of the model's dimension) another stored.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import OpenAI from "openai";
import { basicConfig, curl, freePort, sleep, startGateway, startMock, startRedis, stopAll, tempDir } from "./lib/harness.mjs";
import { ADMIN_KEY, KEYS, answerText, ask, chat } from "./lib/cache_helpers.mjs";

let mock, downPort;
const gateways = {};

function config(embedder, store = "") {
  return (
    basicConfig({
      mockUrl: mock.url,
      server: `  admin_key: ${ADMIN_KEY}\n`,
      provider: `  - name: embed-slow
    kind: openai
    base_url: ${mock.url}
    api_key: sk-slow-provider-secret
    headers: {x-mock-latency-ms: "3000"}
  - name: embed-down
    kind: openai
    base_url: http://127.0.0.1:${downPort}/v1
    api_key: sk-down-provider-secret
    connect_timeout: 1s`,
      models: `  - name: embedder
    targets: [{provider: mock, model: text-embedding-mock}]
  - name: slow-embedder
    targets: [{provider: embed-slow, model: text-embedding-mock}]
  - name: down-embedder
    targets: [{provider: embed-down, model: text-embedding-mock}]`,
    }) +
    `
keys:
  - {id: key-a, key: ${KEYS.a}, user: ann, team: red}
${store}
cache:
  scope: key
  store: ${store ? "redis" : "memory"}
  semantic: {threshold: 0.95, embedder: ${embedder}}
`
  );
}

before(async () => {
  mock = await startMock();
  downPort = await freePort(); // nothing listens there
  gateways.model = await startGateway(config("{model: embedder}"));
  gateways.slow = await startGateway(config("{model: slow-embedder, timeout: 700ms}"));
  gateways.down = await startGateway(config("{model: down-embedder}"));
});
after(stopAll);

async function recentCalls() {
  const r = await fetch(`http://127.0.0.1:${mock.port}/mock/calls`);
  return r.json();
}

async function embeddingCounts(gw) {
  const r = await curl([`http://127.0.0.1:${gw.adminPort}/metrics`]);
  const counts = {};
  for (const m of r.body.matchAll(/^tollgate_cache_embedding_requests_total\{result="(\w+)"\} (\S+)$/gm)) {
    counts[m[1]] = Number(m[2]);
  }
  const tokens = r.body.match(/^tollgate_cache_embedding_tokens_total (\S+)$/m);
  counts.tokens = tokens ? Number(tokens[1]) : 0;
  return counts;
}

test("a reworded prompt hits through the model's vectors; the call carries the provider's key", async () => {
  const gw = gateways.model;
  const first = await chat(gw, KEYS.a, ask("How many moons does Jupiter have?"), ["x-mock-answer: Ninety-five."]);
  assert.equal(first.headers["x-tollgate-cache"], "miss", first.body);
  await sleep(100);
  const before = (await recentCalls()).calls;
  // The same words in another order: the builtin would see other bigrams; the bag of words
  // the mock's model answers is the same vector.
  const client = new OpenAI({ baseURL: `${gw.base}/v1`, apiKey: KEYS.a, maxRetries: 0, timeout: 20000 });
  const { data, response } = await client.chat.completions
    .create({ model: "gpt-test", messages: [{ role: "user", content: "jupiter: have many moons, how does?" }] })
    .withResponse();
  assert.equal(response.headers.get("x-tollgate-cache"), "semantic-hit");
  assert.ok(Number(response.headers.get("x-tollgate-cache-similarity")) > 0.99);
  assert.equal(data.choices[0].message.content, "Ninety-five.");
  // One call reached the provider: the embeddings call, with the provider's key and the
  // configured model; the chat request was served from the cache.
  const after = await recentCalls();
  assert.equal(after.calls, before + 1);
  const call = after.recent.at(-1);
  assert.equal(call.target, "/v1/embeddings");
  assert.equal(call.authorization, "Bearer sk-provider-secret");
  assert.deepEqual(JSON.parse(call.body), {
    model: "text-embedding-mock",
    input: "jupiter: have many moons, how does?",
    encoding_format: "float",
  });
  for (const c of after.recent) assert.ok(!c.authorization.includes(KEYS.a), JSON.stringify(c));
  // An exact repeat asks for no vector.
  const exact = await chat(gw, KEYS.a, ask("How many moons does Jupiter have?"));
  assert.equal(exact.headers["x-tollgate-cache"], "hit");
  assert.equal((await recentCalls()).calls, before + 1);
  const counts = await embeddingCounts(gw);
  assert.equal(counts.ok, 2);
  assert.ok(counts.tokens >= 10, JSON.stringify(counts));
  // Another subject misses, and its answer comes from the provider.
  const other = await chat(gw, KEYS.a, ask("How many rings does Saturn have?"), ["x-mock-answer: Seven."]);
  assert.equal(other.headers["x-tollgate-cache"], "miss");
  assert.equal(answerText(other), "Seven.");
});

test("an embedder that is down is a miss; the answer is served and stored exact only", async () => {
  const gw = gateways.down;
  const first = await chat(gw, KEYS.a, ask("What is the capital of Peru?"), ["x-mock-answer: Lima."]);
  assert.equal(first.status, 200, first.body);
  assert.equal(first.headers["x-tollgate-cache"], "miss");
  assert.equal(answerText(first), "Lima.");
  await sleep(100);
  assert.equal((await chat(gw, KEYS.a, ask("What is the capital of Peru?"))).headers["x-tollgate-cache"], "hit");
  const reworded = await chat(gw, KEYS.a, ask("what is the capital of peru"), ["x-mock-answer: Lima!"]);
  assert.equal(reworded.headers["x-tollgate-cache"], "miss");
  assert.equal(answerText(reworded), "Lima!");
  const counts = await embeddingCounts(gw);
  assert.equal(counts.failed, 2, JSON.stringify(counts));
  assert.equal(counts.ok, undefined);
});

test("an embedder slower than its timeout is a miss after the timeout, the answer served", async () => {
  const gw = gateways.slow;
  const started = Date.now();
  const r = await chat(gw, KEYS.a, ask("Name a prime number above ten"), ["x-mock-answer: Eleven."]);
  const took = Date.now() - started;
  assert.equal(r.status, 200, r.body);
  assert.equal(r.headers["x-tollgate-cache"], "miss");
  assert.equal(answerText(r), "Eleven.");
  assert.ok(took >= 650 && took < 2800, `took ${took} ms`);
  assert.equal((await embeddingCounts(gw)).timeout, 1);
});

test("a client that hangs up while the embedder runs abandons the call and the request", async () => {
  const gw = gateways.slow;
  const before = (await recentCalls()).calls;
  const controller = new AbortController();
  const pending = fetch(`${gw.base}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${KEYS.a}`, "content-type": "application/json" },
    body: JSON.stringify(ask("Name a prime number above twenty")),
    signal: controller.signal,
  }).catch((e) => e);
  // Hang up once the embeddings call is on its way (bounded).
  for (let i = 0; i < 100 && (await recentCalls()).calls === before; i++) await sleep(20);
  controller.abort(); // noticed by the session's next sweep (every 100 ms), well before 700 ms
  await pending;
  await sleep(900); // past the embedder's timeout: the request never went on to the provider
  const counts = await embeddingCounts(gw);
  assert.equal(counts.cancelled, 1, JSON.stringify(counts));
  const after = await recentCalls();
  assert.equal(after.calls, before + 1); // the embeddings call only
  assert.equal(after.recent.at(-1).target, "/v1/embeddings");
  assert.equal(after.recent.at(-1).authorization, "Bearer sk-slow-provider-secret");
});

test("with store: redis, a replica finds the model's vectors another stored", async () => {
  const redis = await startRedis();
  const state = `state:\n  sqlite: ${tempDir()}/tollgate.db\n  redis: ${redis.url}\n  key_prefix: "embedtest:"`;
  const one = await startGateway(config("{model: embedder}", state));
  const two = await startGateway(config("{model: embedder}", state));
  const first = await chat(one, KEYS.a, ask("Which river is the longest?"), ["x-mock-answer: The Nile."]);
  assert.equal(first.headers["x-tollgate-cache"], "miss");
  let similar;
  for (let i = 0; i < 40; i++) {
    // no-store: a miss while the entry is on its way to Redis stores nothing of its own.
    similar = await chat(two, KEYS.a, ask("the longest river: which is?"), ["cache-control: no-store"]);
    if (similar.headers["x-tollgate-cache"] !== "miss") break;
    await sleep(50);
  }
  assert.equal(similar.headers["x-tollgate-cache"], "semantic-hit", similar.body);
  assert.equal(answerText(similar), "The Nile.");
});
