#include "policies/sanitize/prompt_scan.h"

#include <algorithm>
#include <vector>

#include "gateway/core/request_json.h"
#include "policies/common/prompt_texts.h"

namespace tollgate::policies::sanitize {

namespace {

// Past this, the per-thread edit buffers are given back after a request: one body full
// of full-width text must not pin its size on a thread for good.
constexpr std::size_t kKeptEditBytes = std::size_t{1} << 20;

// A string token to replace, and where its new JSON literal is in the edit arena.
struct Edit {
  core::ByteRange token;
  std::size_t offset;
  std::size_t length;
};

struct EditBuffers {
  std::string arena;  // new JSON string literals, back to back
  std::vector<Edit> edits;
  std::string cleaned;  // normalize_text's output for the current text
  void reset() {
    if (arena.capacity() > kKeptEditBytes) std::string().swap(arena);
    if (cleaned.capacity() > kKeptEditBytes) std::string().swap(cleaned);
    if (edits.capacity() > kKeptEditBytes / sizeof(Edit)) std::vector<Edit>().swap(edits);
    arena.clear();
    edits.clear();
    cleaned.clear();
  }
};

class PromptScan final : public TextVisitor {
 public:
  PromptScan(const ScanSettings& settings, EditBuffers& buffers)
      : settings_(settings), buffers_(buffers) {
    const Profile& profile = *settings.profile;
    scoring_ = profile.injection.action != InjectionAction::off;
  }

  bool item(const TextPlace& place) override {
    if (settings_.max_messages != 0 && place.item >= settings_.max_messages) {
      refuse(core::ErrorKind::invalid_request,
             "this request has more than " + std::to_string(settings_.max_messages) +
                 " messages, the most this gateway accepts",
             std::string(field_name(place.field)), "max_messages");
      return false;
    }
    return true;
  }

  bool text(const PromptText& text) override {
    if (!within_size(text)) return false;
    NormalizeResult normalized = normalize_text(text.text, settings_.text, buffers_.cleaned);
    std::string_view cleaned = normalized.changed ? std::string_view(buffers_.cleaned) : text.text;
    if (normalized.changed) {
      std::size_t offset = buffers_.arena.size();
      core::append_json_string(buffers_.arena, cleaned);
      buffers_.edits.push_back({text.token, offset, buffers_.arena.size() - offset});
    }
    if (scoring_ && normalized.invisible != 0) outcome_.fired |= bit(Rule::invisible_characters);
    if (scoring_ && has_encoded_block(cleaned)) outcome_.fired |= bit(Rule::encoded_block);
    return match_patterns(text, cleaned);
  }

  ScanOutcome& outcome() { return outcome_; }

  void refuse(core::ErrorKind kind, std::string message, std::string param, std::string decision) {
    outcome_.refusal = Refusal{kind, std::move(message), std::move(param), std::move(decision)};
  }

 private:
  // max_message_bytes counts the bytes of all the texts of one message (or of one prompt
  // or input string), as the client sent them.
  bool within_size(const PromptText& text) {
    if (settings_.max_message_bytes == 0) return true;
    if (text.place.field != field_ || text.place.item != item_) {
      field_ = text.place.field;
      item_ = text.place.item;
      bytes_ = 0;
    }
    bytes_ += text.text.size();
    if (bytes_ <= settings_.max_message_bytes) return true;
    refuse(core::ErrorKind::invalid_request,
           "this message's text is longer than " + std::to_string(settings_.max_message_bytes) +
               " bytes, the most this gateway accepts",
           item_param_of(text.place), "max_message_bytes");
    return false;
  }

  bool match_patterns(const PromptText& text, std::string_view cleaned) {
    const Profile& profile = *settings_.profile;
    if (!profile.patterns) return true;
    std::size_t denied = kNotDenied;
    RuleMask& fired = outcome_.fired;
    bool scanned = profile.patterns->scan(cleaned, [&](unsigned id) {
      if (id >= kDenyIdBase) {
        denied = id - kDenyIdBase;
        return false;
      }
      fired |= 1u << id;
      if (text.tool) fired |= bit(Rule::tool_result_instructions);
      return true;
    });
    if (!scanned) {
      refuse(core::ErrorKind::internal, "the prompt could not be checked", {}, "scan_failed");
      return false;
    }
    if (denied == kNotDenied) return true;
    // The message never names the pattern: it would tell a client how to get around it.
    refuse(core::ErrorKind::prompt_blocked,
           "this prompt was refused by the gateway's content policy", param_of(text.place),
           "deny:" + profile.deny_labels.at(denied));
    return false;
  }

  static constexpr std::size_t kNotDenied = static_cast<std::size_t>(-1);

  const ScanSettings& settings_;
  EditBuffers& buffers_;
  ScanOutcome outcome_;
  bool scoring_ = false;
  TextPlace::Field field_ = TextPlace::Field::messages;
  std::size_t item_ = TextPlace::kNone - 1;  // no item yet
  std::size_t bytes_ = 0;
};

// The edits as views into the arena, now that it no longer grows.
void splice(const std::string& body, EditBuffers& buffers, std::string& out) {
  std::vector<TokenEdit> edits;
  edits.reserve(buffers.edits.size());
  for (const Edit& edit : buffers.edits) {
    edits.push_back({edit.token, std::string_view(buffers.arena).substr(edit.offset, edit.length)});
  }
  splice_tokens(body, edits, out);
}

}  // namespace

ScanOutcome scan_prompt(const std::string& body, const ScanSettings& settings,
                        std::string& rewritten) {
  thread_local EditBuffers buffers;
  buffers.reset();
  PromptScan scan(settings, buffers);
  WalkResult walked = walk_prompt_texts(body, scan);
  ScanOutcome& outcome = scan.outcome();
  if (walked == WalkResult::unreadable && !outcome.refusal) {
    // parse_request_json has read this body already: failing closed costs nothing real.
    scan.refuse(core::ErrorKind::invalid_json, "the request body could not be read", {},
                "unreadable");
  }
  if (!outcome.refusal && !buffers.edits.empty()) {
    splice(body, buffers, rewritten);
    outcome.rewritten = true;
  }
  return std::move(outcome);
}

}  // namespace tollgate::policies::sanitize
