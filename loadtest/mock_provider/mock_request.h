// What the mock provider reads from a request: the OpenAI fields it echoes and the
// x-mock-* headers that steer its behaviour (latency, errors, hangs, drops, gzip...).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tollgate::mock {

struct Steering {
  int latency_ms = 0;
  int chunks = 5;
  int chunk_delay_ms = 0;
  int status = 0;  // 0: answer normally
  bool hang = false;
  int drop_after_chunks = -1;  // -1: never
  bool gzip = false;           // x-mock-gzip and the client accepts gzip
  int completion_tokens = 8;
  std::size_t body_bytes = 0;  // pad the content to about this size
  std::string answer;          // x-mock-answer: the completion text itself, when set
  // x-mock-tool-call: "NAME {json arguments}": the answer is that one tool call
  // (finish_reason tool_calls), whole or streamed in pieces.
  std::string tool_call;
};

struct RequestFacts {
  bool valid_json = false;
  std::string model;
  bool stream = false;
  bool include_usage = false;
  std::int64_t prompt_tokens = 0;  // words in every string of messages/prompt/input
  std::size_t inputs = 1;          // embeddings: how many inputs
  std::size_t dimensions = 64;
  bool base64 = false;
  // embeddings: the string inputs (the first 64, each cut at 64 KiB), for their vectors.
  std::vector<std::string> texts;
};

RequestFacts read_request_body(std::string& body);

// Words separated by spaces, tabs and line ends: the mock's token count, in every dialect.
std::int64_t count_words(std::string_view s);

}  // namespace tollgate::mock
