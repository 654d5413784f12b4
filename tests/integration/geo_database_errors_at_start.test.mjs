// A geo database that is missing or corrupt at start is a configuration error naming the
// file and its line, from `--check` and from a start alike.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { TOLLGATE_BIN, basicConfig, tempDir } from "./lib/harness.mjs";
import { writeCorruptDatabase } from "./lib/geo.mjs";

function check(config) {
  const dir = tempDir();
  const file = path.join(dir, "tollgate.yaml");
  writeFileSync(file, config.replaceAll("${PORT}", "1").replaceAll("${ADMIN_PORT}", "2"));
  return spawnSync(TOLLGATE_BIN, ["--config", file, "--check"], { encoding: "utf8" });
}

test("a missing database is a config error with its path", () => {
  const missing = path.join(tempDir(), "nowhere.mmdb");
  const r = check(basicConfig() + `geo:\n  database: ${missing}\n`);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /tollgate\.yaml:\d+:\d+: geo\.database: cannot open the geo database '.*nowhere\.mmdb'/);
});

test("a corrupt database is a config error with its path", () => {
  const file = path.join(tempDir(), "bad.mmdb");
  writeCorruptDatabase(file);
  const r = check(basicConfig() + `geo:\n  database: ${file}\n`);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /geo\.database: cannot open the geo database '.*bad\.mmdb'/);
});

test("allow_countries and deny_countries together are refused", () => {
  const file = path.join(tempDir(), "bad.mmdb");
  const r = check(basicConfig() + `geo:\n  database: ${file}\n  allow_countries: [DE]\n  deny_countries: [US]\n`);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /geo\.deny_countries: cannot be given with allow_countries/);
});

test("a routing rule's country must be a two-letter code; a provider's region a name", () => {
  let r = check(basicConfig() + `routes:\n  - {match: {country: Germany}, to: demo}\n`);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /routes\[0\]\.match\.country: must be a two-letter code/);
  r = check(basicConfig({ provider: `  - {name: eu, kind: openai, base_url: "http://127.0.0.1:1/v1", region: "eu west"}` }));
  assert.equal(r.status, 1);
  assert.match(r.stderr, /providers\[\d\]\.region: must be letters, digits/);
  r = check(basicConfig() + `routes:\n  - {match: {continent: [eu, NA]}, to: demo}\n`);
  assert.equal(r.status, 0, r.stderr);
});
