// Content decoding (gateway/core/content_coding.cpp) inflates what clients and providers
// compress, under a limit so that a small bomb cannot exhaust memory. An input is two
// bytes of limit (little-endian) and a body, decoded in every coding. Checked:
//   - what decodes is never larger than the limit;
//   - the limit only cuts: a body decodes under a limit exactly when its whole decoding
//     fits, and then to the same bytes;
//   - gzip_body's output decodes back to its input, and not under a limit one byte short.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "gateway/core/content_coding.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

using tollgate::core::Coding;
using tollgate::core::decode_body;

// Far above any limit the input can give (65,535) and still quick to reach: a 16 KiB
// deflate stream inflates to about 16 MiB at most.
constexpr std::size_t kWholeLimit = 1 << 20;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  std::size_t limit = data[0] | (std::size_t{data[1]} << 8);
  std::string_view body(reinterpret_cast<const char*>(data) + 2, size - 2);

  using Outcome = tollgate::core::DecodedBody::Outcome;
  for (Coding coding :
       {Coding::identity, Coding::gzip, Coding::deflate, Coding::br, Coding::unsupported}) {
    tollgate::core::DecodedBody limited = decode_body(coding, body, limit);
    if (limited.outcome == Outcome::ok) FUZZ_CHECK(limited.body.size() <= limit);
    tollgate::core::DecodedBody whole = decode_body(coding, body, kWholeLimit);
    if (whole.outcome == Outcome::ok) FUZZ_CHECK(whole.body.size() <= kWholeLimit);
    if (whole.outcome == Outcome::ok && whole.body.size() <= limit) {
      FUZZ_CHECK(limited.outcome == Outcome::ok && limited.body == whole.body);
    } else if (whole.outcome == Outcome::ok) {
      // It decodes, only not within the limit: that is too large, never corrupt (413).
      FUZZ_CHECK(limited.outcome == Outcome::too_large);
    } else {
      FUZZ_CHECK(limited.outcome != Outcome::ok);
    }
  }

  std::string compressed = tollgate::core::gzip_body(body);
  tollgate::core::DecodedBody back = decode_body(Coding::gzip, compressed, body.size());
  FUZZ_CHECK(back.outcome == Outcome::ok && back.body == body);
  if (!body.empty()) {
    FUZZ_CHECK(decode_body(Coding::gzip, compressed, body.size() - 1).outcome ==
               Outcome::too_large);
  }

  // Header values: parsed, never trusted.
  (void)tollgate::core::parse_coding(body);
  (void)tollgate::core::accepts_gzip(body);
  return 0;
}
