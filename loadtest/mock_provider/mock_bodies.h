// The mock provider's answers, in OpenAI's shapes. Pure string builders, kept apart
// from the server so their shapes can be read (and checked) in one place.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/errors.h"
#include "loadtest/mock_provider/mock_request.h"

namespace tollgate::mock {

// The generated completion text: `tokens` words, padded to about `bytes` when set.
std::string completion_text(int tokens, std::size_t bytes);

std::string chat_completion(const RequestFacts& r, std::string_view id, std::string_view text,
                            int completion_tokens);
std::string text_completion(const RequestFacts& r, std::string_view id, std::string_view text,
                            int completion_tokens);
// One stream event's JSON: a chat delta (or completion text) piece.
std::string chat_chunk(const RequestFacts& r, std::string_view id, std::string_view piece,
                       bool first, bool last);
std::string completion_chunk(const RequestFacts& r, std::string_view id, std::string_view piece,
                             bool last);
std::string usage_chunk(const RequestFacts& r, std::string_view id, bool chat,
                        int completion_tokens);
// A tool call as an answer (x-mock-tool-call "NAME ARGUMENTS"): whole, and as stream
// chunks (the call's head, its arguments in two pieces, the finish).
std::string tool_call_completion(const RequestFacts& r, std::string_view id, std::string_view call,
                                 int completion_tokens);
std::vector<std::string> tool_call_chunks(const RequestFacts& r, std::string_view id,
                                          std::string_view call);
std::string embeddings(const RequestFacts& r);
std::string model_list();
// OpenAI's error shape for a status. Named apart from core::error_body: the mock imitates
// providers and is no part of the product, whose client errors are built in gateway/core.
std::string mock_error_body(int status);
std::string echo(std::string_view path, const RequestFacts& r, std::string_view body);

using core::append_json_string;

}  // namespace tollgate::mock
