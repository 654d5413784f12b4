// The audit log through the real binary: a line for every request of a mixed load, a
// hash chain `tollgate audit verify` checks (and that fails on tampered copies), across
// rotated files, through SIGTERM under load and kill -9; W3C traceparent taken or started
// and sent upstream; JSON access logs; /metrics in Prometheus's text format.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import {
  SLOW, TOLLGATE_BIN, basicConfig, curl, json, lastUpstreamRequest, metricsWhen, sleep, startGateway, startMock, stop, stopAll, tempDir,
} from "./lib/harness.mjs";

after(stopAll);

function auditConfig(mockUrl, dir, { extra = "", audit = "" } = {}) {
  return basicConfig({ mockUrl }) + `
audit:
  path: ${dir}/audit.jsonl
  fsync_interval: 100ms
${audit}
keys:
  - {id: app, key: tg-audit-key-0001, team: search, limits: {rpm: 1000}}
  - {id: tiny, key: tg-audit-key-0002, limits: {rpm: 1}}
${extra}
`;
}

function chat(gw, key, body = { model: "gpt-test", messages: [{ role: "user", content: "secret prompt text" }] }, headers = []) {
  const args = [`${gw.base}/v1/chat/completions`];
  if (key) args.push("-H", `authorization: Bearer ${key}`);
  for (const h of headers) args.push("-H", h);
  args.push("-d", JSON.stringify(body));
  return curl(args);
}

function verify(files) {
  return spawnSync(TOLLGATE_BIN, ["audit", "verify", ...files], { encoding: "utf8" });
}

function lines(file) {
  return readFileSync(file, "utf8").split("\n").filter((l) => l.length > 0).map((l) => JSON.parse(l));
}

test("one audit line per request of a mixed load; verify passes, and fails on tampered copies", async () => {
  const mock = await startMock();
  const dir = tempDir();
  const gw = await startGateway(auditConfig(mock.url, dir));
  const statuses = [];
  statuses.push((await chat(gw, "tg-audit-key-0001")).status); // 200
  statuses.push((await chat(gw, "tg-audit-key-0001", { model: "gpt-test", stream: true, messages: [{ role: "user", content: "s" }] })).status);
  statuses.push((await chat(gw, null)).status); // 401
  statuses.push((await chat(gw, "tg-audit-key-0002")).status); // 200
  statuses.push((await chat(gw, "tg-audit-key-0002")).status); // 429
  statuses.push((await chat(gw, "tg-audit-key-0001", { model: "nope", messages: [] })).status); // 404
  statuses.push((await chat(gw, "tg-audit-key-0001", { model: "gpt-test", messages: [] }, ["x-mock-status: 500"])).status);
  assert.deepEqual(statuses, [200, 200, 401, 200, 429, 404, 500]);
  await stop(gw.proc);

  const file = path.join(dir, "audit.jsonl");
  const records = lines(file);
  assert.equal(records.length, statuses.length);
  assert.deepEqual(records.map((r) => r.status), statuses);
  const [ok, streamed, unauth, , limited, , failed] = records;
  assert.equal(ok.key_id, "app");
  assert.equal(ok.team, "search");
  assert.equal(ok.model, "gpt-test");
  assert.equal(ok.provider, "mock");
  assert.equal(ok.provider_model, "mock-model-1");
  assert.ok(ok.prompt_tokens > 0 && ok.completion_tokens > 0);
  assert.equal(ok.attempts, 1);
  assert.match(ok.trace_id, /^[0-9a-f]{32}$/);
  assert.deepEqual(ok.decisions, [{ stage: "auth", decision: "key:app" }]);
  assert.equal(streamed.stream, true);
  assert.ok(streamed.ttft_ms > 0);
  assert.equal(unauth.key_id, null);
  assert.deepEqual(limited.decisions.at(-1), { stage: "limits", decision: "rpm:key:tiny" });
  assert.deepEqual(failed.failed_attempts, [{ provider: "mock", class: "server_error" }]);
  assert.ok(!readFileSync(file, "utf8").includes("secret prompt text"), "no prompt text without include_bodies");
  assert.ok(!readFileSync(file, "utf8").includes("tg-audit-key"), "never a key");

  let r = verify([file]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /intact: 7 line/);

  const original = readFileSync(file, "utf8").split("\n").filter(Boolean);
  const tampered = (name, text) => {
    const f = path.join(dir, name);
    writeFileSync(f, text.join("\n") + "\n");
    return verify([f]);
  };
  r = tampered("edited.jsonl", original.map((l, i) => (i === 2 ? l.replace('"status":401', '"status":200') : l)));
  assert.equal(r.status, 1);
  assert.match(r.stderr, /edited\.jsonl:4: chain broken/);
  r = tampered("removed.jsonl", original.filter((_, i) => i !== 3));
  assert.equal(r.status, 1);
  r = tampered("reordered.jsonl", [original[0], original[2], original[1], ...original.slice(3)]);
  assert.equal(r.status, 1);
});

