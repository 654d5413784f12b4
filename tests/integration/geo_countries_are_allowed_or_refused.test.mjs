// Where a caller is decides whether it is served: callers from a denied country (or an
// unknown one, with `unknown: deny`) get 403 country_not_allowed naming the country,
// counted by country in /metrics; an override for one team allows only its list; the
// country and continent reach the audit line and the access log. X-Forwarded-For (or,
// as configured, Forwarded) counts only from a trusted proxy, and only the one configured. The database (written at test time) is
// replaced while the gateway runs, and a corrupt replacement leaves the old one in use.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import OpenAI from "openai";
import { Agent, fetch as undiciFetch } from "undici";
import path from "node:path";
import { basicConfig, curl, sleep, startGateway, startMock, stop, stopAll, tempDir } from "./lib/harness.mjs";
import { chatFrom, PLACES, writeCorruptDatabase, writeGeoDatabase } from "./lib/geo.mjs";
import { validate } from "./lib/openapi.mjs";

let gw, mock, dir, database;
before(async () => {
  mock = await startMock();
  dir = tempDir();
  database = writeGeoDatabase(path.join(dir, "country.mmdb"));
  gw = await startGateway(basicConfig({ mockUrl: mock.url }) + `
audit:
  path: ${dir}/audit.jsonl
  fsync_interval: 100ms
keys:
  - {id: app, key: tg-geo-key-0001, team: search}
  - {id: gov, key: tg-geo-key-0002, team: public-sector}
  - {id: lax, key: tg-geo-key-0003}
geo:
  database: ${database}
  trusted_proxies: ["127.0.0.9/32"]
  deny_countries: [US]
  unknown: deny
  overrides:
    - {match: {team: public-sector}, allow_countries: [FR]}
    - {match: {key_id: lax}, unknown: allow}
`);
});
after(stopAll);

const APP = "tg-geo-key-0001";
const GOV = "tg-geo-key-0002";
const LAX = "tg-geo-key-0003";  // unknown: allow, US still denied

test("a caller from an allowed country is served; a denied one gets 403 naming its country", async () => {
  const de = await chatFrom(gw, "127.0.0.2", { key: APP });
  assert.equal(de.status, 200, de.body);
  const us = await chatFrom(gw, "127.0.0.3", { key: APP });
  assert.equal(us.status, 403, us.body);
  validate("ErrorResponse", us.json);
  assert.equal(us.json.error.code, "country_not_allowed");
  assert.equal(us.json.error.type, "permission_error");
  assert.match(us.json.error.message, /\bUS\b/);
});

test("the openai SDK sees the refusal as a PermissionDeniedError with the code", async () => {
  const sdk = (from) => new OpenAI({
    baseURL: `${gw.base}/v1`, apiKey: APP, maxRetries: 0, timeout: 15000,
    // The SDK fetches: undici's dispatcher binds its sockets to `from`.
    fetch: undiciFetch,
    fetchOptions: { dispatcher: new Agent({ localAddress: from }) },
  });
  const answer = await sdk("127.0.0.2").chat.completions.create({ model: "gpt-test", messages: [{ role: "user", content: "hi" }] });
  assert.ok(answer.choices[0].message.content.length > 0);
  await assert.rejects(
    sdk("127.0.0.3").chat.completions.create({ model: "gpt-test", messages: [{ role: "user", content: "hi" }] }),
    (e) => e instanceof OpenAI.PermissionDeniedError && e.status === 403 && e.code === "country_not_allowed",
  );
});

test("an address the database does not know is refused with `unknown: deny`", async () => {
  const r = await chatFrom(gw, "127.0.0.5", { key: APP });
  assert.equal(r.status, 403, r.body);
  assert.equal(r.json.error.code, "country_not_allowed");
  assert.match(r.json.error.message, /unknown country/);
});

test("an override for a team replaces the lists: public-sector is served from FR only", async () => {
  assert.equal((await chatFrom(gw, "127.0.0.4", { key: GOV })).status, 200);
  const de = await chatFrom(gw, "127.0.0.2", { key: GOV });
  assert.equal(de.status, 403);
  assert.match(de.json.error.message, /\bDE\b/);
  assert.equal((await chatFrom(gw, "127.0.0.4", { key: APP })).status, 200, "others keep the global list");
});

test("X-Forwarded-For from an untrusted peer is ignored: the socket's address counts", async () => {
  const spoofed = await chatFrom(gw, "127.0.0.3", { key: APP, headers: { "x-forwarded-for": "127.0.0.2" } });
  assert.equal(spoofed.status, 403, "a US caller cannot claim to be in DE");
  const forwarded = await chatFrom(gw, "127.0.0.3", { key: APP, headers: { forwarded: "for=127.0.0.2" } });
  assert.equal(forwarded.status, 403);
});

test("through a trusted proxy, the right-most untrusted forwarded address counts", async () => {
  // The proxy (127.0.0.9) appends what it saw; the client's own claim (left) is ignored.
  let r = await chatFrom(gw, "127.0.0.9", { key: APP, headers: { "x-forwarded-for": "127.0.0.2, 127.0.0.3" } });
  assert.equal(r.status, 403, "the US address the proxy saw, not the DE claim before it");
  r = await chatFrom(gw, "127.0.0.9", { key: APP, headers: { "x-forwarded-for": "127.0.0.3, 127.0.0.2" } });
  assert.equal(r.status, 200, r.body);
  r = await chatFrom(gw, "127.0.0.9", { key: APP, headers: { "x-forwarded-for": "127.0.0.2, 127.0.0.9" } });
  assert.equal(r.status, 200, "a trusted hop is walked past");
  r = await chatFrom(gw, "127.0.0.9", { key: APP, headers: { "x-forwarded-for": "garbage" } });
  assert.equal(r.status, 403, "not an address: unknown, never the proxy's own country");
  // The proxy appends to X-Forwarded-For and passes on whatever Forwarded the client sent.
  r = await chatFrom(gw, "127.0.0.9", { key: APP, headers: { forwarded: "for=127.0.0.2", "x-forwarded-for": "127.0.0.3" } });
  assert.equal(r.status, 403, "a Forwarded the client wrote is not read");
});

