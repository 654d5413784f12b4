// RedisScript: EVALSHA names a script by the SHA1 of its source, as Redis computes it.
#include <array>
#include <stdexcept>

#include <openssl/evp.h>

#include "state/redis/redis_client.h"

namespace tollgate::state {

namespace {

std::string sha1_hex(const std::string& text) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  if (EVP_Digest(text.data(), text.size(), digest.data(), &size, EVP_sha1(), nullptr) != 1) {
    throw std::runtime_error("SHA1 of a redis script failed");
  }
  constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (unsigned int i = 0; i < size; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 0x0f];
  }
  return out;
}

}  // namespace

RedisScript::RedisScript(std::string source_text)
    : source(std::move(source_text)), sha1(sha1_hex(source)) {}

}  // namespace tollgate::state
