// One stored answer: a whole chat completion or the event sequence of a streamed one, as
// the provider gave it (the stages after the cache, pii, still restore what they masked),
// and how it is given again: with fresh ids and `created`, whole or as a stream, event by
// event, the usage chunk only when the client asked for it. A text answer (one choice,
// no tool calls, no blocks only an Anthropic client reads: core::kDialectMember) may be
// given in the other form: a plain request from a streamed entry and the reverse. What is given
// again is stored ready to give: without its `id`, `created` (and in events `usage`), which a hit
// writes in front, never parsing it again.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "gateway/core/response.h"
#include "gateway/core/stage.h"

namespace tollgate::cache {

struct CachedAnswer {
  bool streamed = false;
  std::string body;                 // the whole answer (not streamed), as stored (above)
  std::vector<std::string> events;  // each event's data (streamed) as stored, no usage-only chunk
  bool convertible = false;         // one choice, text only: may be given in the other form
  std::string model;                // the answer's "model" field
  std::string text;                 // the assembled content (convertible)
  std::string finish_reason;
  std::string served_by;  // x-tollgate-model / provider, when known
  std::int64_t prompt_tokens = 0;
  std::int64_t completion_tokens = 0;
  std::int64_t stored_at = 0;  // unix seconds

  std::size_t bytes() const;
  // Whether this answer can be given as a stream (or whole).
  bool serves(bool stream) const { return streamed == stream || convertible; }
};

// Reads a whole 2xx answer; nullopt when it must not be stored (n > 1, tool calls when
// they are not allowed, a finish other than stop or length, unreadable).
std::optional<CachedAnswer> answer_from_body(const std::string& body, bool allow_tools);
// Reads a stream's events (usage-only chunk and [DONE] already left out by the caller or
// not); nullopt as above, and for an error event.
std::optional<CachedAnswer> answer_from_events(const std::vector<std::string>& events,
                                               bool allow_tools);

// The answer again, with a fresh id and `created`.
core::Response render_whole(const CachedAnswer& answer);
core::StreamAnswer render_stream(const CachedAnswer& answer, bool include_usage);

// For the Redis store: one string each way (nullopt: not an entry of ours).
std::string serialize(const CachedAnswer& answer);
std::optional<CachedAnswer> deserialize(std::string_view data);

}  // namespace tollgate::cache
