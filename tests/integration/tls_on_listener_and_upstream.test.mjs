// TLS both ways, with certificates made at test time: an HTTPS listener that a client
// verifies against the test CA, and an HTTPS provider whose certificate and host name
// the gateway verifies (and refuses when it does not chain to the trusted CA).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { curl, freePort, json, makeCertificates, startGateway, startMock, stopAll } from "./lib/harness.mjs";

let gw;
let certs;
let tlsPort;
before(async () => {
  certs = makeCertificates();
  const mock = await startMock({ tls: certs });
  const misnamed = await startMock({ tls: certs.elsewhere });
  tlsPort = await freePort();
  gw = await startGateway(`server:
  listen:
    - 127.0.0.1:\${PORT}
    - address: 127.0.0.1:${tlsPort}
      tls: {cert: ${certs.cert}, key: ${certs.key}}
  threads: 1
providers:
  - {name: secure, kind: openai, base_url: "${mock.url}", ca_file: ${certs.ca}, api_key: sk-x, forward_headers: ["x-mock-*"]}
  - {name: wrong-ca, kind: openai, base_url: "${mock.url}", ca_file: ${certs.otherCa}, forward_headers: ["x-mock-*"]}
  - {name: unverified, kind: openai, base_url: "${mock.url}", tls_verify: false, forward_headers: ["x-mock-*"]}
  - {name: wrong-name, kind: openai, base_url: "${misnamed.url}", ca_file: ${certs.ca}, forward_headers: ["x-mock-*"]}
  - {name: localhost, kind: openai, base_url: "https://localhost:${mock.port}/v1", ca_file: ${certs.ca}, forward_headers: ["x-mock-*"]}
models:
  - {name: secure, targets: [{provider: secure, model: m}]}
  - {name: wrong-ca, targets: [{provider: wrong-ca, model: m}]}
  - {name: unverified, targets: [{provider: unverified, model: m}]}
  - {name: wrong-name, targets: [{provider: wrong-name, model: m}]}
  - {name: localhost, targets: [{provider: localhost, model: m}]}
  - {name: demo, targets: [{provider: demo, model: demo}]}
`);
});
after(stopAll);

const chat = (model) => JSON.stringify({ model, messages: [{ role: "user", content: "tls" }] });

test("the HTTPS listener serves clients that trust the test CA", async () => {
  const r = await curl(["--cacert", certs.ca, `https://127.0.0.1:${tlsPort}/v1/chat/completions`, "-d", chat("demo")]);
  assert.equal(r.status, 200, r.stderr);
  const refused = await curl(["--cacert", certs.otherCa, `https://127.0.0.1:${tlsPort}/v1/models`]);
  assert.notEqual(refused.code, 0, "curl accepted a certificate from an untrusted CA");
});

test("an HTTPS provider is verified and used", async () => {
  const r = await curl([`${gw.base}/v1/chat/completions`, "-d", chat("secure")]);
  assert.equal(r.status, 200, r.body);
  assert.equal(json(r.body).model, "m");
  const stream = await curl(["-N", `${gw.base}/v1/chat/completions`, "-d", JSON.stringify({ model: "secure", stream: true, messages: [] })]);
  assert.match(stream.body, /data: \[DONE\]/);
});

test("a provider certificate from an untrusted CA → 502; tls_verify: false accepts it", async () => {
  const bad = await curl([`${gw.base}/v1/chat/completions`, "-d", chat("wrong-ca")]);
  assert.equal(bad.status, 502, bad.body);
  const off = await curl([`${gw.base}/v1/chat/completions`, "-d", chat("unverified")]);
  assert.equal(off.status, 200, off.body);
});

test("a certificate for another host name → 502, though its CA is trusted", async () => {
  // Signed by the trusted CA, but for elsewhere.invalid, while the gateway dialled 127.0.0.1.
  const r = await curl([`${gw.base}/v1/chat/completions`, "-d", chat("wrong-name")]);
  assert.equal(r.status, 502, r.body);
  assert.equal(json(r.body).error.code, "upstream_unreachable");
  // A host name on the certificate (localhost) passes, so the check is by name, not luck.
  const ok = await curl([`${gw.base}/v1/chat/completions`, "-d", chat("localhost")]);
  assert.equal(ok.status, 200, ok.body);
});
