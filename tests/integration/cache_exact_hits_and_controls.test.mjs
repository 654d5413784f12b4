// The exact cache through the binary: a repeated request is answered without calling the
// provider again (whatever its JSON key order and whitespace), streams are stored as they
// pass and replayed as many events with fresh ids, a plain request is answered from a
// streamed entry and the reverse, TTLs expire, the request headers steer it, errors are
// never stored, purges work, and a hit costs the caller no tokens.
import http from "node:http";
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import OpenAI from "openai";
import { curl, json, sleep, sseEvents, startGateway, startMock, stopAll, tempDir } from "./lib/harness.mjs";
import { validate } from "./lib/openapi.mjs";
import { KEYS, admin, answerText, ask, cacheConfig, chat, mockCalls } from "./lib/cache_helpers.mjs";

let gw, mock, client;
before(async () => {
  mock = await startMock();
  const state = `state:\n  sqlite: ${tempDir()}/tollgate.db\n  flush_interval: 100ms`;
  gw = await startGateway(cacheConfig(mock, "  scope: key\n  exact: {ttl: 1h}\n  max_bytes: 1073741824", { state }));
  client = new OpenAI({ baseURL: `${gw.base}/v1`, apiKey: KEYS.a, maxRetries: 0, timeout: 20000 });
});
after(stopAll);

test("a repeated request is a hit: same answer, the provider is not called again", async () => {
  const first = await client.chat.completions
    .create({ model: "gpt-test", messages: [{ role: "user", content: "What is the capital of France?" }] },
      { headers: { "x-mock-answer": "Paris is the capital of France." } })
    .withResponse();
  assert.equal(first.response.headers.get("x-tollgate-cache"), "miss");
  const calls = await mockCalls(mock);
  await sleep(50);
  const second = await client.chat.completions
    .create({ messages: [{ content: "What is the capital of France?", role: "user" }], model: "gpt-test" })
    .withResponse();
  assert.equal(second.response.headers.get("x-tollgate-cache"), "hit");
  assert.equal(second.data.choices[0].message.content, "Paris is the capital of France.");
  assert.notEqual(second.data.id, first.data.id);
  validate("CreateChatCompletionResponse", second.data);
  // Key order and whitespace do not change the key.
  const raw = `{ "messages" : [ {"role":"user",   "content":"What is the capital of France?"} ],\n "model":"gpt-test" }`;
  const third = await chat(gw, KEYS.a, raw);
  assert.equal(third.headers["x-tollgate-cache"], "hit");
  assert.equal(await mockCalls(mock), calls);
  // Another sampling parameter is another answer.
  const other = await chat(gw, KEYS.a, ask("What is the capital of France?", { temperature: 0.3 }));
  assert.equal(other.headers["x-tollgate-cache"], "miss");
});

test("a stream is stored as it passes and replayed as many events with fresh ids", async () => {
  const answer = "One two three four five six seven eight nine ten.";
  const body = ask("Count to ten", { stream: true });
  const first = await chat(gw, KEYS.a, body, [`x-mock-answer: ${answer}`, "x-mock-chunks: 7"]);
  assert.equal(first.headers["x-tollgate-cache"], "miss");
  const firstEvents = sseEvents(first.body);
  await sleep(50);
  const calls = await mockCalls(mock);
  const stream = await client.chat.completions.create({ ...body });
  let text = "", events = 0, ids = new Set(), usage = null;
  for await (const chunk of stream) {
    events++;
    ids.add(chunk.id);
    text += chunk.choices[0]?.delta?.content ?? "";
    if (chunk.usage) usage = chunk.usage;
  }
  assert.equal(text, answer);
  assert.ok(events >= 7, `replayed as ${events} events`);
  assert.equal(ids.size, 1);
  assert.ok(!ids.has(json(firstEvents[0]).id), "a fresh id");
  assert.equal(usage, null, "no usage chunk unless asked");
  // The client asks for usage: it comes last.
  const withUsage = await chat(gw, KEYS.a, { ...body, stream_options: { include_usage: true } });
  assert.equal(withUsage.headers["x-tollgate-cache"], "hit");
  const replayed = sseEvents(withUsage.body);
  assert.equal(replayed.at(-1), "[DONE]");
  for (const event of replayed.slice(0, -1)) validate("CreateChatCompletionStreamResponse", json(event));
  const last = json(replayed.at(-2));
  assert.deepEqual(last.choices, []);
  assert.ok(last.usage.completion_tokens > 0);
  // A plain request is answered from the streamed entry.
  const plain = await chat(gw, KEYS.a, ask("Count to ten"));
  assert.equal(plain.headers["x-tollgate-cache"], "hit");
  assert.equal(answerText(plain), answer);
  validate("CreateChatCompletionResponse", json(plain.body));
  assert.equal(await mockCalls(mock), calls);
});

