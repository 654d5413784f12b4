// A browser app on an allowed origin calls the gateway with a key of its own
// (server.cors): its preflight is answered without a key, without touching a limit or a
// provider; every answer it gets (200, streamed, 401, 429) carries the CORS fields so its
// code can read them; another origin gets none; `*` needs saying when keys exist; a
// reload changes the origins.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import path from "node:path";
import {
  TOLLGATE_BIN, basicConfig, curl, json, lastUpstreamRequest, sleep, startGateway, startMock, stopAll, tempDir,
} from "./lib/harness.mjs";
import { validate } from "./lib/openapi.mjs";

const KEY = "tg-browser-key-0001";
const APP = "https://app.example.com";
let mock, gw;

const corsConfig = (origins) => basicConfig({
  mockUrl: mock.url,
  server: `  cors: {origins: ${JSON.stringify(origins)}, max_age: 10m}`,
}) + `keys:\n  - {id: browser, key: ${KEY}, limits: {rpm: 2}}\n`;

before(async () => {
  mock = await startMock();
  gw = await startGateway(corsConfig([APP, "http://localhost:5173"]));
});
after(stopAll);

// What Chrome sends before the openai SDK's POST from a page.
const preflight = (origin, extra = []) => curl([
  "-X", "OPTIONS", `${gw.base}/v1/chat/completions`,
  "-H", `origin: ${origin}`,
  "-H", "access-control-request-method: POST",
  "-H", "access-control-request-headers: authorization,content-type,x-stainless-arch,x-stainless-lang,x-stainless-os,x-stainless-package-version,x-stainless-retry-count,x-stainless-runtime,x-stainless-runtime-version,x-stainless-timeout",
  ...extra,
]);
const chat = (origin, { key = KEY, model = "gpt-test", stream = false } = {}) => curl([
  `${gw.base}/v1/chat/completions`,
  ...(origin ? ["-H", `origin: ${origin}`] : []),
  ...(key ? ["-H", `authorization: Bearer ${key}`] : []),
  "-H", "content-type: application/json",
  "-d", JSON.stringify({ model, stream, messages: [{ role: "user", content: "hi" }] }),
]);

function assertCorsFor(r, origin) {
  assert.equal(r.headers["access-control-allow-origin"], origin, JSON.stringify(r.headers));
  assert.match(r.headers.vary ?? "", /origin/i);
  const exposed = r.headers["access-control-expose-headers"].split(/,\s*/);
  for (const name of ["x-request-id", "retry-after", "x-ratelimit-remaining-requests", "x-tollgate-provider",
    "anthropic-ratelimit-requests-remaining"]) {
    assert.ok(exposed.includes(name), `${name} exposed`);
  }
  assert.equal(r.headers["access-control-allow-credentials"], undefined, "never credentials");
}

test("a preflight from an allowed origin is 204 with the fields a browser checks, with no key, no limit and no provider", async () => {
  const before = await lastUpstreamRequest(mock).catch(() => null);
  for (let i = 0; i < 5; i++) {  // more than the key's rpm: preflights count against nothing
    const r = await preflight(APP);
    assert.equal(r.status, 204, r.body);
    assert.equal(r.body, "");
    assert.equal(r.headers["content-length"], undefined);
    assert.equal(r.headers["access-control-allow-origin"], APP);
    assert.equal(r.headers.vary, "origin");
    assert.deepEqual(r.headers["access-control-allow-methods"].split(/,\s*/).sort(), ["DELETE", "GET", "OPTIONS", "POST"]);
    const allowed = r.headers["access-control-allow-headers"].split(/,\s*/);
    for (const name of ["authorization", "content-type", "x-api-key", "anthropic-version",
      "anthropic-dangerous-direct-browser-access", "openai-organization", "openai-project",
      "x-stainless-retry-count", "x-stainless-runtime-version"]) {
      assert.ok(allowed.includes(name), `${name} allowed: ${allowed}`);
    }
    assert.equal(r.headers["access-control-max-age"], "600");
    assert.equal(r.headers["access-control-allow-credentials"], undefined);
  }
  const after = await lastUpstreamRequest(mock).catch(() => null);
  assert.deepEqual(after, before, "no preflight reached the provider");
  // The key's two requests a minute are all still there.
  for (let i = 0; i < 2; i++) assert.equal((await chat(APP)).status, 200);
  const limited = await chat(APP);
  assert.equal(limited.status, 429);
  validate("ErrorResponse", json(limited.body));
  assertCorsFor(limited, APP);
  assert.ok(limited.headers["retry-after"]);
});

test("a preflight from another origin gets 403 and no CORS field, so the browser refuses the call", async () => {
  for (const origin of ["https://evil.example.com", "https://app.example.com.evil.com", "null", "http://app.example.com"]) {
    const r = await preflight(origin);
    assert.equal(r.status, 403, origin);
    validate("ErrorResponse", json(r.body));
    assert.equal(r.headers["access-control-allow-origin"], undefined);
    assert.equal(r.headers["access-control-allow-headers"], undefined);
  }
  // Its actual requests are served (a browser hides them from the page) without the fields.
  const r = await chat("https://evil.example.com", { key: "wrong-key" });
  assert.equal(r.status, 401);
  assert.equal(r.headers["access-control-allow-origin"], undefined);
  assert.match(r.headers.vary, /origin/);
});

