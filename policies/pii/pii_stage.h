// The `pii` stage (docs/pii.md): finds personal data and secrets in every text a model
// reads (one Vectorscan pass per text), masks, redacts, hashes or pseudonymizes them before
// the provider sees the request, or refuses it (400 pii_blocked); and puts pseudonymized
// values back into the answer, whole or streamed. The per-request value map lives in the
// Exchange only: never in a log, a metric, the audit line or the cache.
#pragma once

#include "gateway/core/stage.h"
#include "policies/pii/answer_scan.h"
#include "policies/pii/pii_config.h"

namespace tollgate::policies::pii {

class PiiStage final : public core::Stage {
 public:
  explicit PiiStage(PiiSettings settings) : settings_(std::move(settings)) {}

  std::string_view name() const override { return "pii"; }
  // The answer hooks only when answers are scanned or get values back: otherwise every
  // event skips the chunk hooks' batch.
  unsigned hooks() const override {
    return core::kRequest | (settings_.edits_answers() ? core::kResponse | core::kChunk |
                                                             core::kStreamEnd | core::kComplete
                                                       : 0u);
  }
  boost::asio::awaitable<core::Decision> on_request(core::Exchange& exchange) override;
  void on_response(core::Exchange& exchange, core::Response& response) override;
  void on_chunk(core::Exchange& exchange, core::Events& events) override;
  void on_stream_end(core::Exchange& exchange, core::Events& events) override;
  void on_complete(core::Exchange& exchange) override;

 private:
  // Scans and rewrites the request; true with `answer` set when it is refused.
  bool protect(core::Exchange& exchange, core::Response& answer) const;
  // This request's answer scan, made on first use.
  AnswerScan* answer_scan(core::Exchange& exchange) const;
  bool might_hold_findings(std::string_view body) const;

  PiiSettings settings_;
};

}  // namespace tollgate::policies::pii
