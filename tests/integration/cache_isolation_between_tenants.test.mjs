// No tenant gets another's cached answer. With `scope: key` two keys (even of one team)
// never share an entry, exact or semantic; with `scope: team` keys of one team share and
// other teams miss. The last test tries hard: every way a request can vary that the key
// should not depend on (streaming, usage, `user`, key order, a rephrasing) from every
// other key, after the first key has stored answers in both forms. With pii, an entry
// shared by a team holds placeholders, and each caller gets its own values back.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { json, sleep, sseEvents, startGateway, startMock, stopAll } from "./lib/harness.mjs";
import { KEYS, answerText, ask, cacheConfig, chat, mockCalls } from "./lib/cache_helpers.mjs";

const SEMANTIC = "  semantic: {ttl: 1h, threshold: 0.9}";
let mock;
before(async () => {
  mock = await startMock();
});
after(stopAll);

// The answer's text, whole or streamed.
function textOf(r) {
  if (!r.headers["content-type"]?.includes("event-stream")) return answerText(r);
  return sseEvents(r.body).filter((e) => e !== "[DONE]").map((e) => json(e).choices[0]?.delta?.content ?? "").join("");
}

async function result(gw, key, body, headers = []) {
  const r = await chat(gw, key, body, headers);
  assert.equal(r.status, 200, r.body);
  return r.headers["x-tollgate-cache"];
}

test("scope: key — another key misses, even in the same team, exact and semantic", async () => {
  const gw = await startGateway(cacheConfig(mock, `  scope: key\n${SEMANTIC}`));
  const q = ask("How many moons does Jupiter have?");
  assert.equal(await result(gw, KEYS.a, q, ["x-mock-answer: secret of ann"]), "miss");
  await sleep(50);
  assert.equal(await result(gw, KEYS.a, q), "hit");
  assert.equal(await result(gw, KEYS.a, ask("how many moons does jupiter have")), "semantic-hit");
  assert.equal(await result(gw, KEYS.c, q), "miss"); // same team, other key
  assert.equal(await result(gw, KEYS.b, ask("how many moons does jupiter have")), "miss"); // other team
  const own = await chat(gw, KEYS.b, q);
  assert.notEqual(answerText(own), "secret of ann");
});

test("scope: team — keys of one team share, other teams miss", async () => {
  const gw = await startGateway(cacheConfig(mock, `  scope: team\n${SEMANTIC}`));
  const q = ask("Name the largest desert.");
  assert.equal(await result(gw, KEYS.a, q, ["x-mock-answer: red team answer"]), "miss");
  await sleep(50);
  const shared = await chat(gw, KEYS.c, q);
  assert.equal(shared.headers["x-tollgate-cache"], "hit");
  assert.equal(answerText(shared), "red team answer");
  assert.equal(await result(gw, KEYS.c, ask("name the largest desert")), "semantic-hit");
  assert.equal(await result(gw, KEYS.b, ask("name the largest desert")), "miss");
  assert.notEqual(answerText(await chat(gw, KEYS.b, q)), "red team answer");
});

test("no variation of a request reaches another tenant's entry (scope: key)", async () => {
  const gw = await startGateway(cacheConfig(mock, `  scope: key\n${SEMANTIC}`));
  const prompt = "Summarise our confidential roadmap for 2027";
  const variants = [
    ask(prompt),
    ask(prompt, { stream: true }),
    ask(prompt, { stream: true, stream_options: { include_usage: true } }),
    ask(prompt, { user: "ann" }),
    { messages: [{ content: prompt, role: "user" }], model: "gpt-test" },
    ask(prompt.toLowerCase() + "!"),
  ];
  await chat(gw, KEYS.a, variants[0], ["x-mock-answer: ANN-ONLY"]);
  await chat(gw, KEYS.a, ask("Summarise our confidential roadmap for 2027", { stream: true }),
    ["x-mock-answer: ANN-ONLY"]);
  await sleep(50);
  for (const variant of variants) {
    assert.match(await result(gw, KEYS.a, variant), /hit/, JSON.stringify(variant));
  }
  const calls = await mockCalls(mock);
  let asked = 0;
  for (const key of [KEYS.b, KEYS.c]) {
    for (const variant of variants) {
      for (const headers of [[], ["x-tollgate-cache-threshold: 0.9"], ["cache-control: max-age=0"]]) {
        const r = await chat(gw, key, variant, [...headers, `x-mock-answer: OTHER ${key}`]);
        asked++;
        assert.equal(r.status, 200);
        // A miss, or a hit on this key's own entry: never ann's answer.
        assert.equal(textOf(r), `OTHER ${key}`, `${key} ${JSON.stringify(variant)} ${r.headers["x-tollgate-cache"]}`);
      }
    }
  }
  // The first of each key went to the provider; later ones may hit that key's own entry.
  assert.ok((await mockCalls(mock)) - calls >= 2);
  assert.ok(asked > 30);
});

test("with pii, a shared entry holds placeholders: each caller gets its own values back", async () => {
  const pii = "pii:\n  entities: {email: pseudonymize}\n";
  const gw = await startGateway(cacheConfig(mock, "  scope: team", { extra: pii }));
  const answer = "I will write to [EMAIL_1] today.";
  const first = await chat(gw, KEYS.a, ask("Write to ann@example.com please"), [`x-mock-answer: ${answer}`]);
  assert.equal(answerText(first), "I will write to ann@example.com today.");
  await sleep(50);
  // Same team, another address: the masked prompt is the same, so is the entry; pii
  // (before the cache) restores this caller's own value in it.
  const second = await chat(gw, KEYS.c, ask("Write to cat@example.org please"));
  assert.equal(second.headers["x-tollgate-cache"], "hit");
  assert.equal(answerText(second), "I will write to cat@example.org today.");
  assert.doesNotMatch(second.body, /ann@example\.com/);
  const streamed = await chat(gw, KEYS.c, ask("Write to cat@example.org please", { stream: true }));
  assert.equal(textOf(streamed), "I will write to cat@example.org today.");
});
