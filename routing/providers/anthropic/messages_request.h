// Anthropic Messages API request (what the Claude SDKs and Claude Code send to
// POST /v1/messages) → an OpenAI chat completions request, the form every stage and
// provider reads: the reverse of anthropic_request.h. Every field is translated, ignored
// as a pure hint (documented in docs/ingress.md), kept aside for an Anthropic target
// (server tools, thinking blocks, mcp_servers, ...: `extras`), or refused with a 400
// naming it.
// Pure: unit-tested in tests/unit/routing/messages_request_test.cpp.
#pragma once

#include <string>
#include <string_view>

namespace tollgate::routing::providers::anthropic {

struct IngressRequest {
  bool ok = false;
  std::string body;  // the chat completions request JSON
  bool stream = false;
  // When !ok: the Anthropic field at fault ("messages[1].content[0]") and why.
  std::string param;
  std::string message;
  // What the chat request has no place for, kept for an anthropic target (JSON, empty when
  // nothing): {"fields": {top-level fields}, "tools": [{"at": i, "tool": {...}}], "blocks":
  // [{"role", "turn": k-th turn of that role, "at": block index, "block": {...}}], "marks":
  // [{"in": a role, "system" or "tools", "turn", "at", "cache_control" or "citations"}]}.
  // Thinking
  // blocks, `thinking` and `cache_control` are kept; every other piece also names the first
  // field (`only_param`, `only_message`) that a non-Anthropic model cannot take.
  std::string extras;
  std::string only_param;
  std::string only_message;
};

// `count_tokens`: the body of POST /v1/messages/count_tokens (no max_tokens, no stream).
IngressRequest translate_messages_request(std::string_view anthropic_body, bool count_tokens);

}  // namespace tollgate::routing::providers::anthropic
