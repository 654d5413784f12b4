// The `semantic.embedder: {model: NAME}` embedder: a prompt's vector from an embeddings
// model of this config, asked for through the request's own router (core::Subrequests:
// the model's keys, retries, breakers and fallbacks apply), within `timeout`. Anything but
// a good answer in time is a miss, never an error for the client. The call is the
// gateway's own cost: it runs through no stage, so no caller's quota or budget pays it; it
// is counted in tollgate_cache_embedding_requests_total and _tokens_total.
#pragma once

#include <atomic>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include <boost/asio/awaitable.hpp>

#include "cache/embedder.h"
#include "gateway/core/config.h"
#include "gateway/core/exchange.h"

namespace tollgate::cache {

// Prompts longer than this are not embedded (a miss, and no semantic entry): an
// embeddings model reads a bounded input, and a prompt cut to fit would match another
// with the same beginning.
inline constexpr std::size_t kMaxEmbeddedText = 32 * 1024;
// An embeddings answer larger than this is refused unread (8192 numbers fit in ~200 KB).
inline constexpr std::size_t kMaxEmbeddingAnswer = 1024 * 1024;

class ModelEmbedder {
 public:
  ModelEmbedder(std::string model, core::Duration timeout)
      : model_(std::move(model)), timeout_(timeout) {}

  // The unit vector of `text` into `out`, and in `served` the target that made it
  // ("provider/model": vectors of different models are never compared). False on any
  // failure, a timeout, the client hanging up, a malformed answer, or a dimension other
  // than the first answer of that target's. Records what happened in
  // exchange.cache_embedding (and the tokens in cache_embedding_tokens).
  boost::asio::awaitable<bool> embed(core::Exchange& exchange, std::string_view text,
                                     Embedding& out, std::string& served);

  const std::string& model() const { return model_; }

 private:
  // False when `dims` differs from the first vector `served` gave.
  bool fixes_dims(const std::string& served, std::size_t dims);

  std::string model_;
  core::Duration timeout_;
  std::mutex mutex_;  // the stage is shared by every thread
  std::unordered_map<std::string, std::size_t> dims_;
  std::atomic<bool> warned_{false};
};

// The body the embedder sends for `text`.
std::string embedding_request(const std::string& model, std::string_view text);
// Reads data[0].embedding of an OpenAI embeddings answer (floats) into `out`, normalised.
// False for anything else: not JSON, no such array, a value that is not a finite number,
// more than kMaxDims values or none, all zeros, a body past kMaxEmbeddingAnswer.
bool read_embedding_answer(std::string_view body, Embedding& out);

}  // namespace tollgate::cache
