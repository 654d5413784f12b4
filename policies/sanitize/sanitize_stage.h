// The `sanitize` stage (docs/sanitize.md): before a prompt reaches a provider, holds it to
// the message, size and token limits, strips invisible characters and applies NFKC in
// every text a model reads (rewriting the body by splicing), refuses what a deny pattern
// matches, and scores it for prompt injection: flagged (x-tollgate-flags: injection and
// the audit line) or refused, as configured.
#pragma once

#include <utility>

#include "gateway/core/stage.h"
#include "policies/sanitize/sanitize_config.h"

namespace tollgate::policies::sanitize {

class SanitizeStage final : public core::Stage {
 public:
  explicit SanitizeStage(SanitizeSettings settings) : settings_(std::move(settings)) {}

  std::string_view name() const override { return "sanitize"; }
  unsigned hooks() const override { return core::kRequest; }
  boost::asio::awaitable<core::Decision> on_request(core::Exchange& exchange) override;

  // The whole check, as a plain call (testable without a coroutine, and nothing it
  // builds lands on the request's coroutine frame): true when `answer` is to be sent.
  bool inspect(core::Exchange& exchange, core::Response& answer) const;

 private:
  // A copy per snapshot: the compiled pattern sets inside are shared, not copied.
  SanitizeSettings settings_;
};

}  // namespace tollgate::policies::sanitize
