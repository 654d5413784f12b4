// A provider's host name is looked up with getaddrinfo, which nothing can cancel: a DNS
// server that never answers would hold a request for glibc's whole timeout (10 s here).
// connect_timeout bounds the wait for the lookup as it bounds the connect; requests for
// the same host share one lookup; a client that hangs up stops waiting; a fallback serves.
// The gateway runs in a mount namespace of its own whose /etc/resolv.conf names a
// loopback UDP port served by the test (root only: it binds port 53 and bind-mounts the
// file): queries for slow.tollgate-test are answered "no such name" after a second, all
// others never.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import dgram from "node:dgram";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { SLOW, accessLine, basicConfig, curl, json, startGateway, stopAll, tempDir } from "./lib/harness.mjs";
import { validate } from "./lib/openapi.mjs";

function namespacesWork() {
  try {
    execFileSync("unshare", ["-m", "true"], { stdio: "ignore" });
    return process.getuid() === 0;
  } catch {
    return false;
  }
}
const skip = namespacesWork() ? false : "needs root and unshare -m (a private /etc/resolv.conf)";

// The name a DNS query asks for: length-prefixed labels after the 12-byte header.
function queriedName(packet) {
  const labels = [];
  for (let at = 12; at < packet.length && packet[at] !== 0 && labels.length < 128; at += packet[at] + 1) {
    labels.push(packet.subarray(at + 1, at + 1 + packet[at]).toString("latin1"));
  }
  return labels.join(".");
}

let gw, dns;
const queries = new Map(); // name → how many queries (A and AAAA each count)
before(async () => {
  if (skip) return;
  // 127.0.0.0/8 is all loopback: an address of our own, so nothing else is on its port 53.
  const address = `127.${1 + Math.floor(Math.random() * 250)}.${1 + Math.floor(Math.random() * 250)}.53`;
  dns = dgram.createSocket("udp4");
  dns.on("message", (packet, from) => {
    const name = queriedName(packet);
    queries.set(name, (queries.get(name) ?? 0) + 1);
    if (name !== "slow.tollgate-test") return;
    // The query sent back as its own answer: response bit, recursion available, NXDOMAIN.
    const answer = Buffer.from(packet);
    answer[2] |= 0x80;
    answer[3] = 0x83;
    setTimeout(() => dns.send(answer, from.port, from.address), 1000);
  });
  await new Promise((resolve, reject) => {
    dns.once("error", reject);
    dns.bind(53, address, resolve);
  });
  const dir = tempDir();
  const resolvConf = path.join(dir, "resolv.conf");
  writeFileSync(resolvConf, `nameserver ${address}\noptions timeout:5 attempts:2\n`);
  gw = await startGateway(
    basicConfig({
      provider: `  - {name: unanswered, kind: openai, base_url: "http://provider.tollgate-test:9/v1", api_key: sk-x, connect_timeout: 1s}
  - {name: unanswered-long, kind: openai, base_url: "http://other.tollgate-test:9/v1", api_key: sk-x, connect_timeout: 30s}
  - {name: slow, kind: openai, base_url: "http://slow.tollgate-test:9/v1", api_key: sk-x, connect_timeout: 300ms}`,
      models: `  - {name: unanswered-model, targets: [{provider: unanswered, model: m}]}
  - {name: long-wait-model, targets: [{provider: unanswered-long, model: m}]}
  - {name: slow-model, targets: [{provider: slow, model: m}]}
  - {name: with-fallback, targets: [{provider: unanswered, model: m}], fallbacks: [demo]}`,
    }),
    { wrap: ["unshare", "-m", "sh", "-c", 'mount --bind "$0" /etc/resolv.conf && exec "$@"', resolvConf] },
  );
});
after(async () => {
  await stopAll();
  dns?.close();
});

const chat = (model) => JSON.stringify({ model, messages: [{ role: "user", content: "hi" }] });

test("concurrent requests for one host share its lookup", { skip }, async () => {
  // First: Asio resolves one name at a time per worker, so a lookup that never answers
  // (the tests below) would hold these back. Each lookup of slow.tollgate-test takes a
  // second (then "no such name"); each request gives up at 300 ms. Eight requests on two
  // workers share at most two lookups, which glibc sends as A and AAAA: four queries. A
  // lookup each would be up to sixteen, coming one after another for seconds.
  const answers = await Promise.all(
    Array.from({ length: 8 }, () => curl([`${gw.base}/v1/chat/completions`, "-d", chat("slow-model")])),
  );
  for (const r of answers) assert.equal(r.status, 504, r.body);
  await new Promise((resolve) => setTimeout(resolve, 3500));
  const asked = queries.get("slow.tollgate-test") ?? 0;
  assert.ok(asked >= 1, "the lookup never reached the test's DNS server");
  assert.ok(asked <= 4, `${asked} queries for eight concurrent requests: each looked the host up itself`);
});

test("a lookup that never answers ends at connect_timeout: 504", { skip }, async () => {
  const started = Date.now();
  const answers = await Promise.all(
    Array.from({ length: 3 }, () => curl([`${gw.base}/v1/chat/completions`, "-d", chat("unanswered-model")])),
  );
  const took = Date.now() - started;
  for (const r of answers) {
    assert.equal(r.status, 504, r.body);
    const body = json(r.body);
    validate("ErrorResponse", body);
    assert.doesNotMatch(r.body, /sk-x/);
  }
  assert.ok(took < 4000 * SLOW, `three requests took ${took} ms: the lookup held them past connect_timeout`);
  assert.ok(queries.get("provider.tollgate-test") >= 1, "the lookup never reached the test's DNS server");
});

test("a fallback serves when its first target's host cannot be looked up", { skip }, async () => {
  const started = Date.now();
  const r = await curl([`${gw.base}/v1/chat/completions`, "-d", chat("with-fallback")]);
  assert.equal(r.status, 200, r.body);
  assert.equal(json(r.body).object, "chat.completion");
  assert.ok(Date.now() - started < 4000 * SLOW, `took ${Date.now() - started} ms`);
});

test("a client that hangs up during the lookup ends the request then, not at connect_timeout", { skip }, async () => {
  const hungUp = Date.now();
  const r = await curl(["--max-time", "0.5", `${gw.base}/v1/chat/completions`, "-d", chat("long-wait-model")]);
  assert.equal(r.status, 0, "curl gave up first");
  // The answer is never written, but the request ends: its access line comes within a
  // second or two (the hang-up watch starts within 100 ms, the log flushes each second),
  // far below the provider's 30 s connect_timeout.
  const line = await accessLine(gw, (l) => l.model === "long-wait-model", 6000 * SLOW);
  assert.ok(Date.now() - hungUp < 6000 * SLOW);
  assert.notEqual(line.status, 504);
});
