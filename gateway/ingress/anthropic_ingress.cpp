#include "gateway/ingress/anthropic_ingress.h"

#include <functional>

#include "gateway/core/anthropic_errors.h"
#include "gateway/core/errors.h"
#include "routing/providers/anthropic/messages_answer.h"
#include "routing/providers/anthropic/messages_request.h"

namespace tollgate::gateway::ingress {

namespace anthropic = routing::providers::anthropic;

bool is_messages_path(std::string_view path) {
  return path == "/v1/messages" || path == "/v1/messages/count_tokens";
}

std::optional<core::Response> accept_anthropic_request(core::Exchange& exchange) {
  // The client's JSON is held to the same bounds as any (depth, duplicate keys) first.
  core::RequestJson original;
  core::ensure_json_padding(exchange.body);
  auto parsed =
      core::parse_request_json(exchange.body, original, exchange.config->server.max_json_depth);
  if (!parsed.ok) return core::error_response(core::ErrorKind::invalid_json, parsed.error);
  bool count_tokens = exchange.operation == core::Operation::count_tokens;
  anthropic::IngressRequest translated =
      anthropic::translate_messages_request(exchange.body, count_tokens);
  if (!translated.ok) {
    return core::error_response(core::ErrorKind::invalid_request, translated.message,
                                translated.param);
  }
  exchange.ingress_extras = std::move(translated.extras);
  exchange.ingress_only_param = std::move(translated.only_param);
  exchange.ingress_only_message = std::move(translated.only_message);
  exchange.ingress_body = std::move(exchange.body);
  exchange.ingress_translation_hash = std::hash<std::string_view>{}(translated.body);
  exchange.body = std::move(translated.body);
  core::ensure_json_padding(exchange.body);
  return std::nullopt;
}

bool served_by_anthropic(const core::Config& config, const core::ModelConfig& model) {
  if (model.targets.empty()) return false;
  const core::ProviderConfig* provider = config.find_provider(model.targets.front().provider);
  return provider != nullptr && provider->kind == "anthropic";
}

core::Response count_tokens_answer(const core::Exchange& exchange) {
  core::Response response;
  response.headers.set("content-type", "application/json");
  response.body =
      R"({"input_tokens":)" + std::to_string(core::estimate_prompt_tokens(exchange.json)) + "}";
  return response;
}

AnthropicSink::AnthropicSink(core::ResponseSink& client, core::Exchange& exchange)
    : client_(client), exchange_(exchange) {}

// Claude's own blocks (core::kDialectMember) are read from an anthropic target's answer
// and from the cache (which keeps an Anthropic client's answers apart), never from a
// provider of another kind, which could put anything there.
bool AnthropicSink::reads_kept() const {
  return exchange_.provider == nullptr || exchange_.provider->kind == "anthropic";
}

AnthropicSink::~AnthropicSink() = default;

boost::asio::awaitable<void> AnthropicSink::send(core::Response& response) {
  if (response.status >= 400) {
    std::string message = anthropic::openai_error_message(response.body);
    if (message.empty())
      message = "the request failed with HTTP status " + std::to_string(response.status);
    core::make_anthropic_error(response, message);
  } else if (exchange_.operation != core::Operation::count_tokens) {
    if (auto message = anthropic::translate_completion(response.body, reads_kept())) {
      response.body = std::move(*message);
      response.headers.set("content-type", "application/json");
    }
  }
  co_await client_.send(response);
}

boost::asio::awaitable<void> AnthropicSink::begin_stream(int status, const core::Headers& headers) {
  stream_ = std::make_unique<anthropic::MessagesStream>(reads_kept());
  co_await client_.begin_stream(status, headers);
}

boost::asio::awaitable<void> AnthropicSink::send_chunk(core::Chunk& chunk) {
  if (!stream_) stream_ = std::make_unique<anthropic::MessagesStream>(reads_kept());
  if (chunk.is_done()) {
    stream_->on_end(out_);  // Anthropic's streams end with message_stop, not [DONE]
  } else {
    stream_->on_chunk(chunk.data, out_);
  }
  co_await flush();
}

boost::asio::awaitable<void> AnthropicSink::end_stream() {
  if (stream_) stream_->on_end(out_);
  co_await flush();
  co_await client_.end_stream();
}

boost::asio::awaitable<void> AnthropicSink::flush() {
  for (auto& event : out_) co_await client_.send_chunk(event);
  out_.clear();
}

}  // namespace tollgate::gateway::ingress
