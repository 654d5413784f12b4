// The Anthropic Messages API as an ingress dialect (POST /v1/messages and
// /v1/messages/count_tokens, for the Claude SDKs and Claude Code): the request is
// translated to OpenAI's chat form when its body is read, so every stage and provider
// sees the Exchange they always see; the answer is translated back at the client's edge,
// after the stages (AnthropicSink), whole or event by event, errors included. No Beast.
#pragma once

#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "gateway/core/config.h"
#include "gateway/core/exchange.h"
#include "gateway/core/response.h"

namespace tollgate::routing::providers::anthropic {
class MessagesStream;
}

namespace tollgate::gateway::ingress {

// The paths (no query) whose clients speak Anthropic's Messages API and read its errors:
// /v1/messages and /v1/messages/count_tokens. The one list: the path matcher routes by it,
// and the session shapes what it refuses before the handler (a body over the limit) by it.
bool is_messages_path(std::string_view path);

// The body (decoded, not yet parsed) in Anthropic's form → exchange.body in OpenAI's,
// the client's own kept in exchange.ingress_body, what only Anthropic takes in
// exchange.ingress_extras (the router keeps such a request to anthropic targets). A refusal
// (bad JSON, a malformed field) is answered as a 400 naming the field.
std::optional<core::Response> accept_anthropic_request(core::Exchange& exchange);

// Whether `model` is served by an anthropic provider first, which then gets the client's
// own body (count_tokens included) rather than a translation.
bool served_by_anthropic(const core::Config& config, const core::ModelConfig& model);

// count_tokens answered by the gateway: {"input_tokens": N}, the prompt estimate.
core::Response count_tokens_answer(const core::Exchange& exchange);

// The client's side of an Anthropic request: OpenAI-shaped answers in, Anthropic's out.
class AnthropicSink final : public core::ResponseSink {
 public:
  AnthropicSink(core::ResponseSink& client, core::Exchange& exchange);
  ~AnthropicSink() override;

  boost::asio::awaitable<void> send(core::Response& response) override;
  boost::asio::awaitable<void> begin_stream(int status, const core::Headers& headers) override;
  boost::asio::awaitable<void> send_chunk(core::Chunk& chunk) override;
  boost::asio::awaitable<void> end_stream() override;
  bool committed() const override { return client_.committed(); }

 private:
  boost::asio::awaitable<void> flush();
  bool reads_kept() const;

  core::ResponseSink& client_;
  core::Exchange& exchange_;
  std::unique_ptr<routing::providers::anthropic::MessagesStream> stream_;  // while streaming
  std::vector<core::Chunk> out_;
};

}  // namespace tollgate::gateway::ingress