test("with `forwarded_header: forwarded`, RFC 7239 Forwarded is read and X-Forwarded-For is not", async () => {
  const rfc = await startGateway(basicConfig({ mockUrl: mock.url }) + `
geo:
  database: ${database}
  trusted_proxies: ["127.0.0.9/32"]
  forwarded_header: forwarded
  deny_countries: [US]
`);
  try {
    let r = await chatFrom(rfc, "127.0.0.9", { headers: { forwarded: 'for=127.0.0.3, for="127.0.0.2:4711"' } });
    assert.equal(r.status, 200, r.body);
    r = await chatFrom(rfc, "127.0.0.9", { headers: { forwarded: 'for=127.0.0.2, for="[::ffff:127.0.0.3]:4711"' } });
    assert.equal(r.status, 403, r.body);
    r = await chatFrom(rfc, "127.0.0.9", { headers: { "x-forwarded-for": "127.0.0.2", forwarded: "for=127.0.0.3" } });
    assert.equal(r.status, 403, "an X-Forwarded-For the client wrote is not read");
    r = await chatFrom(rfc, "127.0.0.9", { headers: { forwarded: 'for="127.0.0.2, for=127.0.0.3' } });
    assert.equal(r.status, 403, "an open quote does not swallow the proxy's element (unknown: allow here)");
  } finally {
    await stop(rfc.proc);
  }
});

test("a client cannot make itself unknown (and so allowed) by what it writes before the proxy's hop", async () => {
  const throughProxy = async (headers) => (await chatFrom(gw, "127.0.0.9", { key: LAX, headers })).status;
  assert.equal(await throughProxy({ "x-forwarded-for": "127.0.0.5" }), 200, "unknown is allowed for this key");
  // The proxy appended 127.0.0.3 (US) to whatever the client sent.
  assert.equal(await throughProxy({ "x-forwarded-for": '"127.0.0.2, 127.0.0.3' }), 403, "an open quote");
  const junk = Array(3000).fill("127.0.0.2").join(", ");
  assert.equal(await throughProxy({ "x-forwarded-for": `${junk}, 127.0.0.3` }), 403, "3000 entries before it");
  assert.equal(await throughProxy({ "x-forwarded-for": `${junk}, 127.0.0.4` }), 200, "and the hop still counts when allowed");
});

test("refusals are counted by country in tollgate_geo_refusals_total", async () => {
  const r = await curl([`http://127.0.0.1:${gw.adminPort}/metrics`]);
  const geo = r.body.split("\n").filter((l) => l.includes("geo")).join("\n");
  const us = r.body.match(/^tollgate_geo_refusals_total\{country="US"\} (\d+)/m);
  assert.ok(us && Number(us[1]) >= 3, geo);
  assert.match(r.body, /^tollgate_geo_refusals_total\{country="unknown"\} \d+/m, geo);
  assert.doesNotMatch(r.body, /tollgate_requests_total\{[^}]*country/, "no country on the request series");
});

test("the database is replaced while the gateway runs; a corrupt replacement keeps the old one", async () => {
  writeGeoDatabase(database, { ...PLACES, "127.0.0.3/32": ["CA", "NA"] });
  let served = false;
  for (let i = 0; i < 60 && !served; i++) {
    served = (await chatFrom(gw, "127.0.0.3", { key: APP })).status === 200;
    if (!served) await sleep(100);
  }
  assert.ok(served, "127.0.0.3 is in CA after the reload");
  writeCorruptDatabase(database);
  await sleep(2500);  // more than the watcher's second
  assert.equal((await chatFrom(gw, "127.0.0.3", { key: APP })).status, 200, "still the CA database");
  assert.equal((await chatFrom(gw, "127.0.0.5", { key: APP })).status, 403);
  assert.match(gw.proc.stdout + gw.proc.stderr, /geo: cannot open the geo database .*country\.mmdb/);
});

test("country and continent are in the audit line and the access log", async () => {
  await stop(gw.proc);
  const records = readFileSync(path.join(dir, "audit.jsonl"), "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l));
  // Lines are in the order requests completed, not sent: a refusal answered at once on
  // one worker can be logged before the answer the client got just before it from the
  // other (whose line is written after its last byte). Found by what they say.
  const first = records.find((r) => r.status === 200);
  assert.equal(first.country, "DE");
  assert.equal(first.continent, "EU");
  const refused = records.find((r) => r.status === 403 && r.country === "US");
  assert.ok(refused, JSON.stringify(records.map((r) => [r.status, r.country])));
  assert.equal(refused.continent, "NA");
  assert.deepEqual(refused.decisions.at(-1), { stage: "geo", decision: "refused:US" });
  assert.equal(records.find((r) => r.status === 403 && r.country === null)?.continent, null, "unknown is null");
  const access = gw.proc.stdout.split("\n").filter((l) => l.includes('"type":"access"')).map((l) => JSON.parse(l));
  const served = access.find((a) => a.status === 200);
  assert.equal(served.country, "DE");
  assert.equal(served.continent, "EU");
  assert.ok(access.some((a) => a.status === 403 && a.country === "US"));
});
