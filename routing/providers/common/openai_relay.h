// The relay every OpenAI-shaped dialect shares (OpenAI itself, Azure OpenAI): send the
// prepared upstream request, pass the answer through whole or event by event, read usage
// on the way, and classify a failed answer once.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>

#include "gateway/core/provider.h"

namespace tollgate::routing::providers {

struct OpenAiRelayOptions {
  // Drop the usage-only chunk: the gateway asked for it on its own account.
  bool hide_usage_chunk = false;
  // An answer that arrives with finish_reason "content_filter" still reaches the client,
  // and the outcome reports the content_filter class (Azure OpenAI's filtered completions).
  bool report_content_filter = false;
};

// One attempt: `request` is ready to send (target, credentials, body). `outcome` starts
// empty and says how it went.
boost::asio::awaitable<void> relay_openai_call(
    core::Exchange& exchange, const core::ProviderConfig& provider, core::UpstreamRequest& request,
    const OpenAiRelayOptions& options, core::CallContext& context, core::CallOutcome& outcome);

// Maps a provider's non-2xx status and body to a failure class (OpenAI-shaped errors).
core::FailureClass classify_openai_error(int status, std::string_view body);

// The provider's error answer, in OpenAI's shape: as it came when it already is, else
// rebuilt with the same status (an HTML page from a proxy must not reach clients).
core::Response openai_client_facing_error(const core::UpstreamResponse& upstream);

// True when `json` (a body or one chunk) names finish_reason "content_filter".
bool has_content_filter_finish(std::string_view json);

}  // namespace tollgate::routing::providers