test("include_bodies keeps the request body; rotation by size keeps one chain across files", async () => {
  const mock = await startMock();
  const dir = tempDir();
  const gw = await startGateway(auditConfig(mock.url, dir, { audit: "  include_bodies: true\n  rotate: {max_bytes: 2048}" }));
  for (let i = 0; i < 12; i++) assert.equal((await chat(gw, "tg-audit-key-0001")).status, 200);
  await stop(gw.proc);
  const rotated = readdirSync(dir).filter((f) => f.startsWith("audit.jsonl.")).sort();
  assert.ok(rotated.length >= 2, `rotated files: ${rotated}`);
  const files = [...rotated.map((f) => path.join(dir, f)), path.join(dir, "audit.jsonl")];
  const all = files.flatMap((f) => lines(f));
  assert.equal(all.length, 12);
  assert.ok(all[0].request_body.includes("secret prompt text"));
  const answer = JSON.parse(all[0].response_body);
  assert.equal(answer.object, "chat.completion", "the answer as the client got it");
  let r = verify(files);
  assert.equal(r.status, 0, r.stderr);
  r = verify([files[1], files[0], ...files.slice(2)]);
  assert.equal(r.status, 1, "files out of order break the chain");
});

test("SIGTERM under load loses no audit line and no access line", async () => {
  const mock = await startMock();
  const dir = tempDir();
  const gw = await startGateway(auditConfig(mock.url, dir));
  const inflight = [];
  for (let i = 0; i < 40; i++) {
    inflight.push(chat(gw, "tg-audit-key-0001", undefined, ["x-mock-latency-ms: 300"]));
  }
  await sleep(100);
  gw.proc.child.kill("SIGTERM");
  const results = await Promise.all(inflight);
  await gw.proc.exited;
  const answered = results.filter((r) => r.status === 200).length;
  const others = results.filter((r) => r.status !== 200).map((r) => `${r.status} ${r.code} ${r.stderr.trim()}`);
  assert.ok(answered >= 1);
  const records = lines(path.join(dir, "audit.jsonl"));
  assert.equal(records.filter((r) => r.status === 200).length, answered, others.join("; "));
  assert.equal(verify([path.join(dir, "audit.jsonl")]).status, 0);
  // The access log's buffers (written up to a second late) are written out before exit too.
  const access = gw.proc.stdout.split("\n").filter((l) => l.includes('"type":"access"')).map((l) => JSON.parse(l));
  assert.equal(access.filter((a) => a.status === 200).length, answered);
});

