// The multipart/form-data model reader (gateway/core/multipart_model.cpp) reads every
// upload's body from a client before it is routed. Input: the content type up to the
// first LF, then the body. Checked:
//   - a body it accepts has its model at the range it reports, 1 to 256 printable bytes,
//     after a part head's blank line and before a delimiter;
//   - the body with that value spliced to another model reads back as exactly that model
//     (what the provider is sent routes the same way), and every other byte is kept;
//   - a refusal always says why.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "gateway/core/multipart_model.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

namespace core = tollgate::core;

#define CHECK(cond)                                                          \
  do {                                                                       \
    if (!(cond)) tollgate::fuzz::property_failed(#cond, __FILE__, __LINE__); \
  } while (false)

bool printable(std::string_view s) {
  for (char c : s) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::size_t eol = input.find('\n');
  if (eol == std::string_view::npos) return 0;
  std::string_view content_type = input.substr(0, eol);
  std::string_view body = input.substr(eol + 1);

  core::MultipartModel found = core::read_multipart_model(content_type, body);
  if (!found.ok) {
    CHECK(!found.error.empty());
    return 0;
  }
  CHECK(found.value.offset <= body.size());
  CHECK(found.value.length <= body.size() - found.value.offset);
  std::string_view value = body.substr(found.value.offset, found.value.length);
  CHECK(value == found.model);
  CHECK(!value.empty() && value.size() <= core::kMaxMultipartModelBytes && printable(value));
  CHECK(body.substr(0, found.value.offset).ends_with("\r\n"));
  std::string delimiter = "\r\n--" + std::string(core::multipart_boundary(content_type));
  CHECK(body.substr(found.value.offset + found.value.length).starts_with(delimiter));

  constexpr std::string_view kOther = "spliced-model";
  std::string spliced = core::splice_range(body, found.value, kOther);
  CHECK(spliced.size() == body.size() - value.size() + kOther.size());
  CHECK(std::string_view(spliced).substr(0, found.value.offset) ==
        body.substr(0, found.value.offset));
  CHECK(std::string_view(spliced).substr(found.value.offset + kOther.size()) ==
        body.substr(found.value.offset + found.value.length));
  core::MultipartModel again = core::read_multipart_model(content_type, spliced);
  CHECK(again.ok);
  CHECK(again.model == kOther);
  CHECK(again.value.offset == found.value.offset);
  return 0;
}
