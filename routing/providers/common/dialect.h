// A provider's dialect, as pure translation: build the upstream request (or refuse it),
// map a whole answer, translate a stream event by event, map an error answer. No I/O:
// the one attempt driver (attempt_driver.h) sends, relays, ends streams and fills the
// CallOutcome, so every dialect gets the committed checks and stream endings right once.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gateway/core/config.h"
#include "gateway/core/exchange.h"
#include "gateway/core/failure.h"
#include "gateway/core/response.h"
#include "gateway/core/upstream.h"

namespace tollgate::routing::providers {

// An attempt that failed as a dialect sees it: the class the router acts on, a detail for
// logs (never a secret), and the OpenAI-shaped answer a client gets if no retry or
// fallback helps (none: the router's answer for the class).
struct DialectFailure {
  core::FailureClass failure = core::FailureClass::server_error;
  std::string detail;
  std::optional<core::Response> response;
};

// A non-2xx answer through a translating dialect's error mapper: `map_error(status, body,
// retry_after)` gives the failure class and the OpenAI-shaped response.
template <typename MapError>
DialectFailure upstream_failure(MapError map_error, const core::UpstreamResponse& upstream) {
  auto mapped = map_error(upstream.status, upstream.body, upstream.headers.get("retry-after"));
  return DialectFailure{mapped.failure, "provider answered HTTP " + std::to_string(upstream.status),
                        std::move(mapped.response)};
}

// One attempt as the dialect's hooks see it. `build` fills the notes; the answer's hooks
// read them.
struct Attempt {
  core::Exchange& exchange;
  const core::TargetConfig& target;
  // The request asks the provider for usage in the stream whatever the client said
  // (billing is not the client's choice): the driver drops the usage-only chunk again
  // unless the client asked for it (stream_options.include_usage).
  bool usage_forced = false;
  // A 2xx answer that is not an event stream goes to the client as it arrives, bytes as
  // they are (audio from /v1/audio/speech), never held whole.
  bool relay_bytes = false;
  // The dialect's own note from build to its answer hooks (Gemini: base64 embeddings).
  unsigned note = 0;
};

// A 2xx answer that came whole, mapped. The driver sends `response` unless `failure` is
// set and not `failure_after_send`.
struct WholeAnswer {
  core::Response response;  // OpenAI's shape
  core::Usage usage;        // reported when the provider gave figures
  std::optional<DialectFailure> failure;
  // The client gets the answer and the attempt still reports `failure` (a completion the
  // provider filtered: content_filter).
  bool failure_after_send = false;

  // The provider filtered the answer: the client gets it, the attempt reports content_filter.
  void filtered(std::string detail) {
    failure = DialectFailure{core::FailureClass::content_filter, std::move(detail), std::nullopt};
    failure_after_send = true;
  }
};

// What a translator yields for one event: OpenAI chunks in order. Reused across events:
// the driver clears it, so the identity translator moves each event through without an
// allocation.
class StreamOut {
 public:
  void push(core::Chunk&& chunk) { chunks_.push_back(std::move(chunk)); }
  void push(std::string data) { chunks_.push_back(core::Chunk{{}, std::move(data)}); }
  // A chunk with usage and no choices (OpenAI's extra usage chunk).
  void push_usage_only(core::Chunk&& chunk) {
    usage_only_ = chunks_.size();
    chunks_.push_back(std::move(chunk));
  }
  std::vector<core::Chunk>& chunks() { return chunks_; }
  bool is_usage_only(std::size_t index) const { return index == usage_only_; }
  void clear() {
    chunks_.clear();
    usage_only_ = kNone;
  }

 private:
  static constexpr std::size_t kNone = static_cast<std::size_t>(-1);
  std::vector<core::Chunk> chunks_;
  std::size_t usage_only_ = kNone;
};

// Translates one streamed 2xx answer. Made per stream; the driver reads `state` after
// each call.
class StreamTranslator {
 public:
  struct State {
    core::Usage usage;      // reported once the provider gave figures
    bool finished = false;  // the answer ended well: the driver ends the client stream
    // An error the provider sent as an event (or a prompt it refused before any output):
    // nothing more is translated. When no chunk has reached the client, the attempt fails
    // with it (a status, a fallback); else the client gets its response's body as the
    // last event, then [DONE]. On the heap: every stream holds its State for minutes, and
    // a failure with its response is most of the size of one.
    std::unique_ptr<DialectFailure> error;
    // Non-empty: the provider filtered the answer; the attempt reports content_filter
    // (with this detail) once the stream ended.
    std::string filtered;
  };

  virtual ~StreamTranslator() = default;
  // One upstream event (name and data; may be moved from) → zero or more OpenAI chunks.
  virtual void on_event(core::Chunk& event, StreamOut& out) = 0;
  // The upstream body ended before `finished`: the tail chunks (finish, usage, [DONE]),
  // or a failure when the answer was cut short (then nothing is appended).
  virtual std::optional<DialectFailure> on_end(StreamOut& out) = 0;
  const State& state() const { return state_; }

 protected:
  State state_;
};

class Dialect {
 public:
  virtual ~Dialect() = default;

  // The provider this dialect speaks to (endpoint, credentials, timeouts).
  virtual const core::ProviderConfig& config() const = 0;

  // Fills `request`'s target, headers, body and `stream` for `attempt` (the driver sets
  // the timeout and abort signal), or refuses the request with a client error naming
  // what cannot be expressed.
  virtual std::optional<DialectFailure> build(Attempt& attempt,
                                              core::UpstreamRequest& request) const = 0;

  // A 2xx answer that came whole.
  virtual void map_answer(Attempt& attempt, core::UpstreamResponse& upstream,
                          WholeAnswer& out) const = 0;

  // A translator for a 2xx event stream.
  virtual std::unique_ptr<StreamTranslator> stream_translator(const Attempt& attempt) const = 0;

  // A non-2xx answer: its failure class and the client-facing error (status kept).
  virtual DialectFailure map_error(const core::UpstreamResponse& upstream) const = 0;

  // OpenAI's own dialects relay a stream as it comes: the client's stream begins at the
  // upstream head (with its status), and a whole 2xx answer to a stream request is passed
  // on whole. Translated dialects begin the client's stream at the first translated chunk
  // (so an error event right after the head can still get an error status and a
  // fallback), and a whole answer to a stream request is a broken answer.
  virtual bool relays_openai_streams() const { return false; }
};

}  // namespace tollgate::routing::providers
