// What a client sends in headers reaches a provider only through an allow-list: a tenant
// must not pick which OpenAI organization or project the gateway's key bills, pass its
// cookies on, or pad the upstream head until the provider fails.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { basicConfig, curl, lastUpstreamRequest, startGateway, startMock, stopAll } from "./lib/harness.mjs";

let gw, mock;
before(async () => {
  mock = await startMock();
  gw = await startGateway(
    basicConfig({ mockUrl: mock.url }).replace('forward_headers: ["x-mock-*"]', 'forward_headers: ["x-mock-*", "x-team-trace", "x-app-*"]'),
  );
});
after(stopAll);

test("only content negotiation, tracing, idempotency, dialect and configured headers are forwarded", async () => {
  const sent = {
    "OpenAI-Organization": "org-someone-else",
    "OpenAI-Project": "proj-someone-else",
    Cookie: "session=stolen",
    "X-Forwarded-For": "10.9.9.9",
    "X-Anything": "y".repeat(4000),
    "Api-Key": "sk-client-key",
    "OpenAI-Beta": "assistants=v2",
    "Idempotency-Key": "idem-123",
    tracestate: "vendor=1",
    Accept: "application/json",
    "User-Agent": "OpenAI/JS 6.0.0",
    "X-Team-Trace": "t-1",
    "X-App-Version": "2.3",
  };
  const args = [`${gw.base}/v1/chat/completions`, "-H", "authorization: Bearer anything"];
  for (const [name, value] of Object.entries(sent)) args.push("-H", `${name}: ${value}`);
  args.push("-d", JSON.stringify({ model: "gpt-test", messages: [{ role: "user", content: "hi" }] }));
  const r = await curl(args);
  assert.equal(r.status, 200, r.body);
  const got = (await lastUpstreamRequest(mock)).headers;
  const names = Object.keys(got).map((n) => n.toLowerCase());
  for (const refused of ["openai-organization", "openai-project", "cookie", "x-forwarded-for", "x-anything", "api-key"]) {
    assert.ok(!names.includes(refused), `${refused} must not reach the provider`);
  }
  const value = (name) => got[Object.keys(got).find((n) => n.toLowerCase() === name)];
  assert.equal(value("openai-beta"), "assistants=v2");
  assert.equal(value("idempotency-key"), "idem-123");
  assert.equal(value("tracestate"), "vendor=1");
  assert.equal(value("user-agent"), "OpenAI/JS 6.0.0");
  assert.equal(value("x-team-trace"), "t-1", "a configured name is forwarded");
  assert.equal(value("x-app-version"), "2.3", "a configured prefix is forwarded");
  assert.equal(value("authorization"), "Bearer sk-provider-secret", "the provider gets the gateway's key only");
  assert.match(value("traceparent"), /^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/, "the gateway's own span");
});

test("an allowed header padded past 2 KiB stays at the gateway; the request is served", async () => {
  const r = await curl([`${gw.base}/v1/chat/completions`, "-H", `user-agent: ${"u".repeat(30000)}`,
    "-H", "x-team-trace: small", "-d", JSON.stringify({ model: "gpt-test", messages: [{ role: "user", content: "hi" }] })]);
  assert.equal(r.status, 200, r.body);
  const got = (await lastUpstreamRequest(mock)).headers;
  assert.equal(got["user-agent"], undefined);
  assert.equal(got["x-team-trace"], "small");
});

test("a config that would forward credentials or framing is refused with file, line and key", async () => {
  for (const bad of ['"authorization"', '"Cookie"', '"x-*"', '"transfer-encoding"', '"*"', '"bad name"']) {
    const text = basicConfig({ mockUrl: mock.url }).replace('forward_headers: ["x-mock-*"]', `forward_headers: [${bad}]`);
    const check = await startGateway(text, { args: ["--check"], waitReady: false });
    const { code } = await check.proc.exited;
    assert.notEqual(code, 0, `${bad} must be refused`);
    assert.match(check.proc.stderr + check.proc.stdout, /tollgate\.yaml:\d+.*forward_headers/, `${bad}: ${check.proc.stderr}`);
  }
});
