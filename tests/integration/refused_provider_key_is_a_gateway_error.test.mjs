// A provider that refuses the gateway's own key (its 401/403) is the operator's problem,
// not the caller's: the client gets 502 saying so — never the provider's
// invalid_api_key, which reads as a wrong tollgate key and may echo part of the
// provider key — the log says it loudly, and a fallback with a good key serves.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { basicConfig, curl, json, sseEvents, startGateway, startMock, stopAll } from "./lib/harness.mjs";
import { validate } from "./lib/openapi.mjs";

let gw, mock;
before(async () => {
  mock = await startMock();
  gw = await startGateway(
    basicConfig({
      mockUrl: mock.url,
      provider: `  - {name: revoked, kind: openai, base_url: "${mock.url}", api_key: sk-revoked-secret, headers: {x-mock-status: "401"}}
  - {name: no-access, kind: openai, base_url: "${mock.url}", api_key: sk-noaccess-secret, headers: {x-mock-status: "403"}}`,
      models: `  - {name: revoked-model, targets: [{provider: revoked, model: m}]}
  - {name: forbidden-model, targets: [{provider: no-access, model: m}]}
  - {name: with-fallback, targets: [{provider: revoked, model: m}], fallbacks: [demo]}`,
    }),
  );
});
after(stopAll);

const chat = (model, extra = {}) => JSON.stringify({ model, messages: [{ role: "user", content: "hi" }], ...extra });

test("401 or 403 from the provider: 502 upstream_credentials_refused, nothing of the provider's answer", async () => {
  for (const [model, provider] of [["revoked-model", "revoked"], ["forbidden-model", "no-access"]]) {
    for (const stream of [false, true]) {
      const r = await curl([`${gw.base}/v1/chat/completions`, "-d", chat(model, { stream })]);
      assert.equal(r.status, 502, r.body);
      const body = json(r.body);
      validate("ErrorResponse", body);
      assert.equal(body.error.code, "upstream_credentials_refused");
      assert.match(body.error.message, new RegExp(`'${provider}' refused the gateway's credentials`));
      assert.doesNotMatch(r.body, /mock error|invalid_api_key|secret/);
    }
  }
  assert.match(gw.proc.stdout + gw.proc.stderr, /"level":"error".*provider 'revoked' refused the gateway's credentials \(HTTP 401\)/);
  assert.doesNotMatch(gw.proc.stdout + gw.proc.stderr, /sk-revoked-secret|sk-noaccess-secret/);
});

test("a fallback with working credentials serves the request", async () => {
  const r = await curl([`${gw.base}/v1/chat/completions`, "-d", chat("with-fallback")]);
  assert.equal(r.status, 200, r.body);
  assert.equal(r.headers["x-tollgate-provider"], "demo");
});
