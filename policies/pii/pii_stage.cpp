#include "policies/pii/pii_stage.h"

#include <algorithm>
#include <map>
#include <optional>

#include "gateway/core/errors.h"
#include "gateway/core/module_registry.h"
#include "policies/common/json_escapes.h"
#include "policies/common/prompt_texts.h"
#include "policies/pii/answer_body.h"
#include "policies/pii/answer_chunks.h"
#include "policies/pii/placeholders.h"

namespace tollgate::policies::pii {

namespace {

// What the stage keeps for one request: the pseudonyms (the values themselves), what was
// found in the answer, and the rewriter of a streamed answer.
struct RequestPii : core::StageState {
  Pseudonyms pseudonyms;
  FindingCounts answer_counts;
  std::optional<AnswerScan> answer_scan;
  std::optional<AnswerChunks> chunks;
};

// A string token of the body and its new JSON literal.
struct Edit {
  core::ByteRange token;
  std::string literal;
};

// Walks the texts, applies the caller's actions to each, and keeps the edits.
class RequestScan final : public TextVisitor {
 public:
  RequestScan(const Scanner& scanner, const ActionPolicy& policy, Pseudonyms& pseudonyms)
      : scanner_(scanner), policy_(policy), pseudonyms_(pseudonyms) {}

  bool item(const TextPlace&) override { return true; }
  bool text(const PromptText& text) override {
    scanner_.scan(text.text, findings_);
    if (findings_.empty()) return true;
    std::string out;
    Applied applied =
        apply_actions(text.text, findings_, scanner_.entities(), policy_, pseudonyms_, out);
    for (const Finding& f : findings_) {
      Action action = policy_.of(f.entity);
      if (action != Action::none) ++counts_[{f.entity, action}];
    }
    if (applied.blocked) {
      blocked_ = applied.blocked;
      blocked_param_ = param_of(text.place);
      return false;
    }
    if (applied.changed) {
      std::string literal;
      core::append_json_string(literal, out);
      edits_.push_back({text.token, std::move(literal)});
    }
    return true;
  }

  std::vector<Edit>& edits() { return edits_; }
  const std::optional<EntityId>& blocked() const { return blocked_; }
  const std::string& blocked_param() const { return blocked_param_; }
  const FindingCounts& counts() const { return counts_; }

