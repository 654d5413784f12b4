#include "policies/sanitize/sanitize_stage.h"

#include "gateway/core/errors.h"
#include "gateway/core/module_registry.h"
#include "policies/sanitize/prompt_scan.h"

namespace tollgate::policies::sanitize {

namespace {

// The field a token limit names: where the prompt is.
std::string_view prompt_field(const core::RequestJson& json) {
  if (json.has_messages) return "messages";
  if (json.has_prompt) return "prompt";
  return "input";
}

// Appends `flag` to x-tollgate-flags, which another stage may have set already.
void add_flag(core::Headers& headers, std::string_view flag) {
  std::string_view existing = headers.get("x-tollgate-flags");
  if (existing.empty()) {
    headers.set("x-tollgate-flags", flag);
  } else {
    headers.set("x-tollgate-flags", std::string(existing) + "," + std::string(flag));
  }
}

bool refuse(core::Exchange& exchange, core::Response& answer, const Refusal& refusal) {
  exchange.decisions.emplace_back("sanitize", refusal.decision);
  answer = core::error_response(refusal.kind, refusal.message, refusal.param);
  return true;
}

// Scores the rules that fired: flags, refuses, or only records a score under the
// threshold (the audit line shows near misses too). True when `answer` is to be sent.
bool judge_injection(core::Exchange& exchange, core::Response& answer,
                     const InjectionSettings& injection, RuleMask fired) {
  if (injection.action == InjectionAction::off || fired == 0) return false;
  double score = injection_score(fired);
  bool over = score + 1e-9 >= injection.threshold;  // 0.80 computed may be 0.7999...
  std::string described = describe_injection(fired, score);
  if (over && injection.action == InjectionAction::block) {
    return refuse(exchange, answer,
                  {core::ErrorKind::prompt_blocked,
                   "this prompt looks like a prompt injection and was refused by the gateway's "
                   "content policy",
                   {},
                   "injection_blocked:" + described});
  }
  exchange.decisions.emplace_back("sanitize",
                                  (over ? "injection:" : "injection_score:") + described);
  if (over) add_flag(exchange.response_headers, "injection");
  return false;
}

}  // namespace

bool SanitizeStage::inspect(core::Exchange& exchange, core::Response& answer) const {
  // An upload (multipart: audio, an image) holds no JSON prompt to scan.
  if (exchange.operation == core::Operation::models || exchange.body.empty() ||
      exchange.json.multipart) {
    return false;
  }
  // Estimated before anything is spent: a provider would refuse it anyway, after the
  // round trip (OpenAI's own code and param for it).
  std::int64_t tokens = core::estimate_prompt_tokens(exchange.json);
  if (settings_.max_prompt_tokens != 0 && tokens > settings_.max_prompt_tokens) {
    return refuse(
        exchange, answer,
        {core::ErrorKind::context_length_exceeded,
         "this request's prompt is about " + std::to_string(tokens) +
             " tokens (estimated), more than the " + std::to_string(settings_.max_prompt_tokens) +
             " this gateway accepts; please shorten the messages",
         std::string(prompt_field(exchange.json)), "max_prompt_tokens"});
  }
  const Profile& profile = settings_.profile_for(exchange.principal.get());
  ScanSettings scan{settings_.max_messages, settings_.max_message_bytes, settings_.text, &profile};
  std::string rewritten;  // stays empty, without a heap block, unless a text changed
  ScanOutcome outcome = scan_prompt(exchange.body, scan, rewritten);
  if (outcome.refusal) return refuse(exchange, answer, *outcome.refusal);
  if (outcome.rewritten) {
    exchange.body = std::move(rewritten);
    // Later stages and the provider read exchange.json: it must describe the new body.
    std::size_t depth =
        exchange.config ? exchange.config->server.max_json_depth : core::kDefaultMaxJsonDepth;
    if (!core::parse_request_json(exchange.body, exchange.json, depth).ok) {
      return refuse(exchange, answer,
                    {core::ErrorKind::internal,
                     "the cleaned prompt could not be read",
                     {},
                     "rewrite_failed"});
    }
    exchange.decisions.emplace_back("sanitize", "rewritten");
  }
  return judge_injection(exchange, answer, profile.injection, outcome.fired);
}

boost::asio::awaitable<core::Decision> SanitizeStage::on_request(core::Exchange& exchange) {
  core::Response answer;
  if (inspect(exchange, answer)) co_return core::Decision::respond(std::move(answer));
  co_return core::Decision::proceed();
}

namespace {

const core::Registration kRegistration{core::StageSpec<SanitizeSettings>{
    .name = "sanitize",
    .position = 300,
    .sections = {{.name = "sanitize",
                  .keys = {"max_messages", "max_message_bytes", "max_prompt_tokens", "strip",
                           "normalize", "injection", "deny", "overrides"}}},
    .read = read_sanitize_settings,
    .make = [](const SanitizeSettings& settings,
               const core::Services&) -> std::unique_ptr<core::Stage> {
      if (!settings.enabled) return nullptr;  // no `sanitize:` section: not in the pipeline
      return std::make_unique<SanitizeStage>(settings);
    }}};

}  // namespace

}  // namespace tollgate::policies::sanitize
