// One Vectorscan pass per text and the digit pass, then the extractors and the overlap
// rule. Each thread keeps one scratch space and two buffers for every scanner it uses, so
// a scan takes no lock and allocates nothing once a thread has warmed up.
#include <atomic>
#include <climits>
#include <new>
#include <stdexcept>

#include "policies/pii/resolve.h"
#include "policies/pii/scanner_impl.h"

namespace tollgate::policies::pii {

namespace {

struct RawMatch {
  unsigned id;
  std::size_t from;  // only set for custom patterns (HS_FLAG_SOM_LEFTMOST)
  std::size_t to;
};

struct ThreadState {
  hs_scratch_t* scratch = nullptr;
  std::uint64_t ready_for = 0;  // the serial of the database `scratch` was last sized for
  std::vector<RawMatch> matches;
  std::vector<Finding> candidates;

  ThreadState() = default;
  ThreadState(const ThreadState&) = delete;
  ThreadState& operator=(const ThreadState&) = delete;
  ~ThreadState() { hs_free_scratch(scratch); }
};

thread_local ThreadState tls;

// One scratch per thread serves every database: hs_alloc_scratch grows it to fit each new
// one (and only checks when it already fits), so a reload or a second scanner on this
// thread costs one check, not a second scratch.
hs_scratch_t* scratch_for(const Scanner::Impl& impl) {
  if (tls.ready_for != impl.serial) {
    hs_error_t rc = tls.scratch == nullptr ? hs_clone_scratch(impl.prototype, &tls.scratch)
                                           : hs_alloc_scratch(impl.database, &tls.scratch);
    if (rc != HS_SUCCESS) throw std::bad_alloc();
    tls.ready_for = impl.serial;
  }
  return tls.scratch;
}

struct MatchSink {
  std::vector<RawMatch>* matches;
  unsigned regex_begin;  // custom patterns have the ids [regex_begin, regex_end)
  unsigned regex_end;
};

// Vectorscan's callback: records the match; all judging waits until the pass is over.
// A custom pattern reports every end of a match from the same start ("EMP-1", "EMP-12",
// ...): those fold into the longest, so a long run costs one entry, not one per byte.
int on_match(unsigned id, unsigned long long from, unsigned long long to, unsigned /*flags*/,
             void* context) {
  auto& sink = *static_cast<MatchSink*>(context);
  std::vector<RawMatch>& matches = *sink.matches;
  bool regex = id >= sink.regex_begin && id < sink.regex_end;
  if (regex && !matches.empty() && matches.back().id == id && matches.back().from == from) {
    matches.back().to = static_cast<std::size_t>(to);
    return 0;
  }
  matches.push_back({id, static_cast<std::size_t>(from), static_cast<std::size_t>(to)});
  return 0;
}

bool continuation_byte(char c) {
  return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

// A custom pattern works on bytes and may cut a character in two: take it whole.
Span whole_characters(std::string_view text, std::size_t begin, std::size_t end) {
  while (begin > 0 && continuation_byte(text[begin])) --begin;
  while (end < text.size() && continuation_byte(text[end])) ++end;
  return {begin, end};
}

// Every finding a match stands for: one per enabled probe that reads a value there.
void read_match(const Scanner::Impl& impl, const RawMatch& match, std::string_view text,
                std::vector<Finding>& candidates) {
  const PatternRoute& route = impl.routes[match.id];
  Span span;
  switch (route.kind) {
    case PatternRoute::Kind::builtin:
      for (const Probe& probe : route.pattern->probes) {
        if (!impl.entities[id_of(probe.entity)].enabled) continue;
        if (std::optional<Span> found = probe.extract(text, match.to)) {
          candidates.push_back({id_of(probe.entity), found->begin, found->end});
        }
      }
      return;
    case PatternRoute::Kind::regex:
      span = whole_characters(text, match.from, match.to);
      break;
    case PatternRoute::Kind::word:
      span = whole_characters(text, match.to - route.length, match.to);
      break;
  }
  candidates.push_back({route.entity, span.begin, span.end});
}

struct DigitSink {
  const Scanner::Impl* impl;
  std::string_view text;
  std::vector<Finding>* candidates;
};

// The digit pass's hit: its probes read the value at once (no match list to keep).
void on_digit_pattern(void* context, DigitTrigger trigger, std::size_t end) {
  auto& sink = *static_cast<DigitSink*>(context);
  for (const Probe& probe : sink.impl->digit_probes[static_cast<std::size_t>(trigger)]) {
    if (std::optional<Span> found = probe.extract(sink.text, end)) {
      sink.candidates->push_back({id_of(probe.entity), found->begin, found->end});
    }
  }
}

void run_vectorscan(const Scanner::Impl& impl, std::string_view text) {
  hs_scratch_t* scratch = scratch_for(impl);
  tls.matches.clear();
  MatchSink sink{&tls.matches, impl.regex_begin, impl.regex_end};
  hs_error_t rc = hs_scan(impl.database, text.data(), static_cast<unsigned>(text.size()), 0,
                          scratch, on_match, &sink);
  if (rc != HS_SUCCESS) throw std::runtime_error("pii: Vectorscan scan failed");
  for (const RawMatch& match : tls.matches) read_match(impl, match, text, tls.candidates);
}

}  // namespace

Scanner::Scanner(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Scanner::Scanner(Scanner&&) noexcept = default;
Scanner& Scanner::operator=(Scanner&&) noexcept = default;
Scanner::~Scanner() = default;

Scanner Scanner::build(const ScannerSpec& spec) {
  return Scanner(compile_scanner(spec));
}

void Scanner::scan(std::string_view text, std::vector<Finding>& out) const {
  out.clear();
  if (text.empty()) return;
  if (text.size() > UINT_MAX) throw std::length_error("pii: text over 4 GiB");
  tls.candidates.clear();
  if (impl_->database != nullptr) run_vectorscan(*impl_, text);
  DigitSink sink{impl_.get(), text, &tls.candidates};
  find_digit_patterns(text, impl_->digit_triggers, on_digit_pattern, &sink);
  if (tls.candidates.empty()) return;
  resolve_overlaps(tls.candidates, out);
}

std::span<const EntityInfo> Scanner::entities() const {
  return impl_->entities;
}

std::optional<EntityId> Scanner::find(std::string_view name) const {
  for (std::size_t i = 0; i < impl_->entities.size(); ++i) {
    if (impl_->entities[i].name == name) return static_cast<EntityId>(i);
  }
  return std::nullopt;
}

}  // namespace tollgate::policies::pii