test("a plain entry answers a stream, word by word", async () => {
  const answer = "Blue whales are the largest animals that ever lived on Earth.";
  await chat(gw, KEYS.a, ask("largest animal?"), [`x-mock-answer: ${answer}`]);
  await sleep(50);
  const stream = await client.chat.completions.create({ ...ask("largest animal?"), stream: true });
  let text = "", events = 0;
  for await (const chunk of stream) {
    events++;
    validate("CreateChatCompletionStreamResponse", JSON.parse(JSON.stringify(chunk)));
    text += chunk.choices[0]?.delta?.content ?? "";
  }
  assert.equal(text, answer);
  assert.ok(events > 5, `${events} events`);
});

test("x-tollgate-cache-ttl: the entry expires", async () => {
  await chat(gw, KEYS.a, ask("short lived"), ["x-tollgate-cache-ttl: 1"]);
  await sleep(50);
  assert.equal((await chat(gw, KEYS.a, ask("short lived"))).headers["x-tollgate-cache"], "hit");
  await sleep(1300);
  assert.equal((await chat(gw, KEYS.a, ask("short lived"))).headers["x-tollgate-cache"], "miss");
});

test("no-store, no-cache, refresh and bypass do what they say", async () => {
  const calls = await mockCalls(mock);
  const noStore = await chat(gw, KEYS.a, ask("never kept"), ["cache-control: no-store"]);
  assert.equal(noStore.headers["x-tollgate-cache"], "miss");
  await sleep(50);
  assert.equal((await chat(gw, KEYS.a, ask("never kept"))).headers["x-tollgate-cache"], "miss");
  assert.equal(await mockCalls(mock), calls + 2);
  // A cache-control split over two lines: the no-store on the second is honoured too.
  const split = await chat(gw, KEYS.a, ask("never kept either"), ["cache-control: max-age=0", "cache-control: no-store"]);
  assert.equal(split.headers["x-tollgate-cache"], "miss");
  await sleep(50);
  assert.equal((await chat(gw, KEYS.a, ask("never kept either"))).headers["x-tollgate-cache"], "miss");

  await chat(gw, KEYS.a, ask("kept"), ["x-mock-answer: old answer"]);
  await sleep(50);
  const noCache = await chat(gw, KEYS.a, ask("kept"), ["cache-control: no-cache", "x-mock-answer: newer answer"]);
  assert.equal(noCache.headers["x-tollgate-cache"], "refresh");
  assert.equal(answerText(noCache), "newer answer");
  await sleep(50);
  const refreshed = await chat(gw, KEYS.a, ask("kept"), ["x-tollgate-cache: refresh", "x-mock-answer: new answer"]);
  assert.equal(refreshed.headers["x-tollgate-cache"], "refresh");
  await sleep(50);
  const hit = await chat(gw, KEYS.a, ask("kept"));
  assert.equal(hit.headers["x-tollgate-cache"], "hit");
  assert.equal(answerText(hit), "new answer");
  const before = await mockCalls(mock);
  const bypass = await chat(gw, KEYS.a, ask("kept"), ["x-tollgate-cache: bypass", "x-mock-answer: bypassed"]);
  assert.equal(bypass.headers["x-tollgate-cache"], "bypass");
  assert.equal(answerText(bypass), "bypassed");
  assert.equal(await mockCalls(mock), before + 1);
  await sleep(50);
  assert.equal(answerText(await chat(gw, KEYS.a, ask("kept"))), "new answer");
});

test("bad cache headers are a 400 in OpenAI's shape", async () => {
  for (const headers of [["x-tollgate-cache-ttl: soon"], ["x-tollgate-cache-ttl: 0"], ["x-tollgate-cache: sometimes"],
    ["x-tollgate-cache-threshold: 1.5"], ["x-tollgate-cache-ttl: 60", "x-tollgate-cache-ttl: 31622401"]]) {
    const r = await chat(gw, KEYS.a, ask("anything"), headers);
    assert.equal(r.status, 400, headers.join(" / "));
    validate("ErrorResponse", json(r.body));
    assert.equal(json(r.body).error.type, "invalid_request_error");
  }
});

test("429 and 500 answers are never stored", async () => {
  for (const status of [429, 500]) {
    const prompt = `fails with ${status}`;
    const first = await chat(gw, KEYS.a, ask(prompt), [`x-mock-status: ${status}`]);
    assert.equal(first.status, status, first.body);
    await sleep(50);
    const calls = await mockCalls(mock);
    const second = await chat(gw, KEYS.a, ask(prompt));
    assert.equal(second.status, 200);
    assert.equal(second.headers["x-tollgate-cache"], "miss");
    assert.ok((await mockCalls(mock)) > calls);
  }
});

