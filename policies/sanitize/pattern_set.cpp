#include "policies/sanitize/pattern_set.h"

#include <hs/hs.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <limits>
#include <vector>

namespace tollgate::policies::sanitize {

namespace {

// One scratch space per thread, shared by every PatternSet: hs_alloc_scratch grows it to
// fit each database it meets. That call is not free even when the space already fits (it
// walks the database: a third of a request's CPU when it ran per scan), so each thread
// remembers which databases its space was grown for and calls it once per database.
struct Scratch {
  hs_scratch_t* space = nullptr;
  std::vector<std::uint64_t> fits;  // serials; bounded: cleared past kMaxRemembered
  ~Scratch() { hs_free_scratch(space); }
};
constexpr std::size_t kMaxRemembered = 64;  // databases live until a reload replaces them

hs_scratch_t* thread_scratch(const hs_database_t* database, std::uint64_t serial) {
  thread_local Scratch scratch;
  if (std::find(scratch.fits.begin(), scratch.fits.end(), serial) != scratch.fits.end())
    return scratch.space;
  if (hs_alloc_scratch(database, &scratch.space) != HS_SUCCESS) return nullptr;
  if (scratch.fits.size() >= kMaxRemembered) scratch.fits.clear();
  scratch.fits.push_back(serial);
  return scratch.space;
}

// Databases are told apart by a serial, never by address: a reload may free one and
// compile the next at the same address.
std::atomic<std::uint64_t> next_serial{1};

struct MatchContext {
  bool (*callback)(unsigned, void*);
  void* context;
};

int on_hs_match(unsigned id, unsigned long long, unsigned long long, unsigned, void* context) {
  auto* match = static_cast<MatchContext*>(context);
  return match->callback(id, match->context) ? 0 : 1;  // non-zero stops the scan
}

}  // namespace

PatternSet::PatternSet(const std::vector<PatternSpec>& specs) : serial_(next_serial++) {
  std::vector<const char*> expressions;
  std::vector<unsigned> flags;
  std::vector<unsigned> ids;
  for (const auto& spec : specs) {
    expressions.push_back(spec.expression.c_str());
    // Each pattern reports once per text: a verdict needs no more, and a text full of
    // matches cannot make the callback run once per byte. UTF-8 mode (`.` is a code
    // point) without HS_FLAG_UCP: Vectorscan refuses \b with Unicode classes, and word
    // boundaries matter more in deny patterns than caseless non-ASCII letters.
    unsigned f = HS_FLAG_SINGLEMATCH | HS_FLAG_UTF8;
    if (spec.caseless) f |= HS_FLAG_CASELESS;
    flags.push_back(f);
    ids.push_back(spec.id);
  }
  hs_compile_error_t* error = nullptr;
  hs_error_t status = hs_compile_multi(expressions.data(), flags.data(), ids.data(),
                                       static_cast<unsigned>(specs.size()), HS_MODE_BLOCK, nullptr,
                                       &database_, &error);
  if (status != HS_SUCCESS) {
    std::string message = error != nullptr ? error->message : "cannot be compiled";
    std::size_t index = error != nullptr && error->expression >= 0
                            ? static_cast<std::size_t>(error->expression)
                            : 0;
    hs_free_compile_error(error);
    throw PatternError(index, message);
  }
  // Make this thread's scratch fit now, so a bad database fails at load, not per request.
  if (thread_scratch(database_, serial_) == nullptr) {
    hs_free_database(database_);
    throw PatternError(0, "no scratch space for the patterns");
  }
}

PatternSet::~PatternSet() {
  hs_free_database(database_);
}

bool PatternSet::scan_raw(std::string_view text, Callback callback, void* context) const {
  hs_scratch_t* scratch = thread_scratch(database_, serial_);
  // hs_scan takes an unsigned length; texts are bounded by the body limit far below it.
  if (scratch == nullptr || text.size() > std::numeric_limits<unsigned>::max()) return false;
  MatchContext match{callback, context};
  hs_error_t status = hs_scan(database_, text.data(), static_cast<unsigned>(text.size()), 0,
                              scratch, on_hs_match, &match);
  return status == HS_SUCCESS || status == HS_SCAN_TERMINATED;
}

}  // namespace tollgate::policies::sanitize
