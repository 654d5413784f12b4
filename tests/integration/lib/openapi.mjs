// Validates bodies the gateway makes itself against OpenAI's official OpenAPI schemas
// (github.com/openai/openai-openapi). The schemas the tests need are committed verbatim in
// tests/openapi/openai-schemas.json (made by tests/openapi/extract.mjs, which records the
// spec's commit). $OPENAI_OPENAPI_SPEC or ../shared/openai-openapi/openapi.{json,yaml}
// override it with a whole, newer spec.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import Ajv2020 from "ajv/dist/2020.js";
import YAML from "yaml";

const root = process.env.TOLLGATE_SOURCE_DIR ?? process.cwd();

function loadSpec() {
  const candidates = [];
  if (process.env.OPENAI_OPENAPI_SPEC) candidates.push(process.env.OPENAI_OPENAPI_SPEC);
  for (const name of ["openapi.json", "openapi.yaml"]) {
    candidates.push(path.join(root, "..", "shared", "openai-openapi", name));
  }
  for (const file of candidates) {
    if (existsSync(file)) {
      const text = readFileSync(file, "utf8");
      return { source: file, spec: file.endsWith(".json") ? JSON.parse(text) : YAML.parse(text) };
    }
  }
  const subset = path.join(root, "tests", "openapi", "openai-schemas.json");
  const spec = JSON.parse(readFileSync(subset, "utf8"));
  return { source: `${subset} (official spec at ${spec.commit.slice(0, 12)})`, spec };
}

// A few schemas still carry OpenAPI 3.0's `nullable`; express it in 3.1 terms.
function normalize(node) {
  if (Array.isArray(node)) return node.map(normalize);
  if (!node || typeof node !== "object") return node;
  const out = {};
  for (const [key, value] of Object.entries(node)) {
    if (key !== "nullable") out[key] = normalize(value);
  }
  if (node.nullable === true) {
    if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
    if (typeof out.type === "string") return { ...out, type: [out.type, "null"] };
    if (Array.isArray(out.type)) return out.type.includes("null") ? out : { ...out, type: [...out.type, "null"] };
    return { anyOf: [out, { type: "null" }] };
  }
  return out;
}

let state;
function init() {
  if (state) return state;
  const { source, spec } = loadSpec();
  // OpenAPI 3.1 schemas are JSON Schema 2020-12; vendor keywords (x-*) and formats
  // like "unixtime" are not validation rules.
  const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
  ajv.addSchema({ $id: "openai-spec", components: { schemas: normalize(spec.components.schemas) } });
  state = { ajv, source, validators: new Map() };
  return state;
}

export function specSource() {
  return init().source;
}

// Throws with ajv's messages when `value` does not match components.schemas[name].
export function validate(name, value) {
  const { ajv, validators } = init();
  let check = validators.get(name);
  if (!check) {
    check = ajv.compile({ $ref: `openai-spec#/components/schemas/${name}` });
    validators.set(name, check);
  }
  if (!check(value)) {
    const details = ajv.errorsText(check.errors, { separator: "\n  " });
    throw new Error(`body does not match ${name} (${init().source}):\n  ${details}\n${JSON.stringify(value).slice(0, 500)}`);
  }
  return true;
}