test("DELETE /admin/cache purges one scope or all; GET counts", async () => {
  await chat(gw, KEYS.a, ask("purge me"));
  await chat(gw, KEYS.b, ask("purge me"));
  await sleep(50);
  const stats = json((await admin(gw, "GET", "/admin/cache")).body);
  assert.ok(stats.entries >= 2 && stats.bytes > 0 && stats.hits > 0 && stats.misses > 0, JSON.stringify(stats));
  const purged = await admin(gw, "DELETE", "/admin/cache?scope=key:key-b");
  assert.equal(purged.status, 200, purged.body);
  assert.ok(json(purged.body).purged >= 1);
  assert.equal((await chat(gw, KEYS.a, ask("purge me"))).headers["x-tollgate-cache"], "hit");
  assert.equal((await chat(gw, KEYS.b, ask("purge me"))).headers["x-tollgate-cache"], "miss");
  assert.equal((await admin(gw, "DELETE", "/admin/cache?scope=bogus")).status, 400);
  assert.equal((await admin(gw, "DELETE", "/admin/cache")).status, 200);
  assert.equal((await chat(gw, KEYS.a, ask("purge me"))).headers["x-tollgate-cache"], "miss");
  const noKey = await curl(["-X", "DELETE", `http://127.0.0.1:${gw.adminPort}/admin/cache`]);
  assert.equal(noKey.status, 401);
});

test("a hit costs no tokens but counts as a request; metrics count hits and savings", async () => {
  await chat(gw, KEYS.c, ask("token accounting"));
  await sleep(300);
  const usage = async () => {
    const r = await admin(gw, "GET", "/admin/usage?scope=key:key-c");
    // One row for the day, one for the month: the day's.
    return json(r.body).data.filter((row) => row.period.length === 10).reduce((sum, row) => ({ requests: sum.requests + row.requests,
      tokens: sum.tokens + row.prompt_tokens + row.completion_tokens }), { requests: 0, tokens: 0 });
  };
  const before = await usage();
  for (let i = 0; i < 3; i++) assert.equal((await chat(gw, KEYS.c, ask("token accounting"))).headers["x-tollgate-cache"], "hit");
  await sleep(400);
  const later = await usage();
  assert.equal(later.requests, before.requests + 3);
  assert.equal(later.tokens, before.tokens);
  const metrics = (await curl([`http://127.0.0.1:${gw.adminPort}/metrics`])).body;
  assert.match(metrics, /tollgate_cache_requests_total\{result="hit"\} [1-9]/);
  assert.match(metrics, /tollgate_cache_requests_total\{result="miss"\} [1-9]/);
  assert.match(metrics, /tollgate_cache_saved_usd_total [0-9.e-]*[1-9]/);
});

test("a whole answer is in the cache before its client has read it", async () => {
  // An answer larger than the sockets can buffer (~4 MiB here), and a client that stops
  // reading after its head: the gateway cannot finish sending it. A repeat on another
  // connection hits all the same: the entry is stored as the answer leaves, not once it
  // is all sent. (Entries count about twice their body against max_bytes / 16 shards.)
  const body = JSON.stringify(ask("a long answer, read slowly"));
  const bytes = 12 * 1024 * 1024;
  const post = (headers) =>
    new Promise((resolve, reject) => {
      const req = http.request(`${gw.base}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${KEYS.a}`, "content-type": "application/json", ...headers },
      }, (res) => {
        res.pause();
        resolve(res);
      });
      req.on("error", reject);
      req.end(body);
    });
  const first = await post({ "x-mock-body-bytes": String(bytes) });
  try {
    assert.equal(first.statusCode, 200);
    assert.equal(first.headers["x-tollgate-cache"], "miss");
    const repeat = await post({});
    repeat.destroy();  // its head says what it is; the 12 MiB need not be read
    assert.equal(repeat.statusCode, 200);
    assert.equal(repeat.headers["x-tollgate-cache"], "hit");
  } finally {
    first.resume();
    let received = 0;
    for await (const chunk of first) received += chunk.length;
    assert.ok(received > bytes, `the first client got its whole answer (${received} bytes)`);
  }
});

test("LangChain and the Vercel AI SDK get hits as they ask, plain and streamed", async () => {
  const { ChatOpenAI } = await import("@langchain/openai");
  const { createOpenAI } = await import("@ai-sdk/openai");
  const { generateText, streamText } = await import("ai");
  const question = "What colour is the sky on Mars?";

  const langchain = new ChatOpenAI({ model: "gpt-test", apiKey: KEYS.b, maxRetries: 0,
    configuration: { baseURL: `${gw.base}/v1` } });
  const first = await langchain.invoke(question);
  await sleep(50);
  const calls = await mockCalls(mock);
  const again = await langchain.invoke(question);
  assert.equal(again.content, first.content);
  let streamed = "";
  for await (const chunk of await langchain.stream(question)) streamed += chunk.content;
  assert.equal(streamed, first.content);
  assert.equal(await mockCalls(mock), calls, "both answered from the cache");

  const vercel = createOpenAI({ baseURL: `${gw.base}/v1`, apiKey: KEYS.b });
  const asked = { model: vercel.chat("gpt-test"), prompt: `${question} (Vercel)`, maxRetries: 0 };
  const text = (await generateText(asked)).text;
  await sleep(50);
  const before = await mockCalls(mock);
  assert.equal((await generateText(asked)).text, text);
  let deltas = "";
  for await (const delta of streamText(asked).textStream) deltas += delta;
  assert.equal(deltas, text);
  assert.equal(await mockCalls(mock), before, "both answered from the cache");
});
