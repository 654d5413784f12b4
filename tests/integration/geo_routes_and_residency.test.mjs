// Routing by where the caller is, and data residency. A rule with `continent: EU` sends
// European callers to an EU deployment and one with `country: [US, CA]` sends American
// ones to a US deployment. A team with `residency: [eu]` is served only by providers
// whose `region` is eu: its fallback chain skips the US model and stays in the EU; when
// the only EU target is down and nothing in the EU is left, it gets 503
// no_compliant_target rather than a US answer, and the audit line says so; a caller
// without residency falls back to the US as before. `--check` warns about a model a
// resident key may use that has no compliant target.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { TOLLGATE_BIN, basicConfig, startGateway, startMock, stop, stopAll, tempDir } from "./lib/harness.mjs";
import { chatFrom, writeGeoDatabase } from "./lib/geo.mjs";
import { validate } from "./lib/openapi.mjs";

const ACME = "tg-acme-key-0001";  // team acme: residency [eu]
const OPEN = "tg-open-key-0001";  // no residency

function config(mockUrl, dir) {
  const database = writeGeoDatabase(path.join(dir, "country.mmdb"));
  const provider = (name, region, url) => `  - {name: ${name}, kind: openai, region: ${region}, base_url: "${url}", api_key: sk-x, timeout: 5s, connect_timeout: 1s}`;
  return basicConfig({
    mockUrl,
    provider: [
      provider("eu-main", "eu", "http://127.0.0.1:1/v1"), // down: nothing listens on port 1
      provider("eu-backup", "eu", mockUrl),
      provider("us-main", "us", mockUrl),
    ].join("\n"),
    models: `  - {name: chat, targets: [{provider: eu-main, model: eu-1}], fallbacks: [chat-us, chat-eu]}
  - {name: chat-us, targets: [{provider: us-main, model: us-1}]}
  - {name: chat-eu, targets: [{provider: eu-backup, model: eu-2}]}
  - {name: solo, targets: [{provider: eu-main, model: eu-1}], fallbacks: [chat-us]}
  - {name: gpt-eu, targets: [{provider: eu-backup, model: eu-rules}]}
  - {name: us-first, targets: [{provider: us-main, model: us-1}], fallbacks: [chat-eu], fallback_on: [context_length]}`,
  }) + `
routes:
  - {match: {model: gpt-test, continent: EU}, to: gpt-eu}
  - {match: {model: gpt-test, country: [US, CA]}, to: chat-us}
keys:
  - {id: acme-prod, key: ${ACME}, team: acme}
  - {id: open, key: ${OPEN}}
teams:
  - {name: acme, residency: [eu]}
audit:
  path: ${dir}/audit.jsonl
  fsync_interval: 100ms
geo:
  database: ${database}
`;
}

let gw, dir;
before(async () => {
  const mock = await startMock();
  dir = tempDir();
  gw = await startGateway(config(mock.url, dir));
});
after(stopAll);

const served = (r) => `${r.headers["x-tollgate-provider"]}/${r.headers["x-tollgate-model"]}`;

test("a continent rule routes EU callers to the EU model; a country rule routes US callers", async () => {
  let r = await chatFrom(gw, "127.0.0.2", { key: OPEN }); // DE
  assert.equal(r.status, 200, r.body);
  assert.equal(served(r), "eu-backup/eu-rules");
  r = await chatFrom(gw, "127.0.0.4", { key: OPEN }); // FR
  assert.equal(served(r), "eu-backup/eu-rules");
  r = await chatFrom(gw, "127.0.0.3", { key: OPEN }); // US
  assert.equal(served(r), "us-main/us-1");
  r = await chatFrom(gw, "127.0.0.5", { key: OPEN }); // unknown: no rule holds
  assert.equal(served(r), "mock/mock-model-1");
});

test("residency keeps a fallback chain in the EU: the US model is skipped", async () => {
  const acme = await chatFrom(gw, "127.0.0.2", { key: ACME, model: "chat" });
  assert.equal(acme.status, 200, acme.body);
  assert.equal(served(acme), "eu-backup/eu-2");
  const open = await chatFrom(gw, "127.0.0.2", { key: OPEN, model: "chat" });
  assert.equal(open.status, 200, open.body);
  assert.equal(served(open), "us-main/us-1", "without residency the chain goes on to the US");
});

test("a model with no EU target is skipped straight to its EU fallback, whatever fallback_on says", async () => {
  const acme = await chatFrom(gw, "127.0.0.2", { key: ACME, model: "us-first" });
  assert.equal(acme.status, 200, acme.body);
  assert.equal(served(acme), "eu-backup/eu-2");
  const open = await chatFrom(gw, "127.0.0.2", { key: OPEN, model: "us-first" });
  assert.equal(served(open), "us-main/us-1");
});

test("when the only EU target is down, a resident caller gets 503 no_compliant_target", async () => {
  const acme = await chatFrom(gw, "127.0.0.2", { key: ACME, model: "solo" });
  assert.equal(acme.status, 503, acme.body);
  validate("ErrorResponse", acme.json);
  assert.equal(acme.json.error.code, "no_compliant_target");
  assert.match(acme.json.error.message, /\beu\b/);
  const open = await chatFrom(gw, "127.0.0.2", { key: OPEN, model: "solo" });
  assert.equal(open.status, 200);
  assert.equal(served(open), "us-main/us-1");
});

test("the audit line records the residency constraint and the provider that served", async () => {
  await stop(gw.proc);
  const records = readFileSync(path.join(dir, "audit.jsonl"), "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l));
  const resident = records.filter((r) => r.key_id === "acme-prod");
  assert.equal(resident.length, 3);
  assert.deepEqual(resident[0].decisions.at(-1), { stage: "residency", decision: "eu:eu-backup" });
  assert.equal(resident[0].provider, "eu-backup");
  assert.equal(resident[2].status, 503);
  assert.deepEqual(resident[2].decisions.at(-1), { stage: "residency", decision: "eu:none" });
  assert.ok(records.filter((r) => r.key_id === "open").every((r) => !r.decisions.some((d) => d.stage === "residency")));
});

test("--check warns about a model a resident key may use with no compliant target", async () => {
  const checkDir = tempDir();
  const gwConfig = config("http://127.0.0.1:1/v1", checkDir).replaceAll("${PORT}", "1").replaceAll("${ADMIN_PORT}", "2");
  const file = path.join(checkDir, "tollgate.yaml");
  writeFileSync(file, gwConfig);
  const r = spawnSync(TOLLGATE_BIN, ["--config", file, "--check"], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const out = r.stdout + r.stderr;
  assert.match(out, /residency: key 'acme-prod' \(regions eu\) may use model 'chat-us'/);
  assert.match(out, /may use model 'gpt-test'/, "the mock provider has no region");
  assert.doesNotMatch(out, /model 'chat'/, "chat falls back to chat-eu, which is in the EU");
  assert.doesNotMatch(out, /model 'solo'/, "solo's own target is in the EU (down or not)");
  assert.doesNotMatch(out, /key 'open'/);
});
