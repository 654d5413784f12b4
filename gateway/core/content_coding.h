// gzip/deflate/brotli for bodies the gateway must read (a provider's compressed answer,
// a client's compressed request) and gzip for answers to clients that accept it.
// zlib and brotli come from Debian; nothing hand-rolled.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tollgate::core {

enum class Coding { identity, gzip, deflate, br, unsupported };

Coding parse_coding(std::string_view content_encoding);

// Decodes `body`; nullopt when it is corrupt or would exceed `max_bytes` decoded (a
// zip bomb must not exhaust memory).
std::optional<std::string> decode_body(Coding coding, std::string_view body, std::size_t max_bytes);

// gzip at a fast level: small answers are not worth the CPU of a high one.
std::string gzip_body(std::string_view body);

// True when an Accept-Encoding value admits gzip (q > 0).
bool accepts_gzip(std::string_view accept_encoding);

}  // namespace tollgate::core
