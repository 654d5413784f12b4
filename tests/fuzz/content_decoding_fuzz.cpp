// Content decoding (gateway/core/content_coding.cpp) inflates what clients and providers
// compress, under a limit so that a small bomb cannot exhaust memory. An input is two
// bytes of limit (little-endian) and a body, decoded in every coding. Checked:
//   - what decodes is never larger than the limit;
//   - the limit only cuts: a body decodes under a limit exactly when its whole decoding
//     fits, and then to the same bytes;
//   - gzip_body's output decodes back to its input, and not under a limit one byte short.
#include <cstddef>
#include <cstdint>
#include <optional>
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

  for (Coding coding :
       {Coding::identity, Coding::gzip, Coding::deflate, Coding::br, Coding::unsupported}) {
    std::optional<std::string> limited = decode_body(coding, body, limit);
    if (limited) FUZZ_CHECK(limited->size() <= limit);
    std::optional<std::string> whole = decode_body(coding, body, kWholeLimit);
    if (whole) FUZZ_CHECK(whole->size() <= kWholeLimit);
    if (whole && whole->size() <= limit) {
      FUZZ_CHECK(limited && *limited == *whole);
    } else {
      FUZZ_CHECK(!limited);
    }
  }

  std::string compressed = tollgate::core::gzip_body(body);
  std::optional<std::string> back = decode_body(Coding::gzip, compressed, body.size());
  FUZZ_CHECK(back && *back == body);
  if (!body.empty()) FUZZ_CHECK(!decode_body(Coding::gzip, compressed, body.size() - 1));

  // Header values: parsed, never trusted.
  (void)tollgate::core::parse_coding(body);
  (void)tollgate::core::accepts_gzip(body);
  return 0;
}
