// Azure OpenAI answers for the mock: OpenAI's bodies (mock_bodies.h) behind Azure's
// path, api-version and api-key checks, and Azure's content-filter answers.
#include "loadtest/mock_provider/mock_azure.h"

#include "loadtest/mock_provider/mock_bodies.h"

namespace tollgate::mock {

namespace {

constexpr std::string_view kPrefix = "/openai/deployments/";

std::string azure_error(std::string_view code, std::string_view message) {
  std::string out = R"({"error":{"code":)";
  append_json_string(out, code);
  out += R"(,"message":)";
  append_json_string(out, message);
  out += "}}";
  return out;
}

DialectReply whole(int status, std::string body) {
  DialectReply reply;
  reply.status = status;
  reply.body = std::move(body);
  return reply;
}

void replace_all(std::string& s, std::string_view from, std::string_view to) {
  for (std::size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) {
    s.replace(at, from.size(), to);
  }
}

}  // namespace

bool is_azure_path(std::string_view path) {
  return path.starts_with(kPrefix);
}

std::string_view query_value(std::string_view target, std::string_view name) {
  std::size_t q = target.find('?');
  if (q == std::string_view::npos) return {};
  std::string_view query = target.substr(q + 1);
  while (!query.empty()) {
    std::size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    std::size_t eq = pair.find('=');
    if (pair.substr(0, eq) == name) {
      return eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return {};
}

DialectReply azure_reply(std::string_view target, std::string_view api_key,
                         std::string_view x_content_filter, std::string& body, const Steering& s) {
  std::string_view path = target.substr(0, target.find('?'));
  std::string_view rest = path.substr(kPrefix.size());
  std::size_t slash = rest.find('/');
  std::string deployment(rest.substr(0, slash));
  std::string_view op = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash);
  bool chat = op == "/chat/completions";
  if (deployment.empty() || (!chat && op != "/completions" && op != "/embeddings")) {
    return whole(404, azure_error("404", "Resource not found"));
  }
  if (api_key.empty()) {
    return whole(401, azure_error("401",
                                  "Access denied due to invalid subscription key or wrong API "
                                  "endpoint. Make sure to provide a valid key for an active "
                                  "subscription and use a correct regional API endpoint for "
                                  "your resource."));
  }
  std::string_view api_version = query_value(target, "api-version");
  if (api_version.empty()) return whole(404, azure_error("404", "Resource not found"));

  if (s.status >= 400) {
    if (s.status == 429) {
      DialectReply reply = whole(
          429, azure_error("429",
                           "Requests to the ChatCompletions_Create Operation under Azure OpenAI "
                           "API version " +
                               std::string(api_version) +
                               " have exceeded token rate limit of your current OpenAI S0 "
                               "pricing tier. Please retry after 1 second."));
      reply.headers.emplace_back("retry-after", "1");
      return reply;
    }
    return whole(s.status, mock_error_body(s.status));
  }
  RequestFacts facts = read_request_body(body);
  if (!facts.valid_json) return whole(400, mock_error_body(400));
  facts.model = deployment;  // Azure answers with the deployment's model
  if (x_content_filter == "prompt") {
    return whole(
        400,
        R"({"error":{"message":"The response was filtered due to the prompt triggering Azure OpenAI's content management policy. Please modify your prompt and retry.","type":null,"param":"prompt","code":"content_filter","status":400,"innererror":{"code":"ResponsibleAIPolicyViolation","content_filter_result":{"hate":{"filtered":true,"severity":"high"},"self_harm":{"filtered":false,"severity":"safe"},"sexual":{"filtered":false,"severity":"safe"},"violence":{"filtered":false,"severity":"safe"}}}}})");
  }
  bool filtered = x_content_filter == "completion";
  std::string text = completion_text(s.completion_tokens, s.body_bytes);
  std::string id = "chatcmpl-azure-mock";
  if (op == "/embeddings") return whole(200, embeddings(facts));
  if (!facts.stream) {
    std::string out = chat ? chat_completion(facts, id, text, s.completion_tokens)
                           : text_completion(facts, "cmpl-azure-mock", text, s.completion_tokens);
    if (filtered)
      replace_all(out, R"("finish_reason":"stop")", R"("finish_reason":"content_filter")");
    return whole(200, std::move(out));
  }
  DialectReply reply;
  reply.stream = true;
  std::size_t chunks = static_cast<std::size_t>(s.chunks);
  std::size_t per_chunk = (text.size() + chunks - 1) / chunks;
  for (std::size_t i = 0; i < chunks; ++i) {
    std::string piece = text.substr(std::min(text.size(), i * per_chunk), per_chunk);
    reply.events.push_back(chat ? chat_chunk(facts, id, piece, i == 0, false)
                                : completion_chunk(facts, id, piece, false));
  }
  std::string last =
      chat ? chat_chunk(facts, id, "", false, true) : completion_chunk(facts, id, "", true);
  if (filtered)
    replace_all(last, R"("finish_reason":"stop")", R"("finish_reason":"content_filter")");
  reply.events.push_back(std::move(last));
  if (facts.include_usage)
    reply.events.push_back(usage_chunk(facts, id, chat, s.completion_tokens));
  reply.events.push_back("[DONE]");
  return reply;
}

}  // namespace tollgate::mock
