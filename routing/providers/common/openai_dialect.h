// What every OpenAI-shaped dialect shares (OpenAI itself, Azure OpenAI): answers and
// events pass through as they came (an identity translator that only reads usage), and a
// failed answer is classified once.
#pragma once

#include <memory>
#include <string_view>

#include "gateway/core/provider.h"
#include "routing/providers/common/dialect.h"

namespace tollgate::routing::providers {

// The answer hooks of an OpenAI-shaped dialect; a subclass builds the request.
class OpenAiShapedDialect : public Dialect {
 public:
  explicit OpenAiShapedDialect(const core::ProviderConfig& config) : config_(config) {}
  const core::ProviderConfig& config() const override { return config_; }
  void map_answer(Attempt& attempt, core::UpstreamResponse& upstream,
                  WholeAnswer& out) const override;
  std::unique_ptr<StreamTranslator> stream_translator(const Attempt& attempt) const override;
  DialectFailure map_error(const core::UpstreamResponse& upstream) const override;
  bool relays_openai_streams() const override { return true; }

 protected:
  // An answer that arrives with finish_reason "content_filter" still reaches the client,
  // and the attempt reports the content_filter class (Azure OpenAI's filtered completions).
  virtual bool reports_content_filter() const { return false; }

  // The client's body with the target's model spliced in and, for a stream that bills
  // tokens, usage asked for whatever the client's stream_options say (noted in
  // `attempt.usage_forced`); sets the request's method, content-type and stream flag.
  static void add_openai_body(Attempt& attempt, core::UpstreamRequest& request);

  const core::ProviderConfig& config_;
};

// Maps a provider's non-2xx status and body to a failure class (OpenAI-shaped errors).
core::FailureClass classify_openai_error(int status, std::string_view body);

// The provider's error answer, in OpenAI's shape: as it came when it already is, else
// rebuilt with the same status (an HTML page from a proxy must not reach clients).
core::Response openai_client_facing_error(const core::UpstreamResponse& upstream);

// True when `json` (a body or one chunk) names finish_reason "content_filter".
bool has_content_filter_finish(std::string_view json);

}  // namespace tollgate::routing::providers
