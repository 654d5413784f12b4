// The escape decoder the pii stage runs over whole answers before deciding to parse them
// (policies/common/json_escapes.cpp): a provider's bytes, so the attacker's. Checked
// against Boost.JSON's own decoding:
//   - any bytes: no crash, no read past the end;
//   - the input as a JSON string value, serialized by Boost.JSON (escapes of every kind),
//     decodes back to the quotes around exactly the input;
//   - an input Boost.JSON parses as one string decodes to the quotes around its value.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <boost/json.hpp>

#include "policies/common/json_escapes.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string decoded;
  (void)tollgate::policies::decode_json_escapes(input, decoded);

  std::string serialized = boost::json::serialize(boost::json::value(boost::json::string(input)));
  if (!tollgate::policies::decode_json_escapes(serialized, decoded)) {
    FUZZ_CHECK(false && "what Boost.JSON wrote decodes");
  }
  FUZZ_CHECK(decoded == "\"" + std::string(input) + "\"");

  boost::system::error_code error;
  boost::json::value parsed = boost::json::parse(input, error);
  if (!error && parsed.is_string()) {
    std::string_view trimmed = input;
    while (!trimmed.empty() && (trimmed.front() == ' ' || trimmed.front() == '\t' ||
                                trimmed.front() == '\n' || trimmed.front() == '\r')) {
      trimmed.remove_prefix(1);
    }
    while (!trimmed.empty() && (trimmed.back() == ' ' || trimmed.back() == '\t' ||
                                trimmed.back() == '\n' || trimmed.back() == '\r')) {
      trimmed.remove_suffix(1);
    }
    FUZZ_CHECK(tollgate::policies::decode_json_escapes(trimmed, decoded));
    FUZZ_CHECK(decoded == "\"" + std::string(parsed.get_string()) + "\"");
  }
  return 0;
}
