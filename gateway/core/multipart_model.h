// Reads the `model` field of a multipart/form-data body (RFC 7578) and nothing else: the
// audio and image-edit endpoints are routed by it, and the body goes upstream as the
// client sent it (only the model part's value replaced when the target's name differs).
// Client bytes: the boundary, the parts, each part's head and the value are all bounded.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "gateway/core/request_json.h"

namespace tollgate::core {

// Bounds of the reader: more parts, a longer part head or a longer model value is a 400.
inline constexpr std::size_t kMaxMultipartParts = 256;
inline constexpr std::size_t kMaxMultipartHeadBytes = 8 * 1024;
inline constexpr std::size_t kMaxMultipartModelBytes = 256;

// Whether `content_type` is multipart/form-data (any parameters).
bool is_multipart_form(std::string_view content_type);

// The boundary parameter of a multipart/form-data content type (quotes removed), or empty
// when there is none or it breaks RFC 2046 (1 to 70 characters).
std::string_view multipart_boundary(std::string_view content_type);

struct MultipartModel {
  bool ok = false;
  std::string error;  // why not, for a 400 message naming `model`
  std::string model;
  ByteRange value;  // the model part's raw value in the body
};

// Finds the one part named "model". Refuses a body whose parts cannot be delimited, a
// model part twice (the gateway and a provider could read different ones), an empty or
// over-long model, and a body without one.
MultipartModel read_multipart_model(std::string_view content_type, std::string_view body);

// `body` with the bytes at `range` replaced by `replacement`.
std::string splice_range(std::string_view body, ByteRange range, std::string_view replacement);

}  // namespace tollgate::core
