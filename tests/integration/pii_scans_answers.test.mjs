// What a model writes is scanned too (`direction: both`, the default): a value the model
// made up or echoed comes out masked, whole and streamed (cut into pieces at odd bytes),
// while the client's own values still come back through their placeholders; a card with
// `block` ends the answer with finish_reason "content_filter" before the number. Overrides
// give one team its own actions; `direction: request` leaves the model's own values alone.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import path from "node:path";
import OpenAI from "openai";
import { basicConfig, lastUpstreamRequest, metricsWhen, startGateway, startMock, stopAll, tempDir } from "./lib/harness.mjs";
import { validate } from "./lib/openapi.mjs";

const PII = `keys:
  - {id: app, key: tg-pii-app-000000001, team: product}
  - {id: legal, key: tg-pii-legal-0000001, team: legal}
pii:
  entities: {email: pseudonymize, phone: mask, card: block, secret: redact}
  overrides:
    - {match: {team: legal}, entities: {email: detect, phone: detect}}
`;
const PROMPT = "Please reply to ann@example.com.";
const ANSWER = "Done. I wrote to [EMAIL_1] and cc'd bob@example.org; call +44 20 7946 0958, key sk-proj-4fG7hJ2kL9mN3pQ8rS5tV1wX ok.";
const CLIENT_SEES = "Done. I wrote to ann@example.com and cc'd [EMAIL]; call [PHONE], key  ok.";

let mock, gw;
const client = (key, base = gw.base) =>
  new OpenAI({ baseURL: `${base}/v1`, apiKey: key, maxRetries: 0, timeout: 20000 });

before(async () => {
  mock = await startMock();
  gw = await startGateway(basicConfig({ mockUrl: mock.url }) + PII);
});
after(stopAll);

async function streamed(c, answer, chunks) {
  const stream = await c.chat.completions.create(
    { model: "gpt-test", stream: true, messages: [{ role: "user", content: PROMPT }] },
    { headers: { "x-mock-answer": answer, "x-mock-chunks": String(chunks) } },
  );
  let text = "";
  let finish = null;
  for await (const chunk of stream) {
    validate("CreateChatCompletionStreamResponse", chunk);
    text += chunk.choices[0]?.delta?.content ?? "";
    finish = chunk.choices[0]?.finish_reason ?? finish;
  }
  return { text, finish };
}

test("the model's own values are masked; the client's come back (whole answer)", async () => {
  const answer = await client("tg-pii-app-000000001").chat.completions.create(
    { model: "gpt-test", messages: [{ role: "user", content: PROMPT }] },
    { headers: { "x-mock-answer": ANSWER } },
  );
  validate("CreateChatCompletionResponse", answer);
  assert.equal(answer.choices[0].message.content, CLIENT_SEES);
});

for (const chunks of [3, 9, 31]) {
  test(`streamed in ${chunks} pieces, each value is masked whole`, async () => {
    const { text, finish } = await streamed(client("tg-pii-app-000000001"), ANSWER, chunks);
    assert.equal(text, CLIENT_SEES);
    assert.equal(finish, "stop");
  });
}

test("a card the model writes ends the answer with content_filter, before the number", async () => {
  const answer = "Your card is 4111 1111 1111 1111 and it expires soon. More text follows here.";
  const whole = await client("tg-pii-app-000000001").chat.completions.create(
    { model: "gpt-test", messages: [{ role: "user", content: PROMPT }] },
    { headers: { "x-mock-answer": answer } },
  );
  validate("CreateChatCompletionResponse", whole);
  assert.equal(whole.choices[0].message.content, "Your card is ");
  assert.equal(whole.choices[0].finish_reason, "content_filter");
  for (const chunks of [4, 17]) {
    const { text, finish } = await streamed(client("tg-pii-app-000000001"), answer, chunks);
    assert.equal(text, "Your card is ");
    assert.equal(finish, "content_filter");
  }
});

