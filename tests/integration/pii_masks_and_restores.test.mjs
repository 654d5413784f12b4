// Personal data never reaches the provider as it was written: an email, a phone and an
// employee id (a custom entity) go out as placeholders, and the client gets the original
// values back in the answer, whole and streamed (the mock's answer is split into pieces
// that cut placeholders at odd bytes). A card with `block` is a 400 pii_blocked that names
// the entity, never the value; `hash` gives the same tag for the same value every time.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import OpenAI from "openai";
import { basicConfig, curl, json, lastUpstreamRequest, startGateway, startMock, stopAll } from "./lib/harness.mjs";
import { validate } from "./lib/openapi.mjs";

const PII = `pii:
  entities: {email: pseudonymize, phone: pseudonymize, card: block, ipv4: hash}
  custom:
    - {name: employee_id, pattern: "EMP-[0-9]{6}", action: pseudonymize}
  hash_key: test-hash-key-0123456789
`;
const PROMPT = "Mail ann@example.com or call +1 415 555 0132 about EMP-123456, then mail ann@example.com again.";
const ANSWER = "Sure: I will mail [EMAIL_1], call [PHONE_1] and ask [EMPLOYEE_ID_1].";
const RESTORED = "Sure: I will mail ann@example.com, call +1 415 555 0132 and ask EMP-123456.";

let gw, mock, client;
before(async () => {
  mock = await startMock();
  gw = await startGateway(basicConfig({ mockUrl: mock.url }) + PII);
  client = new OpenAI({ baseURL: `${gw.base}/v1`, apiKey: "tg-any-key", maxRetries: 0, timeout: 20000 });
});
after(stopAll);

function upstreamText(last) {
  const body = typeof last.body === "string" ? JSON.parse(last.body) : last.body;
  return body.messages.map((m) => m.content).join("\n");
}

test("the provider sees placeholders; the client gets its values back (whole answer)", async () => {
  const answer = await client.chat.completions.create(
    { model: "gpt-test", messages: [{ role: "user", content: PROMPT }] },
    { headers: { "x-mock-answer": ANSWER } },
  );
  assert.equal(answer.choices[0].message.content, RESTORED);
  const sent = upstreamText(await lastUpstreamRequest(mock));
  assert.equal(sent, "Mail [EMAIL_1] or call [PHONE_1] about [EMPLOYEE_ID_1], then mail [EMAIL_1] again.");
  assert.doesNotMatch(sent, /ann@example\.com|555 0132|EMP-123456/);
});

for (const chunks of [3, 7, 11, 29]) {
  test(`streamed in ${chunks} pieces, placeholders cut anywhere are restored whole`, async () => {
    const stream = await client.chat.completions.create(
      { model: "gpt-test", stream: true, messages: [{ role: "user", content: PROMPT }] },
      { headers: { "x-mock-answer": ANSWER, "x-mock-chunks": String(chunks) } },
    );
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? "";
    assert.equal(text, RESTORED);
  });
}

test("a card number with `block` is a 400 pii_blocked naming the entity, never the value", async () => {
  const r = await curl([
    `${gw.base}/v1/chat/completions`, "-H", "content-type: application/json",
    "--data", JSON.stringify({ model: "gpt-test", messages: [{ role: "user", content: "charge 4111 1111 1111 1111 please" }] }),
  ]);
  assert.equal(r.status, 400, r.body);
  const error = json(r.body);
  validate("ErrorResponse", error);
  assert.equal(error.error.code, "pii_blocked");
  assert.equal(error.error.param, "messages[0].content");
  assert.match(error.error.message, /card/);
  assert.doesNotMatch(r.body, /4111/);
});

