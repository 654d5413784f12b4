// What the digit pass (policies/pii/scanner_digits.h) must report, by Vectorscan: a
// digit pattern's expression compiled alone, its match ends on a text. Shared by the unit
// test and the pii_digit_pass fuzz target.
//
// The text is fed one byte at a time in streaming mode: Debian's Vectorscan 5.4.9 misses
// some matches of these expressions in block mode, depending on where the text lies in
// memory ("x" * 100 + " 10.1.2.3 " goes unmatched at most 16-byte offsets); byte by byte
// it has no run to skip over and finds them all.
#pragma once

#include <hs/hs.h>

#include <cstddef>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>

#include "policies/pii/scanner_digits.h"

namespace tollgate::policies::pii {

class DigitReference {
 public:
  explicit DigitReference(const char* expression) {
    hs_compile_error_t* error = nullptr;
    if (hs_compile(expression, 0, HS_MODE_STREAM, nullptr, &database_, &error) != HS_SUCCESS) {
      std::string message = error != nullptr ? error->message : "?";
      hs_free_compile_error(error);
      throw std::runtime_error("Vectorscan refused " + std::string(expression) + ": " + message);
    }
    if (hs_alloc_scratch(database_, &scratch_) != HS_SUCCESS) throw std::bad_alloc();
  }
  DigitReference(const DigitReference&) = delete;
  DigitReference& operator=(const DigitReference&) = delete;
  ~DigitReference() {
    hs_free_scratch(scratch_);
    hs_free_database(database_);
  }

  std::set<std::size_t> ends(std::string_view text) const {
    std::set<std::size_t> out;
    auto on_match = [](unsigned, unsigned long long, unsigned long long to, unsigned,
                       void* context) {
      static_cast<std::set<std::size_t>*>(context)->insert(static_cast<std::size_t>(to));
      return 0;
    };
    hs_stream_t* stream = nullptr;
    if (hs_open_stream(database_, 0, &stream) != HS_SUCCESS) throw std::bad_alloc();
    for (char c : text) hs_scan_stream(stream, &c, 1, 0, scratch_, on_match, &out);
    hs_close_stream(stream, scratch_, on_match, &out);
    return out;
  }

 private:
  hs_database_t* database_ = nullptr;
  hs_scratch_t* scratch_ = nullptr;
};

// The digit pass's ends for one pattern; `repeated` is set when it reports an end twice.
inline std::set<std::size_t> digit_pass_ends(std::string_view text, DigitTrigger trigger,
                                             bool& repeated) {
  struct Sink {
    std::set<std::size_t> ends;
    bool repeated = false;
  } sink;
  auto on_hit = [](void* context, DigitTrigger, std::size_t end) {
    auto& s = *static_cast<Sink*>(context);
    s.repeated = !s.ends.insert(end).second || s.repeated;
  };
  find_digit_patterns(text, bit_of(trigger), on_hit, &sink);
  repeated = sink.repeated;
  return sink.ends;
}

}  // namespace tollgate::policies::pii
