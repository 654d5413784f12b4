// Regenerates tests/openapi/openai-schemas.json: the schemas the tests validate against,
// copied verbatim (with every schema they reference) from OpenAI's official OpenAPI spec,
// github.com/openai/openai-openapi (MIT licence, see LICENSE-openai-openapi).
// CI cannot reach GitHub, so the subset is committed; run this to refresh it:
//   node tests/openapi/extract.mjs PATH/TO/openapi.json COMMIT
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

// Every body the gateway makes itself has one of these shapes.
export const ROOTS = [
  "ErrorResponse",
  "CreateChatCompletionResponse",
  "CreateChatCompletionStreamResponse",
  "CreateCompletionResponse",
  "CreateEmbeddingResponse",
  "ListModelsResponse",
  "Model",
  "Response",
  "ResponseStreamEvent",
];

const [specFile, commit] = process.argv.slice(2);
if (!specFile || !commit) {
  console.error("usage: node tests/openapi/extract.mjs openapi.json COMMIT");
  process.exit(2);
}
const spec = JSON.parse(readFileSync(specFile, "utf8"));
const all = spec.components.schemas;
const picked = {};
const pending = [...ROOTS];
for (let guard = 0; pending.length > 0 && guard < 100000; guard++) {
  const name = pending.pop();
  if (picked[name]) continue;
  if (!all[name]) throw new Error(`schema ${name} is not in the spec`);
  picked[name] = all[name];
  const text = JSON.stringify(all[name]);
  for (const m of text.matchAll(/"#\/components\/schemas\/([^"]+)"/g)) pending.push(m[1]);
}
const sorted = Object.fromEntries(Object.keys(picked).sort().map((k) => [k, picked[k]]));
const out = {
  source: "https://github.com/openai/openai-openapi",
  commit,
  openapi: spec.openapi,
  info_version: spec.info?.version,
  roots: ROOTS,
  components: { schemas: sorted },
};
const dest = path.join(path.dirname(fileURLToPath(import.meta.url)), "openai-schemas.json");
writeFileSync(dest, JSON.stringify(out, null, 1) + "\n");
console.log(`wrote ${Object.keys(sorted).length} schemas to ${dest}`);