test("hash gives the same tag for the same value, across requests", async () => {
  const tags = [];
  for (let i = 0; i < 2; i++) {
    await client.chat.completions.create({ model: "gpt-test", messages: [{ role: "user", content: "server 10.1.2.3 is down" }] });
    tags.push(upstreamText(await lastUpstreamRequest(mock)));
  }
  assert.match(tags[0], /^server \[IPV4_[0-9a-f]{12}\] is down$/);
  assert.equal(tags[0], tags[1]);
});

test("metrics count findings by entity, action and direction; no value reaches a log or metric", async () => {
  const r = await curl([`http://127.0.0.1:${gw.adminPort}/metrics`]);
  assert.match(r.body, /tollgate_pii_findings_total\{action="pseudonymize",direction="request",entity="email"\} [1-9]/);
  assert.match(r.body, /tollgate_pii_findings_total\{action="block",direction="request",entity="card"\} 1/);
  for (const text of [r.body, gw.proc.stdout, gw.proc.stderr]) {
    assert.doesNotMatch(text, /ann@example\.com|555 0132|EMP-123456|4111 1111/);
  }
});

test("pii config errors name file, line and key at --check", async () => {
  const { execFileSync } = await import("node:child_process");
  const { writeFileSync } = await import("node:fs");
  const { tempDir } = await import("./lib/harness.mjs");
  const cases = [
    ["pii:\n  entities: {emial: mask}\n", /:2:\d+: pii\.entities\.emial: unknown entity 'emial'/],
    ["pii:\n  entities: {email: hash}\n", /pii\.entities\.email: the hash action needs pii\.hash_key/],
    ["pii:\n  custom:\n    - {name: x, pattern: \"(\", action: mask}\n", /:3:\d+: pii\.custom\[0\]: .*pattern/],
  ];
  for (const [yaml, expected] of cases) {
    const file = `${tempDir()}/bad.yaml`;
    writeFileSync(file, yaml);
    let output = "";
    try {
      execFileSync(process.env.TOLLGATE_BIN, ["--check", "--config", file], { stdio: "pipe" });
    } catch (e) {
      output = String(e.stderr);
    }
    assert.match(output, expected);
  }
});

test("with audit bodies on, the audit line holds the masked request and answer, never a value", async () => {
  const { readFileSync } = await import("node:fs");
  const { tempDir, stop } = await import("./lib/harness.mjs");
  const dir = tempDir();
  const audited = await startGateway(basicConfig({ mockUrl: mock.url }) + PII +
    `audit:\n  path: ${dir}/audit.jsonl\n  include_bodies: true\n`);
  const auditClient = new OpenAI({ baseURL: `${audited.base}/v1`, apiKey: "tg-any-key", maxRetries: 0, timeout: 20000 });
  const whole = await auditClient.chat.completions.create(
    { model: "gpt-test", messages: [{ role: "user", content: PROMPT }] }, { headers: { "x-mock-answer": ANSWER } });
  assert.equal(whole.choices[0].message.content, RESTORED);
  const stream = await auditClient.chat.completions.create(
    { model: "gpt-test", stream: true, messages: [{ role: "user", content: PROMPT }] },
    { headers: { "x-mock-answer": ANSWER, "x-mock-chunks": "7" } });
  let text = "";
  for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? "";
  assert.equal(text, RESTORED);
  await stop(audited.proc);
  const records = readFileSync(`${dir}/audit.jsonl`, "utf8").trim().split("\n").map((l) => JSON.parse(l));
  assert.equal(records.length, 2);
  for (const record of records) {
    assert.match(record.request_body, /\[EMAIL_1\]/);
    // A stream is recorded event by event, as the provider sent it: its text joined.
    const answer = record.response_body.includes("chat.completion.chunk")
      ? record.response_body.split("\n").map((l) => JSON.parse(l).choices[0]?.delta?.content ?? "").join("")
      : JSON.parse(record.response_body).choices[0].message.content;
    assert.equal(answer, ANSWER);
    assert.doesNotMatch(JSON.stringify(record), /ann@example\.com|555 0132|EMP-123456/);
  }
});
