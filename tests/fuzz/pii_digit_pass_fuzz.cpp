// The pii scanner's digit pass (policies/pii/scanner_digits.h) stands in for Vectorscan on
// the patterns that start at digits and colons. Checked, for every such pattern and any
// bytes: the pass reports each end once, and exactly the ends Vectorscan reports for the
// pattern's regular expression.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <set>
#include <string_view>
#include <vector>

#include "policies/pii/scanner_digits.h"
#include "tests/fuzz/fuzz_support.h"
#include "tests/unit/policies/pii/digit_reference.h"

namespace {

using namespace tollgate::policies::pii;

const std::vector<std::unique_ptr<DigitReference>>& references() {
  static const auto built = [] {
    std::vector<std::unique_ptr<DigitReference>> all;
    for (const DigitPattern& pattern : digit_patterns())
      all.push_back(std::make_unique<DigitReference>(pattern.equivalent));
    return all;
  }();
  return built;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::span<const DigitPattern> patterns = digit_patterns();
  for (std::size_t i = 0; i < patterns.size(); ++i) {
    bool repeated = false;
    std::set<std::size_t> mine = digit_pass_ends(text, patterns[i].trigger, repeated);
    std::set<std::size_t> expected = references()[i]->ends(text);
    FUZZ_CHECK(!repeated);
    if (mine != expected) std::fprintf(stderr, "pattern %s\n", patterns[i].equivalent);
    FUZZ_CHECK(mine == expected);
  }
  return 0;
}
