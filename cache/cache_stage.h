// The `cache` stage (position 600, after limits: a hit is admitted and counted as a
// request, and settles no tokens): answers a request from the store when the same (or,
// with `semantic`, a similar) request was answered before in the caller's scope, and
// stores 2xx answers that came whole: plain bodies, or a stream's events as they passed.
#pragma once

#include <memory>

#include "cache/cache_config.h"
#include "cache/model_embedder.h"
#include "cache/store.h"
#include "gateway/core/stage.h"

namespace tollgate::cache {

class CacheStage final : public core::Stage {
 public:
  CacheStage(CacheSettings settings, Store& store);

  std::string_view name() const override { return "cache"; }
  unsigned hooks() const override {
    return core::kRequest | core::kResponseHead | core::kResponse | core::kChunk | core::kComplete;
  }
  boost::asio::awaitable<core::Decision> on_request(core::Exchange& exchange) override;
  void on_response_head(core::Exchange& exchange, core::ResponseHead& head) override;
  void on_response(core::Exchange& exchange, core::Response& response) override;
  void on_chunk(core::Exchange& exchange, core::Events& events) override;
  void on_complete(core::Exchange& exchange) override;

 private:
  struct RequestCache;
  boost::asio::awaitable<bool> look_up(core::Exchange& exchange, RequestCache& state,
                                       core::Decision& decision);
  // The last user message's vector into state.vector; false (no vector, and no context:
  // nothing semantic is looked up or stored) when the embedder gave none.
  boost::asio::awaitable<bool> embed(core::Exchange& exchange, RequestCache& state);
  // Stores `answer` (its token counts filled in): at once in memory, else off the path.
  void store(core::Exchange& exchange, RequestCache& state, CachedAnswer answer);
  // False when the entry cannot be given (then it is a miss).
  bool answer_hit(core::Exchange& exchange, RequestCache& state, const CachedAnswer& answer,
                  std::optional<float> similarity, core::Decision& decision) const;

  CacheSettings settings_;
  Store& store_;
  std::unique_ptr<ModelEmbedder> model_embedder_;  // null: the builtin
};

}  // namespace tollgate::cache