test("every answer to an allowed origin carries the fields: 401, 404, a demo answer, a stream", async () => {
  const origin = "http://localhost:5173";
  const refused = await chat(origin, { key: null });
  assert.equal(refused.status, 401);
  validate("ErrorResponse", json(refused.body));
  assertCorsFor(refused, origin);
  const unknown = await chat(origin, { key: "tg-not-a-key" });
  assertCorsFor(unknown, origin);
  const other = await curl(["-H", `origin: ${origin}`, `${gw.base}/v1/nothing-here`]);
  assert.equal(other.status, 404);
  assertCorsFor(other, origin);
  // Without an Origin (a server, curl) there is nothing to allow.
  const plain = await chat(null, { key: null });
  assert.equal(plain.headers["access-control-allow-origin"], undefined);
});

test("a streamed answer carries the fields in its head", async () => {
  // A fresh gateway: the first one's key has used its minute.
  const fresh = await startGateway(corsConfig([APP]));
  const r = await curl([
    `${fresh.base}/v1/chat/completions`, "-H", `origin: ${APP}`, "-H", `authorization: Bearer ${KEY}`,
    "-d", JSON.stringify({ model: "demo", stream: true, messages: [{ role: "user", content: "hi" }] }),
  ]);
  assert.equal(r.status, 200, r.body);
  assert.match(r.headers["content-type"], /text\/event-stream/);
  assertCorsFor(r, APP);
  assert.match(r.body, /\[DONE\]/);
});

test("hostile preflights are bounded: two Origins, a huge Origin, thousands of requested names", async () => {
  const two = await preflight(APP, ["-H", "origin: https://evil.example.com"]);
  assert.equal(two.status, 403);
  assert.equal(two.headers["access-control-allow-origin"], undefined);
  const huge = await preflight(APP + "/" + "a".repeat(40000));
  assert.equal(huge.status, 403);
  const names = Array.from({ length: 1200 }, (_, i) => `x-stainless-n${i}`).join(",");
  const many = await curl([
    "-X", "OPTIONS", `${gw.base}/v1/responses`, "-H", `origin: ${APP}`,
    "-H", "access-control-request-method: POST", "-H", `access-control-request-headers: ${names}`,
    "-H", `access-control-request-headers: ${names}`,
  ]);
  assert.equal(many.status, 204);
  const echoed = many.headers["access-control-allow-headers"].split(/,\s*/).filter((n) => n.startsWith("x-stainless-n"));
  assert.ok(echoed.length > 0 && echoed.length <= 64, `${echoed.length} names echoed`);
  assert.equal(new Set(echoed).size, echoed.length, "no name twice");
});

test("origins: ['*'] is refused when keys exist unless allow_any_origin_with_keys says so", async () => {
  const dir = tempDir();
  const file = path.join(dir, "star.yaml");
  writeFileSync(file, `server:\n  cors:\n    origins: ["*"]\nkeys:\n  - {id: a, key: tg-a-key-00000001}\n`);
  let r = spawnSync(TOLLGATE_BIN, ["--config", file, "--check"], { encoding: "utf8" });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /star\.yaml:3:.*server\.cors\.origins\[0\].*allow_any_origin_with_keys/);
  writeFileSync(file, `server:\n  cors:\n    origins: ["*"]\n    allow_any_origin_with_keys: true\nkeys:\n  - {id: a, key: tg-a-key-00000001}\n`);
  r = spawnSync(TOLLGATE_BIN, ["--config", file, "--check"], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  writeFileSync(file, `server:\n  cors:\n    origins: ["https://app.example.com/"]\n`);
  r = spawnSync(TOLLGATE_BIN, ["--config", file, "--check"], { encoding: "utf8" });
  assert.match(r.stderr, /server\.cors\.origins\[0\]: must be an origin/);

  const any = await startGateway(basicConfig({ server: "  cors: {origins: ['*'], allow_any_origin_with_keys: true}" }) +
    `keys:\n  - {id: browser, key: ${KEY}}\n`);
  const pre = await curl(["-X", "OPTIONS", `${any.base}/v1/messages`, "-H", "origin: https://anyone.example",
    "-H", "access-control-request-method: POST", "-H", "access-control-request-headers: x-api-key,anthropic-version"]);
  assert.equal(pre.status, 204);
  assert.equal(pre.headers["access-control-allow-origin"], "*");
  assert.equal(pre.headers.vary, undefined);
  assert.equal(pre.headers["access-control-allow-credentials"], undefined);
});

test("a reload changes server.cors without a restart", async () => {
  const g = await startGateway(corsConfig([APP]));
  const ask = (origin) => curl(["-X", "OPTIONS", `${g.base}/v1/chat/completions`, "-H", `origin: ${origin}`,
    "-H", "access-control-request-method: POST"]);
  assert.equal((await ask("https://new.example.com")).status, 403);
  writeFileSync(g.file, corsConfig(["https://new.example.com"]).replaceAll("${PORT}", String(g.port))
    .replaceAll("${ADMIN_PORT}", String(g.adminPort)));
  const before = (g.proc.stdout + g.proc.stderr).match(/configuration reload/g)?.length ?? 0;
  g.proc.child.kill("SIGHUP");
  for (let i = 0; i < 200 && ((g.proc.stdout + g.proc.stderr).match(/configuration reload/g)?.length ?? 0) === before; i++) {
    await sleep(20);
  }
  assert.match(g.proc.stdout + g.proc.stderr, /configuration reloaded/);
  assert.equal((await ask("https://new.example.com")).status, 204);
  assert.equal((await ask(APP)).status, 403);
});
