// gzip/deflate/brotli for bodies the gateway must read (a provider's compressed answer,
// a client's compressed request) and gzip for answers to clients that accept it.
// zlib and brotli come from Debian; nothing hand-rolled.
#pragma once

#include <string>
#include <string_view>

namespace tollgate::core {

enum class Coding { identity, gzip, deflate, br, unsupported };

Coding parse_coding(std::string_view content_encoding);

// What decoding a body gave. A client's too_large is a 413, its corrupt body a 400.
struct DecodedBody {
  enum class Outcome { ok, corrupt, too_large };
  Outcome outcome = Outcome::ok;
  std::string body;  // empty unless ok
};

// Decodes `body`, holding at most `max_bytes` + 1 decoded bytes at any time: a zip bomb
// stops there and is too_large, whatever it would have grown to.
DecodedBody decode_body(Coding coding, std::string_view body, std::size_t max_bytes);

// gzip at a fast level: small answers are not worth the CPU of a high one.
std::string gzip_body(std::string_view body);

// True when an Accept-Encoding value admits gzip (q > 0).
bool accepts_gzip(std::string_view accept_encoding);

}  // namespace tollgate::core
