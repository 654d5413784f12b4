// What the cache tests share: a config with keys in two teams and a `cache:` section,
// requests with the caller's key and headers, and the mock's call count.
import { basicConfig, curl, json } from "./harness.mjs";

export const ADMIN_KEY = "admin-key-for-cache-tests-0123";
// Three keys: a and c in team red, b in team blue.
export const KEYS = { a: "tg-cache-key-aaaa", b: "tg-cache-key-bbbb", c: "tg-cache-key-cccc" };

export function cacheConfig(mock, cache, { state = "", extra = "" } = {}) {
  return (
    basicConfig({ mockUrl: mock.url, server: `  admin_key: ${ADMIN_KEY}\n` }) +
    `
keys:
  - {id: key-a, key: ${KEYS.a}, user: ann, team: red}
  - {id: key-b, key: ${KEYS.b}, user: bob, team: blue}
  - {id: key-c, key: ${KEYS.c}, user: cat, team: red}
pricing:
  mock-model-1: {input: 1000, output: 2000}
${state}
${extra}
cache:
${cache}
`
  );
}

// POST /v1/chat/completions with curl: {status, headers, body}.
export function chat(gw, key, body, headers = []) {
  const args = [`${gw.base}/v1/chat/completions`, "-H", `authorization: Bearer ${key}`, "-H", "content-type: application/json"];
  for (const h of headers) args.push("-H", h);
  args.push("--data-binary", typeof body === "string" ? body : JSON.stringify(body));
  return curl(args);
}

export function ask(content, extra = {}) {
  return { model: "gpt-test", messages: [{ role: "user", content }], ...extra };
}

export async function mockCalls(mock) {
  const r = await fetch(`http://127.0.0.1:${mock.port}/mock/calls`);
  return (await r.json()).calls;
}

export function admin(gw, method, path) {
  return curl(["-X", method, `http://127.0.0.1:${gw.adminPort}${path}`, "-H", `authorization: Bearer ${ADMIN_KEY}`]);
}

export function answerText(r) {
  return json(r.body).choices[0].message.content;
}
