// Loaded into Portkey's gateway with `node --import` by bench.mjs. On Node 20, fetch()
// answers carry immutable headers, and Portkey 1.15 appends its x-portkey-* headers to
// the provider's streamed answer, failing every stream with "TypeError: immutable"
// (Portkey-AI/gateway#1550, fixed upstream the same way in #1551). Re-wrapping each
// answer in a Response with mutable headers is what that fix does; it copies no body.
const originalFetch = globalThis.fetch;
globalThis.fetch = async (...args) => {
  const answer = await originalFetch(...args);
  return new Response(answer.body, {
    status: answer.status,
    statusText: answer.statusText,
    headers: new Headers(answer.headers),
  });
};
