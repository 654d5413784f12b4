// A stored response is reached by its id wherever it was made: responses.retrieve,
// delete, cancel and inputItems.list (the official openai SDK) go to the provider and
// target that answered the create, on this replica or another sharing Redis; an id no
// replica made, or another key's, is a 404 in OpenAI's shape.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import OpenAI, { NotFoundError } from "openai";
import { basicConfig, curl, json, startGateway, startMock, startRedis, stopAll, tempDir } from "./lib/harness.mjs";
import { validate } from "./lib/openapi.mjs";

const ALICE = "tg-alice-key-0001";
const BOB = "tg-bob-key-0002";

let mockA;
let mockB;
before(async () => {
  mockA = await startMock();
  mockB = await startMock();
});
after(stopAll);

// Two providers, each a mock that knows only the ids it made (it answers 404 for others).
function twoProviders({ state = "" } = {}) {
  return (
    basicConfig({
      mockUrl: mockA.url,
      provider: `  - name: other
    kind: openai
    base_url: ${mockB.url}
    api_key: sk-other-secret
    timeout: 5s
`,
      models: `  - name: model-b
    targets: [{provider: other, model: other-model-1}]
`,
    }) +
    `keys:
  - {id: alice, key: ${ALICE}}
  - {id: bob, key: ${BOB}}
${state}`
  );
}

const client = (gw, apiKey = ALICE) => new OpenAI({ baseURL: `${gw.base}/v1`, apiKey, maxRetries: 0 });

async function created(gw, model, { stream = false } = {}) {
  if (!stream) return (await client(gw).responses.create({ model, input: "hello there" })).id;
  const events = await client(gw).responses.create({ model, input: "hello there", stream: true });
  let id;
  for await (const event of events) if (event.type === "response.completed") id = event.response.id;
  return id;
}

test("retrieve, inputItems.list, cancel and delete reach the provider that made each response", async () => {
  const gw = await startGateway(twoProviders());
  const idA = await created(gw, "gpt-test");
  const idB = await created(gw, "model-b", { stream: true });
  assert.notEqual(idA, idB);

  const { data: a, response: headA } = await client(gw).responses.retrieve(idA).withResponse();
  assert.equal(a.id, idA);
  assert.equal(headA.headers.get("x-tollgate-provider"), "mock");
  assert.equal(headA.headers.get("x-tollgate-model"), "mock-model-1");
  const { data: b, response: headB } = await client(gw).responses.retrieve(idB).withResponse();
  assert.equal(b.id, idB);
  assert.equal(headB.headers.get("x-tollgate-provider"), "other");

  // Retrieved as a stream: its events, relayed as they come.
  const events = [];
  for await (const event of await client(gw).responses.retrieve(idB, { stream: true })) events.push(event);
  assert.deepEqual(events.map((e) => e.type), ["response.created", "response.completed"]);
  assert.equal(events[1].response.id, idB);

  const items = [];
  for await (const item of client(gw).responses.inputItems.list(idB)) items.push(item);
  assert.equal(items.length, 1);
  assert.equal(items[0].type, "message");

  const cancelled = await client(gw).responses.cancel(idA);
  assert.equal(cancelled.id, idA);
  assert.equal(cancelled.status, "cancelled");

  await client(gw).responses.delete(idB);
  await assert.rejects(client(gw).responses.retrieve(idB), (e) => e instanceof NotFoundError && e.status === 404);
  // The other response is still there.
  assert.equal((await client(gw).responses.retrieve(idA)).id, idA);
});

test("an unknown id, or another key's, is a 404 in OpenAI's shape", async () => {
  const gw = await startGateway(twoProviders());
  const id = await created(gw, "gpt-test");
  for (const [key, asked] of [[ALICE, "resp_never_made_here"], [BOB, id]]) {
    await assert.rejects(client(gw, key).responses.retrieve(asked), (e) => {
      assert.ok(e instanceof NotFoundError, String(e));
      assert.equal(e.status, 404);
      assert.equal(e.code, "response_not_found");
      return true;
    });
  }
  const raw = await curl([`${gw.base}/v1/responses/resp_never_made_here/input_items`, "-H", `authorization: Bearer ${ALICE}`]);
  assert.equal(raw.status, 404);
  validate("ErrorResponse", json(raw.body));
  // Ids that are not ids are refused the same way, and the path's methods are kept.
  const odd = await curl([`${gw.base}/v1/responses/${"x".repeat(300)}`, "-H", `authorization: Bearer ${ALICE}`]);
  assert.equal(odd.status, 404);
  const wrong = await curl(["-X", "PUT", `${gw.base}/v1/responses/${id}`, "-H", `authorization: Bearer ${ALICE}`]);
  assert.equal(wrong.status, 405);
  assert.equal(wrong.headers.allow, "GET, DELETE");
  // Without a key, nobody learns anything.
  assert.equal((await curl([`${gw.base}/v1/responses/${id}`])).status, 401);
});

test("a second replica sharing Redis routes an id the first made", async () => {
  const redis = await startRedis();
  const state = `state:
  sqlite: ${tempDir()}/tollgate.db
  redis: ${redis.url}
  key_prefix: "resp-test:"
`;
  const first = await startGateway(twoProviders({ state }));
  const second = await startGateway(twoProviders({ state: state.replace(/sqlite: .*/, `sqlite: ${tempDir()}/tollgate.db`) }));
  const idB = await created(first, "model-b", { stream: true });
  const idA = await created(first, "gpt-test");
  const { data: b, response } = await client(second).responses.retrieve(idB).withResponse();
  assert.equal(b.id, idB);
  assert.equal(response.headers.get("x-tollgate-provider"), "other");
  assert.equal((await client(second).responses.retrieve(idA)).id, idA);
  // Deleted on the second, gone for both.
  await client(second).responses.delete(idA);
  await assert.rejects(client(first).responses.retrieve(idA), NotFoundError);
});
