// `store: redis`: two gateways sharing one real redis-server (started by the test on a
// loopback port) share entries, exact and semantic: what one replica stored, the other
// serves without calling the provider, as a whole answer or a replayed stream; scopes
// still separate tenants; a purge on one is seen by both; an entry expired or purged
// does not hide a similar one; Redis gone is a miss, not an error.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { sleep, SLOW, sseEvents, startGateway, startMock, startRedis, stop, stopAll, tempDir } from "./lib/harness.mjs";
import { KEYS, admin, answerText, ask, cacheConfig, chat, mockCalls } from "./lib/cache_helpers.mjs";

let mock, redis, one, two;
before(async () => {
  mock = await startMock();
  redis = await startRedis();
  const config = () =>
    cacheConfig(mock, "  scope: team\n  store: redis\n  semantic: {ttl: 1h, threshold: 0.92}", {
      state: `state:\n  sqlite: ${tempDir()}/tollgate.db\n  redis: ${redis.url}\n  key_prefix: "cachetest:"`,
    });
  one = await startGateway(config());
  two = await startGateway(config());
});
after(stopAll);

// A store lands in Redis after the answer, in several round trips (the entry, its tags,
// then the vector): waits until Redis has taken no command but these polls for 150 ms,
// bounded. Polling the other replica instead would store its own answer on a miss.
async function storesLanded() {
  const processed = () =>
    Number(/total_commands_processed:(\d+)/.exec(
      execFileSync("redis-cli", ["-p", String(redis.port), "info", "stats"], { encoding: "utf8" }),
    )[1]);
  let last = processed();
  for (let i = 0, quiet = 0; i < 100 * SLOW && quiet < 3; i++) {
    await sleep(50);
    const now = processed();
    quiet = now === last + 1 ? quiet + 1 : 0; // + 1: this poll's own INFO
    last = now;
  }
}

// Polls the other replica (bounded), for what storesLanded() cannot see.
async function eventually(fn) {
  let last;
  for (let i = 0; i < 40 * SLOW; i++) {
    last = await fn();
    if (last.headers["x-tollgate-cache"] !== "miss") return last;
    await sleep(50);
  }
  return last;
}

test("what one replica stored, the other serves (exact, semantic, streamed)", async () => {
  const first = await chat(one, KEYS.a, ask("Which ocean is the largest?"), ["x-mock-answer: The Pacific."]);
  assert.equal(first.headers["x-tollgate-cache"], "miss");
  await storesLanded();
  const calls = await mockCalls(mock);
  const exact = await eventually(() => chat(two, KEYS.c, ask("Which ocean is the largest?")));
  assert.equal(exact.headers["x-tollgate-cache"], "hit");
  assert.equal(answerText(exact), "The Pacific.");
  const similar = await chat(two, KEYS.a, ask("which ocean is the largest"));
  assert.equal(similar.headers["x-tollgate-cache"], "semantic-hit");
  assert.equal(answerText(similar), "The Pacific.");
  const stream = await chat(two, KEYS.c, ask("Which ocean is the largest?", { stream: true }));
  assert.equal(stream.headers["x-tollgate-cache"], "hit");
  assert.ok(sseEvents(stream.body).length > 3);
  assert.equal(await mockCalls(mock), calls);
  // Another team misses, and gets its own entry, shared too.
  const other = await chat(one, KEYS.b, ask("Which ocean is the largest?"), ["x-mock-answer: blue"]);
  assert.equal(other.headers["x-tollgate-cache"], "miss");
  assert.equal(answerText(other), "blue");
  await storesLanded();
  const theirs = await eventually(() => chat(two, KEYS.b, ask("Which ocean is the largest?")));
  assert.equal(theirs.headers["x-tollgate-cache"], "hit");
  assert.equal(answerText(theirs), "blue");
  assert.equal(answerText(await chat(two, KEYS.a, ask("Which ocean is the largest?"))), "The Pacific.");
});

test("a purge on one replica is seen by the other", async () => {
  await chat(one, KEYS.a, ask("purged across replicas"));
  await storesLanded();
  assert.equal((await eventually(() => chat(two, KEYS.a, ask("purged across replicas")))).headers["x-tollgate-cache"], "hit");
  const purged = await admin(one, "DELETE", "/admin/cache?scope=team:red");
  assert.equal(purged.status, 200, purged.body);
  assert.equal((await chat(two, KEYS.a, ask("purged across replicas"))).headers["x-tollgate-cache"], "miss");
  const stats = await admin(two, "GET", "/admin/cache");
  assert.equal(stats.status, 200);
});

test("an entry gone (expired or purged) does not hide a similar one still there", async () => {
  // Two wordings in one context; the lookup's wording is closest to the one that goes.
  await chat(one, KEYS.a, ask("How tall is Mount Everest?"), ["x-tollgate-cache-ttl: 1", "x-mock-answer: expired"]);
  // (no-cache: stored, not answered from the first)
  await chat(one, KEYS.c, ask("How tall is the Mount Everest?"), ["cache-control: no-cache", "x-mock-answer: 8849 m"]);
  await storesLanded();
  await sleep(1500);
  const afterExpiry = await chat(two, KEYS.a, ask("how tall is mount everest"));
  assert.equal(afterExpiry.headers["x-tollgate-cache"], "semantic-hit");
  assert.equal(answerText(afterExpiry), "8849 m");

  await chat(one, KEYS.a, ask("Name the capital of Australia."), ["x-mock-answer: purged"]);
  await chat(one, KEYS.c, ask("Please name the capital of Australia."), ["cache-control: no-cache", "x-mock-answer: Canberra"]);
  await storesLanded();
  assert.equal((await admin(one, "DELETE", "/admin/cache?scope=key:key-a")).status, 200);
  const afterPurge = await chat(two, KEYS.a, ask("name the capital of australia"));
  assert.equal(afterPurge.headers["x-tollgate-cache"], "semantic-hit");
  assert.equal(answerText(afterPurge), "Canberra");
});

test("with Redis gone a lookup is a miss and the request is served", async () => {
  await stop(redis.proc);
  const r = await chat(one, KEYS.a, ask("Which ocean is the largest?"));
  assert.equal(r.status, 200, r.body);
  assert.equal(r.headers["x-tollgate-cache"], "miss");
  assert.equal((await admin(one, "GET", "/admin/cache")).status, 503);
});
