// What an Anthropic client's request holds that OpenAI's chat form has no place for
// (exchange.ingress_extras, kept by messages_request.h: server tools, thinking blocks in
// history, `thinking` with its budget, mcp_servers, container, ...), put back into the
// Messages request that a stage's changed chat request translates to, so that an anthropic
// target gets them whatever the stages did. Pure: unit-tested in
// tests/unit/routing/messages_extras_test.cpp.
#pragma once

#include <string>
#include <string_view>

namespace tollgate::routing::providers::anthropic {

// The chat request without what the extras say better: `reasoning_effort` when they hold
// the client's own `thinking` (OpenAI's form has only a coarse effort for it). Unchanged
// when there is nothing to drop.
std::string without_translated_extras(std::string_view openai_body, std::string_view extras);

// `messages_body` (translated from the chat request) with the extras back in place:
// top-level fields as the client sent them, server tools at their index among the tools,
// blocks at their index in the k-th turn of their role, `cache_control` marks back on the
// blocks, system blocks and tools they were on. Unchanged when either is not
// JSON of the expected shape; a block whose turn is gone is left out.
std::string restore_extras(std::string_view messages_body, std::string_view extras);

}  // namespace tollgate::routing::providers::anthropic