test("an override: the legal team's emails and phones are detected, not changed", async () => {
  const answer = await client("tg-pii-legal-0000001").chat.completions.create(
    { model: "gpt-test", messages: [{ role: "user", content: PROMPT }] },
    { headers: { "x-mock-answer": "Write to bob@example.org or +44 20 7946 0958." } },
  );
  assert.equal(answer.choices[0].message.content, "Write to bob@example.org or +44 20 7946 0958.");
  const sent = JSON.parse((await lastUpstreamRequest(mock)).body).messages[0].content;
  assert.equal(sent, PROMPT, "the provider got the email as written");
});

test("metrics count the answers' findings with direction=\"response\"", async () => {
  const r = await metricsWhen(gw, (text) => /direction="response",entity="phone"\} 1/.test(text));
  assert.match(r.body, /tollgate_pii_findings_total\{action="mask",direction="response",entity="email"\} [1-9]/);
  assert.match(r.body, /tollgate_pii_findings_total\{action="block",direction="response",entity="card"\} [1-9]/);
  assert.match(r.body, /tollgate_pii_findings_total\{action="detect",direction="response",entity="phone"\} 1/);
  for (const text of [r.body, gw.proc.stdout, gw.proc.stderr]) {
    assert.doesNotMatch(text, /bob@example\.org|7946 0958|4111 1111|sk-proj-4fG7/);
  }
});

test("direction: request puts values back but leaves the model's own as written", async () => {
  const only = await startGateway(basicConfig({ mockUrl: mock.url }) +
    "pii:\n  direction: request\n  entities: {email: pseudonymize, phone: mask}\n");
  const answer = await client("tg-any-key", only.base).chat.completions.create(
    { model: "gpt-test", messages: [{ role: "user", content: PROMPT }] },
    { headers: { "x-mock-answer": "Wrote to [EMAIL_1] and bob@example.org." } },
  );
  assert.equal(answer.choices[0].message.content, "Wrote to ann@example.com and bob@example.org.");
});

test("a placeholder the client wrote itself is never one of its values", async () => {
  const answer = await client("tg-pii-app-000000001").chat.completions.create(
    { model: "gpt-test", messages: [{ role: "user", content: "Fill [EMAIL_1] with ann@example.com" }] },
    { headers: { "x-mock-answer": "Filled [EMAIL_1] with [EMAIL_2]." } },
  );
  const sent = JSON.parse((await lastUpstreamRequest(mock)).body).messages[0].content;
  assert.equal(sent, "Fill [EMAIL_1] with [EMAIL_2]");
  assert.equal(answer.choices[0].message.content, "Filled [EMAIL_1] with ann@example.com.");
});

test("custom terms and patterns are found in answers next to escaped characters", async () => {
  // The stage looks for findings in the answer's bytes, escapes decoded, before it parses
  // the answer: a term right after a tab (\t in the JSON) or a quote (\") is still a whole
  // word there, and an anchored pattern makes it read each text on its own.
  const dir = tempDir();
  writeFileSync(path.join(dir, "codenames.txt"), "Blue Falcon\n");
  const custom = await startGateway(basicConfig({ mockUrl: mock.url }) + `pii:
  entities: {email: mask}
  custom:
    - {name: codename, words_file: ${path.join(dir, "codenames.txt")}, action: mask}
    - {name: employee_id, pattern: "\\\\bEMP-[0-9]{6}\\\\b", action: mask}
    - {name: ticket, pattern: "^TCK-[0-9]{4}", action: mask}
`);
  const ask = (answer) =>
    client("tg-any-key", custom.base).chat.completions.create(
      { model: "gpt-test", messages: [{ role: "user", content: "status?" }] },
      { headers: { "x-mock-answer": answer } },
    );
  const cases = [
    ["ok\tBlue Falcon flies", "ok\t[CODENAME] flies"],
    ['said "blue falcon" twice', 'said "[CODENAME]" twice'],
    ['id "EMP-123456" and path C:\\EMP-654321', 'id "[EMPLOYEE_ID]" and path C:\\[EMPLOYEE_ID]'],
    ["TCK-1234 is open", "[TICKET] is open"],
    ["nothing to see\there", "nothing to see\there"],
  ];
  for (const [answer, expected] of cases) {
    assert.equal((await ask(answer)).choices[0].message.content, expected, answer);
  }
});
