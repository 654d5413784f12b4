// The multipart/form-data model reader: what uploads are routed by.
#include <catch2/catch.hpp>

#include <string>

#include "gateway/core/multipart_model.h"

using namespace tollgate::core;

namespace {

std::string part(std::string_view boundary, std::string_view head, std::string_view value) {
  return "--" + std::string(boundary) + "\r\n" + std::string(head) + "\r\n\r\n" +
         std::string(value) + "\r\n";
}

}  // namespace

TEST_CASE("the model part is found among others, and spliced in place") {
  std::string body = part("b", "Content-Disposition: form-data; name=\"file\"; filename=\"model\"",
                          "name=\"model\"\r\n-- not a delimiter") +
                     part("b", "content-disposition: form-data; name=\"model\"", "whisper-1") +
                     "--b--\r\n";
  MultipartModel found = read_multipart_model("multipart/form-data; boundary=b", body);
  REQUIRE(found.ok);
  REQUIRE(found.model == "whisper-1");
  REQUIRE(body.substr(found.value.offset, found.value.length) == "whisper-1");
  std::string spliced = splice_range(body, found.value, "other");
  REQUIRE(read_multipart_model("multipart/form-data; boundary=b", spliced).model == "other");
}

TEST_CASE("boundaries: quoted, case-insensitive type, bounded") {
  REQUIRE(multipart_boundary("Multipart/Form-Data; charset=x; boundary=\"a b\"") == "a b");
  REQUIRE(multipart_boundary("multipart/form-data; boundary=") == "");
  REQUIRE(multipart_boundary("multipart/form-data; boundary=" + std::string(71, 'x')) == "");
  REQUIRE(multipart_boundary("application/json; boundary=x") == "");
  REQUIRE(is_multipart_form(" multipart/form-data ;boundary=x"));
}

TEST_CASE("refusals: no model, the model twice, a bad value, unterminated, too many parts") {
  const std::string type = "multipart/form-data; boundary=b";
  auto refused = [&](const std::string& body) {
    MultipartModel found = read_multipart_model(type, body);
    return !found.ok && !found.error.empty();
  };
  REQUIRE(refused(part("b", "Content-Disposition: form-data; name=\"file\"", "x") + "--b--"));
  std::string model = part("b", "Content-Disposition: form-data; name=model", "m");
  REQUIRE(refused(model + model + "--b--"));
  REQUIRE(refused(part("b", "Content-Disposition: form-data; name=model", "") + "--b--"));
  REQUIRE(refused(part("b", "Content-Disposition: form-data; name=model", "a\tb") + "--b--"));
  REQUIRE(refused(part("b", "Content-Disposition: form-data; name=model",
                       std::string(kMaxMultipartModelBytes + 1, 'm')) +
                  "--b--"));
  REQUIRE(refused("--b\r\nContent-Disposition: form-data; name=model\r\n\r\nm"));
  REQUIRE(
      refused("--b\r\n" + std::string(kMaxMultipartHeadBytes + 10, 'h') + "\r\n\r\nm\r\n--b--"));
  std::string many;
  for (std::size_t i = 0; i <= kMaxMultipartParts; ++i) many += part("b", "X: y", "v");
  REQUIRE(refused(many + model + "--b--"));
  REQUIRE(!read_multipart_model("multipart/form-data", model + "--b--").ok);
}
