#include "policies/pii/answer_scan.h"

#include <algorithm>

namespace tollgate::policies::pii {

namespace {

constexpr std::size_t kTokenHold = 4096;  // a whitespace-free token: an email, a key, a URL
constexpr std::size_t kGroupWindow = 64;  // numbers written in groups, custom entities
constexpr std::size_t kPemHold = 16384;   // a PEM private key, BEGIN to END
constexpr std::size_t kLeftContext = 64;  // "phone:" or "SSN" before a bare number
// Past a hold bound (a long token, an open PEM block) text is released in steps of at
// least this, not per delta: each release scans everything held, so releasing a few bytes
// per delta made a 1 MiB token in 4-byte deltas cost 1.5 s of scanning.
constexpr std::size_t kReleaseStep = 1024;
constexpr std::string_view kPemBegin = "-----BEGIN";
constexpr std::string_view kPemEnd = "-----END";

bool space(char c) {
  return c == ' ' || c == '\n' || c == '\t' || c == '\r';
}

bool digit(char c) {
  return c >= '0' && c <= '9';
}

// A token that may be a group of a number written in groups: it has a digit, or it is
// separators only ("-", "(0)"), or up to four capitals (an IBAN's "WEST").
bool number_like(std::string_view token) {
  bool letters_only = token.size() <= 4;
  for (char c : token) {
    if (digit(c)) return true;
    if (!(c >= 'A' && c <= 'Z') && std::string_view("+()-./:").find(c) == std::string_view::npos)
      letters_only = false;
  }
  return letters_only;
}

// Acts on `findings` (in `text`'s offsets) up to the first that blocks.
AnswerText act(std::string_view text, std::span<const Finding> findings, AnswerScan& scan,
               std::string& out) {
  AnswerText result;
  std::size_t usable = findings.size();
  std::size_t end = text.size();
  for (std::size_t i = 0; i < findings.size(); ++i) {
    Action action = scan.policy.of(findings[i].entity);
    if (action != Action::none) ++scan.counts[{findings[i].entity, action}];
    if (action == Action::block) {
      result.blocked = true;
      usable = i;
      end = findings[i].begin;
      break;
    }
  }
  Pseudonyms unused;  // answer policies never pseudonymize
  std::string acted;
  Applied applied = apply_actions(text.substr(0, end), findings.first(usable),
                                  scan.scanner.entities(), scan.policy, unused, acted);
  if (applied.changed) {
    out.append(acted);
    result.changed = true;
  } else if (result.blocked) {
    out.append(text.substr(0, end));
  }
  result.changed = result.changed || result.blocked;
  return result;
}

}  // namespace

ActionPolicy answer_policy(const ActionPolicy& request_policy) {
  ActionPolicy policy = request_policy;
  for (Action& action : policy.by_entity) {
    if (action == Action::pseudonymize) action = Action::mask;
  }
  return policy;
}

AnswerText act_on_answer_text(std::string_view text, AnswerScan& scan, std::string& out) {
  scan.scanner.scan(text, scan.findings);
  if (scan.findings.empty()) return {};
  return act(text, scan.findings, scan, out);
}

std::size_t AnswerTextScanner::release_point() const {
  std::string_view text = pending_;
  std::size_t n = text.size();
  auto token_start = [&](std::size_t at, std::size_t bound) {
    std::size_t floor = at > bound ? at - bound : 0;
    while (at > floor && !space(text[at - 1])) --at;
    return at;
  };
  // The trailing whitespace-free token, as note_appended() keeps it: never walked back here,
  // so a delta costs its own bytes, not the held ones.
  std::size_t release = std::max(token_from_, n > kTokenHold ? n - kTokenHold : 0);
  std::size_t window = n > kGroupWindow ? n - kGroupWindow : 0;
  if (hold_any_window_) {
    release = std::min(release, token_start(window, kGroupWindow));
  } else {
    // The trailing run of number-like tokens ("+44 20 7946", "DE89 3704 WEST"): a phone,
    // card or IBAN written in groups may still go on. A word ends it.
    std::size_t run = n;
    while (run > window) {
      std::size_t end = run;
      while (end > window && space(text[end - 1])) --end;
      std::size_t begin = token_start(end, kGroupWindow);
      if (begin < window || begin == end || !number_like(text.substr(begin, end - begin))) break;
      run = begin;
    }
    release = std::min(release, run);
  }
  if (pem_open_ != std::string::npos && n - pem_open_ <= kPemHold) {
    release = std::min(release, pem_open_);
  }
  // Never between the bytes of one UTF-8 character: each event stays valid UTF-8.
  while (release > 0 && release < n && (static_cast<unsigned char>(text[release]) & 0xC0) == 0x80)
    --release;
  return release;
}

void AnswerTextScanner::release(std::size_t end, AnswerScan& scan, std::string& out) {
  bool whole = end == pending_.size();
  scratch_.assign(context_);
  scratch_.append(pending_);
  scan.scanner.scan(scratch_, scan.findings);
  std::size_t offset = context_.size();
  std::vector<Finding> findings;
  for (const Finding& f : scan.findings) {
    if (f.begin < offset) continue;  // acted on when it was released
    Finding local{f.entity, f.begin - offset, f.end - offset};
    if (!whole && local.begin < end && local.end > end) end = local.begin;  // may still grow
    if (local.end <= end) findings.push_back(local);
  }
  if (end == 0) return;
  std::string_view released = std::string_view(pending_).substr(0, end);
  AnswerText acted = act(released, findings, scan, out);
  if (!acted.changed) out.append(released);
  if (acted.blocked) {
    blocked_ = true;
    pending_.clear();
    token_from_ = 0;
    pem_open_ = pem_end_ = std::string::npos;
    return;
  }
  context_.append(released);
  if (context_.size() > kLeftContext) context_.erase(0, context_.size() - kLeftContext);
  pending_.erase(0, end);
  token_from_ = token_from_ > end ? token_from_ - end : 0;
  if (pem_open_ != std::string::npos)
    pem_open_ = pem_open_ >= end ? pem_open_ - end : std::string::npos;
}

// Looks at the new bytes only (and the few before them a marker may straddle).
void AnswerTextScanner::note_appended(std::size_t old_size) {
  std::string_view text = pending_;
  for (std::size_t i = text.size(); i > old_size; --i) {
    if (space(text[i - 1])) {
      token_from_ = i;
      break;
    }
  }
  std::size_t from = old_size > kPemBegin.size() ? old_size - kPemBegin.size() : 0;
  if (std::size_t begin = text.substr(from).rfind(kPemBegin); begin != std::string_view::npos) {
    pem_open_ = from + begin;
  }
  if (pem_open_ == std::string::npos) return;
  // Closed only once its END line is whole ("-----END RSA PRIVATE KEY-----"): the scanner
  // finds the block by both lines.
  auto back = [&](std::size_t by) { return old_size > by ? old_size - by : 0; };
  if (pem_end_ == std::string::npos || pem_end_ < pem_open_) {
    std::size_t e = text.find(kPemEnd, std::max(pem_open_, back(kPemEnd.size())));
    pem_end_ = e == std::string_view::npos ? std::string::npos : e;
  }
  if (pem_end_ != std::string::npos &&
      text.find("-----", std::max(pem_end_ + kPemEnd.size(), back(5))) != std::string_view::npos) {
    pem_open_ = std::string::npos;
    pem_end_ = std::string::npos;
  }
}

void AnswerTextScanner::feed(std::string_view piece, AnswerScan& scan, std::string& out) {
  if (blocked_) return;
  std::size_t old_size = pending_.size();
  pending_.append(piece);
  note_appended(old_size);
  std::size_t end = release_point();
  if (end == 0 || (end < kReleaseStep && pending_.size() - end > kGroupWindow)) return;
  release(end, scan, out);
}

void AnswerTextScanner::flush(AnswerScan& scan, std::string& out) {
  if (blocked_ || pending_.empty()) return;
  release(pending_.size(), scan, out);
}

}  // namespace tollgate::policies::pii
