// zlib (gzip, deflate) and brotli decoders with an output cap, and a gzip encoder.
#include "gateway/core/content_coding.h"

#include <brotli/decode.h>
#include <zlib.h>

#include "gateway/core/headers.h"

namespace tollgate::core {

Coding parse_coding(std::string_view value) {
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  if (value.empty() || iequals(value, "identity")) return Coding::identity;
  if (iequals(value, "gzip") || iequals(value, "x-gzip")) return Coding::gzip;
  if (iequals(value, "deflate")) return Coding::deflate;
  if (iequals(value, "br")) return Coding::br;
  return Coding::unsupported;
}

namespace {

std::optional<std::string> inflate_body(std::string_view body, std::size_t max_bytes, int window) {
  z_stream zs{};
  if (inflateInit2(&zs, window) != Z_OK) return std::nullopt;
  std::string out;
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(body.data()));
  zs.avail_in = static_cast<uInt>(body.size());
  char buffer[16384];
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    zs.next_out = reinterpret_cast<Bytef*>(buffer);
    zs.avail_out = sizeof buffer;
    rc = inflate(&zs, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) break;
    out.append(buffer, sizeof buffer - zs.avail_out);
    if (out.size() > max_bytes) break;
    if (rc == Z_OK && zs.avail_in == 0 && zs.avail_out != 0) break;  // truncated input
  }
  inflateEnd(&zs);
  if (rc != Z_STREAM_END || out.size() > max_bytes) return std::nullopt;
  return out;
}

std::optional<std::string> brotli_body(std::string_view body, std::size_t max_bytes) {
  BrotliDecoderState* state = BrotliDecoderCreateInstance(nullptr, nullptr, nullptr);
  if (state == nullptr) return std::nullopt;
  std::string out;
  auto next_in = reinterpret_cast<const uint8_t*>(body.data());
  std::size_t avail_in = body.size();
  BrotliDecoderResult rc = BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT;
  uint8_t buffer[16384];
  while (rc == BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT && out.size() <= max_bytes) {
    uint8_t* next_out = buffer;
    std::size_t avail_out = sizeof buffer;
    rc = BrotliDecoderDecompressStream(state, &avail_in, &next_in, &avail_out, &next_out, nullptr);
    out.append(reinterpret_cast<char*>(buffer), sizeof buffer - avail_out);
  }
  BrotliDecoderDestroyInstance(state);
  if (rc != BROTLI_DECODER_RESULT_SUCCESS || out.size() > max_bytes) return std::nullopt;
  return out;
}

}  // namespace

std::optional<std::string> decode_body(Coding coding, std::string_view body,
                                       std::size_t max_bytes) {
  switch (coding) {
    case Coding::identity:
      if (body.size() > max_bytes) return std::nullopt;
      return std::string(body);
    case Coding::gzip:
      return inflate_body(body, max_bytes, 15 + 16);
    case Coding::deflate:
      return inflate_body(body, max_bytes, 15);
    case Coding::br:
      return brotli_body(body, max_bytes);
    case Coding::unsupported:
      return std::nullopt;
  }
  return std::nullopt;
}

std::string gzip_body(std::string_view body) {
  z_stream zs{};
  deflateInit2(&zs, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&zs, static_cast<uLong>(body.size())), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(body.data()));
  zs.avail_in = static_cast<uInt>(body.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

bool accepts_gzip(std::string_view accept) {
  while (!accept.empty()) {
    std::size_t comma = accept.find(',');
    std::string_view item = accept.substr(0, comma);
    accept = comma == std::string_view::npos ? std::string_view{} : accept.substr(comma + 1);
    std::size_t semi = item.find(';');
    std::string_view coding = item.substr(0, semi);
    while (!coding.empty() && coding.front() == ' ') coding.remove_prefix(1);
    while (!coding.empty() && coding.back() == ' ') coding.remove_suffix(1);
    if (!iequals(coding, "gzip") && coding != "*") continue;
    if (semi == std::string_view::npos) return true;
    std::string_view params = item.substr(semi + 1);
    std::size_t q = params.find("q=");
    if (q == std::string_view::npos) return true;
    std::string_view value = params.substr(q + 2);
    // q=0, q=0.0, q=0.000 refuse; anything else accepts.
    return value.find_first_not_of("0. ") != std::string_view::npos &&
           value.find_first_not_of("0. ") < value.find_first_of(",; ");
  }
  return false;
}

}  // namespace tollgate::core