 private:
  const Scanner& scanner_;
  const ActionPolicy& policy_;
  Pseudonyms& pseudonyms_;
  std::vector<Finding> findings_;
  std::vector<Edit> edits_;
  std::optional<EntityId> blocked_;
  std::string blocked_param_;
  FindingCounts counts_;
};

std::string splice(const std::string& body, const std::vector<Edit>& edits) {
  std::vector<TokenEdit> tokens;
  tokens.reserve(edits.size());
  for (const Edit& edit : edits) tokens.push_back({edit.token, edit.literal});
  std::string out;
  splice_tokens(body, tokens, out);
  return out;
}

// The audit line and the metrics get counts per entity and action, never a value:
// ("pii", "request:email:pseudonymize:2").
void record(core::Exchange& exchange, const Scanner& scanner, std::string_view direction,
            const FindingCounts& counts) {
  for (const auto& [what, count] : counts) {
    exchange.decisions.emplace_back(
        "pii", std::string(direction) + ":" + scanner.entities()[what.first].name + ":" +
                   std::string(action_name(what.second)) + ":" + std::to_string(count));
  }
}

// The operations whose answers hold text a model wrote (not embeddings, model lists, audio).
bool writes_text(const core::Exchange& exchange) {
  switch (exchange.operation) {
    case core::Operation::chat_completions:
    case core::Operation::completions:
      return true;
    case core::Operation::passthrough:
      return exchange.path.starts_with("/v1/responses");
    case core::Operation::response_item:  // a stored response, retrieved by id
      return true;
    default:
      return false;
  }
}

// Placeholder-shaped texts in the request ("[EMAIL_1]" written by the client) are never
// handed out for a value. Placeholders hold no JSON escapes, so the raw body will do.
void reserve_client_placeholders(std::string_view body, Pseudonyms& pseudonyms) {
  for (std::size_t at = body.find('['); at != std::string_view::npos; at = body.find('[', at + 1)) {
    if (std::size_t length = placeholder_length(body.substr(at)); length != 0)
      pseudonyms.reserve(body.substr(at, length));
  }
}

// A streamed event as the provider sent it, for the audit line (one per line, as the
// observe stage records events).
void keep_for_audit(core::Exchange& exchange, std::string_view data) {
  if (exchange.audit_answer_kept) exchange.audit_answer.push_back('\n');
  exchange.audit_answer.append(data);
  exchange.audit_answer_kept = true;
}

}  // namespace

bool PiiStage::protect(core::Exchange& exchange, core::Response& answer) const {
  // An upload's parts (audio, an image) are not prompt texts (docs/providers.md).
  if (!settings_.scans_requests() || exchange.body.empty() || exchange.json.multipart) {
    return false;
  }
  const ActionPolicy& policy = settings_.policy_for(exchange.principal.get());
  auto& state = exchange.stage_state<RequestPii>(this);
  if (settings_.pseudonymizes) reserve_client_placeholders(exchange.body, state.pseudonyms);
  RequestScan scan(*settings_.scanner, policy, state.pseudonyms);
  walk_prompt_texts(exchange.body, scan);
  record(exchange, *settings_.scanner, "request", scan.counts());
  if (scan.blocked()) {
    // The entity is named, never the value.
    answer = core::error_response(core::ErrorKind::pii_blocked,
                                  "this request contains " +
                                      settings_.scanner->entities()[*scan.blocked()].name +
                                      " data, which this gateway does not pass to a model",
                                  scan.blocked_param());
    return true;
  }
  if (scan.edits().empty()) return false;
  exchange.body = splice(exchange.body, scan.edits());
  std::size_t depth =
      exchange.config ? exchange.config->server.max_json_depth : core::kDefaultMaxJsonDepth;
  if (!core::parse_request_json(exchange.body, exchange.json, depth).ok) {
    answer = core::error_response(core::ErrorKind::internal, "the masked prompt could not be read");
    return true;
  }
  return false;
}

boost::asio::awaitable<core::Decision> PiiStage::on_request(core::Exchange& exchange) {
  core::Response answer;
  if (protect(exchange, answer)) co_return core::Decision::respond(std::move(answer));
  co_return core::Decision::proceed();
}

AnswerScan* PiiStage::answer_scan(core::Exchange& exchange) const {
  auto& state = exchange.stage_state<RequestPii>(this);
  if (!state.answer_scan) {
    state.answer_scan.emplace(AnswerScan{*settings_.scanner,
                                         settings_.answer_policy_for(exchange.principal.get()),
                                         state.answer_counts,
                                         {}});
  }
  return &*state.answer_scan;
}

// The model's findings acted on first (what it wrote, placeholders and all), then the
// request's placeholders put back; the audit line keeps the answer between the two.
void PiiStage::on_response(core::Exchange& exchange, core::Response& response) {
  auto& state = exchange.stage_state<RequestPii>(this);
  bool scanned = false;
  if (settings_.scans_answers() && response.status / 100 == 2 && writes_text(exchange) &&
      might_hold_findings(response.body)) {
    scanned = scan_answer_body(response.body, *answer_scan(exchange));
  }
  if (state.pseudonyms.empty() && !scanned) return;
  if (exchange.audit_bodies) {
    exchange.audit_answer = response.body;
    exchange.audit_answer_kept = true;
  }
  if (state.pseudonyms.empty()) return;
  restore_placeholders_in_json(response.body, state.pseudonyms);
}

// A body with no finding in its bytes, escapes decoded, needs no parse: each of its texts
// reads there exactly as the answer scan would see it, between quotes, which are no word
// characters (so \b and whole-word terms match as at a text's edges). Only an anchored
// custom pattern needs the texts one by one. Most answers have no finding: the parse
// (about a microsecond) is skipped.
bool PiiStage::might_hold_findings(std::string_view body) const {
  if (settings_.custom_anchored || body.find("-----BEGIN") != std::string_view::npos) return true;
  std::string_view text = body;
  thread_local std::string decoded;
  if (body.find('\\') != std::string_view::npos) {
    if (!decode_json_escapes(body, decoded)) return true;  // the parse will judge it
    text = decoded;
  }
  thread_local std::vector<Finding> findings;
  settings_.scanner->scan(text, findings);
  bool found = !findings.empty();
  if (decoded.capacity() > (1u << 20)) std::string().swap(decoded);  // no MBs kept per thread
  return found;
}

void PiiStage::on_chunk(core::Exchange& exchange, core::Events& events) {
  auto& state = exchange.stage_state<RequestPii>(this);
  if (!settings_.scans_answers() && state.pseudonyms.empty()) return;
  if (!state.chunks) {
    state.chunks.emplace(settings_.scans_answers() ? answer_scan(exchange) : nullptr,
                         state.pseudonyms.empty() ? nullptr : &state.pseudonyms,
                         settings_.custom_entities);
  }
  // Events to send before one (what a Responses text held back) rebuild the batch.
  std::string audit;
  std::vector<ExtraEvent> before;
  core::Events rebuilt;
  bool rebuilding = false;
  for (std::size_t i = 0; i < events.size(); ++i) {
    before.clear();
    state.chunks->on_chunk(events[i].data, exchange.audit_bodies ? &audit : nullptr, &before);
    if (!before.empty() && !rebuilding) {
      rebuilding = true;
      rebuilt.assign(std::make_move_iterator(events.begin()),
                     std::make_move_iterator(events.begin() + static_cast<std::ptrdiff_t>(i)));
    }
    for (auto& extra : before) {
      if (exchange.audit_bodies) keep_for_audit(exchange, extra.audit_data);
      rebuilt.push_back({std::move(extra.event), std::move(extra.data)});
    }
    if (exchange.audit_bodies) keep_for_audit(exchange, audit);
    if (rebuilding) rebuilt.push_back(std::move(events[i]));
  }
  if (rebuilding) events = std::move(rebuilt);
}

void PiiStage::on_stream_end(core::Exchange& exchange, core::Events& events) {
  auto* state = exchange.find_stage_state<RequestPii>(this);
  if (state == nullptr || !state->chunks) return;
  std::vector<std::string> tail, audit;
  std::vector<ExtraEvent> responses_tail;
  state->chunks->flush(tail, exchange.audit_bodies ? &audit : nullptr, &responses_tail);
  for (auto& data : audit) keep_for_audit(exchange, data);
  for (auto& data : tail) events.push_back({"", std::move(data)});
  for (auto& extra : responses_tail) {
    if (exchange.audit_bodies) keep_for_audit(exchange, extra.audit_data);
    events.push_back({std::move(extra.event), std::move(extra.data)});
  }
}

void PiiStage::on_complete(core::Exchange& exchange) {
  auto* state = exchange.find_stage_state<RequestPii>(this);
  if (state != nullptr) record(exchange, *settings_.scanner, "response", state->answer_counts);
}

namespace {

const core::Registration kRegistration{core::StageSpec<PiiSettings>{
    .name = "pii",
    .position = 400,
    .sections = {{.name = "pii",
                  .keys = {"direction", "entities", "custom", "hash_key", "overrides"}}},
    .read = read_pii_settings,
    .make = [](const PiiSettings& settings, const core::Services&) -> std::unique_ptr<core::Stage> {
      if (!settings.enabled) return nullptr;  // no `pii:` section: not in the pipeline
      return std::make_unique<PiiStage>(settings);
    }}};

}  // namespace

}  // namespace tollgate::policies::pii