test("kill -9 leaves a file that verifies up to its last whole line, and the chain goes on after restart", async () => {
  const mock = await startMock();
  const dir = tempDir();
  const config = auditConfig(mock.url, dir);
  let gw = await startGateway(config);
  const load = [];
  for (let i = 0; i < 30; i++) load.push(chat(gw, "tg-audit-key-0001"));
  await Promise.all(load);
  // Written within the audit's batch delay (25 ms); bounded for a slow, sanitized run.
  const file = path.join(dir, "audit.jsonl");
  for (let i = 0; i < 100 * SLOW && (!existsSync(file) || lines(file).length < 30); i++) await sleep(50);
  gw.proc.child.kill("SIGKILL");
  await gw.proc.exited;
  let r = verify([file]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(lines(file).length, 30);
  // A torn tail (as a power cut could leave) is ignored by verify and cut off at restart.
  writeFileSync(file, readFileSync(file, "utf8") + '{"prev":"abc', { flag: "w" });
  r = verify([file]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /torn last line was ignored/);
  gw = await startGateway(config);
  assert.equal((await chat(gw, "tg-audit-key-0001")).status, 200);
  await stop(gw.proc);
  r = verify([file]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /31 line/);
});

test("traceparent: the client's trace continues upstream under the gateway's span; one is started otherwise", async () => {
  const mock = await startMock();
  const dir = tempDir();
  const gw = await startGateway(auditConfig(mock.url, dir));
  const trace = "4bf92f3577b34da6a3ce929d0e0e4736";
  const parent = "00f067aa0ba902b7";
  let r = await chat(gw, "tg-audit-key-0001", undefined, [`traceparent: 00-${trace}-${parent}-01`]);
  assert.equal(r.status, 200);
  let upstream = await lastUpstreamRequest(mock);
  const sent = upstream.headers.traceparent;
  assert.match(sent, new RegExp(`^00-${trace}-[0-9a-f]{16}-01$`));
  assert.notEqual(sent.split("-")[2], parent, "the gateway's own span is the provider's parent");

  r = await chat(gw, "tg-audit-key-0001", undefined, ["traceparent: garbage"]);
  upstream = await lastUpstreamRequest(mock);
  assert.match(upstream.headers.traceparent, /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  assert.ok(!upstream.headers.traceparent.includes(trace));
  await stop(gw.proc);

  const records = lines(path.join(dir, "audit.jsonl"));
  assert.equal(records[0].trace_id, trace);
  assert.equal(records[0].parent_span_id, parent);
  assert.equal(records[0].span_id, sent.split("-")[2]);
  assert.equal(records[1].parent_span_id, null);

  // Access logs: one JSON line per request on stdout, with the same ids.
  const access = gw.proc.stdout.split("\n").filter((l) => l.includes('"type":"access"')).map((l) => JSON.parse(l));
  assert.equal(access.length, 2);
  assert.equal(access[0].trace_id, trace);
  assert.equal(access[0].status, 200);
  assert.equal(access[0].level, "info");
});

test("/metrics: Prometheus text with requests, latency histograms, tokens and build info", async () => {
  const mock = await startMock();
  const gw = await startGateway(basicConfig({ mockUrl: mock.url }));
  await chat(gw, null);
  await chat(gw, null, { model: "gpt-test", stream: true, messages: [{ role: "user", content: "s" }] });
  const r = await metricsWhen(gw, (text) => /tollgate_time_to_first_token_seconds_count\{[^}]*\} 1/.test(text) &&
    /tollgate_requests_total\{[^}]*status_class="2xx"\} 2/.test(text));
  assert.equal(r.status, 200);
  assert.match(r.headers["content-type"], /^text\/plain; version=0\.0\.4/);
  assert.match(r.body, /tollgate_requests_total\{cache="none",model="gpt-test",provider="mock",status_class="2xx"\} 2/);
  assert.match(r.body, /tollgate_overhead_seconds_bucket\{le="1e-05"\}|tollgate_overhead_seconds_bucket\{le="1e-05"/);
  assert.match(r.body, /tollgate_time_to_first_token_seconds_count\{model="gpt-test",provider="mock"\} 1/);
  assert.match(r.body, /tollgate_tokens_total\{kind="completion",model="gpt-test",provider="mock"\} \d+/);
  assert.match(r.body, /tollgate_build_info\{commit="[^"]*",version="[^"]+"\} 1/);
  assert.match(r.body, /tollgate_circuit_breaker_state\{model="gpt-test",provider="mock",target="mock-model-1"\} 0/);
  const promtool = spawnSync("promtool", ["check", "metrics"], { input: r.body, encoding: "utf8" });
  assert.equal(promtool.error, undefined, "promtool (Debian package prometheus) is needed");
  assert.equal(promtool.status, 0, promtool.stdout + promtool.stderr);
});
