// What the pii stage does to the texts a model writes (`direction: response` or `both`):
// the model's own findings (a secret echoed back, a card number made up) acted on before
// the client reads them. Whole texts at once; streamed texts through an AnswerTextScanner
// that holds back only the bytes that may still be part of a finding.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "policies/pii/actions.h"
#include "policies/pii/scanner.h"

namespace tollgate::policies::pii {

// Findings per entity and action, for the audit line and the metrics (never a value).
using FindingCounts = std::map<std::pair<EntityId, Action>, int>;

// An answer's actions: a request policy with `pseudonymize` turned into `mask` (a value a
// model wrote has no original to put back, and a numbered placeholder would be mistaken
// for one of the request's).
ActionPolicy answer_policy(const ActionPolicy& request_policy);

// What one answer's texts are scanned with; `counts` gathers what was found.
struct AnswerScan {
  const Scanner& scanner;
  const ActionPolicy& policy;  // from answer_policy()
  FindingCounts& counts;
  std::vector<Finding> findings;  // reused between texts
};

struct AnswerText {
  bool changed = false;  // `out` holds the new text
  // A finding whose action is block: `out` holds the text up to it (acted on), and the
  // rest is never delivered (the choice finishes with finish_reason "content_filter").
  bool blocked = false;
};

// Acts on the findings of one whole text. `out` is written only when the text changes.
AnswerText act_on_answer_text(std::string_view text, AnswerScan& scan, std::string& out);

// One streamed text (a choice's content, a tool call's arguments). Releases what can no
// longer be part of a finding; holds back
// - the last whitespace-free token (an email, a key, a URL may still grow), at most 4 KiB;
// - the trailing run of number-like tokens within the last 64 bytes (a phone, card or
//   IBAN written in groups may still go on), or the last 64 bytes whatever they hold
//   when custom entities are on (a pattern or a term of several words);
// - an unfinished PEM block, at most 16 KiB.
// Past those bounds bytes are released as they are scanned: a longer finding split by the
// bound is not caught (docs/pii.md).
class AnswerTextScanner {
 public:
  explicit AnswerTextScanner(bool hold_any_window) : hold_any_window_(hold_any_window) {}

  void feed(std::string_view piece, AnswerScan& scan, std::string& out);
  // The text ends: what is held, acted on.
  void flush(AnswerScan& scan, std::string& out);
  bool holds() const { return !pending_.empty(); }
  bool blocked() const { return blocked_; }

 private:
  std::size_t release_point() const;
  // Keeps token_from_ and pem_open_ up to date after `pending_` grew from `old_size`.
  void note_appended(std::size_t old_size);
  // Acts on pending_[0, end) (with `end == pending_.size()` the text is whole), appends it
  // to `out` and keeps the rest.
  void release(std::size_t end, AnswerScan& scan, std::string& out);

  bool hold_any_window_;
  bool blocked_ = false;
  std::string pending_;
  std::size_t token_from_ = 0;  // pending_'s trailing whitespace-free token starts here
  std::size_t pem_open_ = std::string::npos;  // a "-----BEGIN" in pending_ with no END line yet
  std::size_t pem_end_ = std::string::npos;   // its "-----END", while that line is unfinished
  // The last bytes released as the model wrote them: left context for the scanner ("tel
  // 4155552671" split after "tel").
  std::string context_;
  std::string scratch_;
};

}  // namespace tollgate::policies::pii
