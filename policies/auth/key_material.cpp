#include "policies/auth/key_material.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <array>
#include <stdexcept>

namespace tollgate::policies::auth {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::optional<std::string> parse_hash_spec(std::string_view spec) {
  constexpr std::string_view kPrefix = "sha256:";
  if (!spec.starts_with(kPrefix)) return std::nullopt;
  spec.remove_prefix(kPrefix.size());
  if (spec.size() != 64) return std::nullopt;
  std::string out;
  for (char c : spec) {
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return std::nullopt;
    out.push_back(c);
  }
  return out;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string generate_api_key() {
  std::array<unsigned char, 32> random{};
  if (RAND_bytes(random.data(), static_cast<int>(random.size())) != 1) {
    throw std::runtime_error("no randomness available for a new key");
  }
  constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out = "tg-";
  // base64url without padding: 32 bytes → 43 characters.
  std::uint32_t bits = 0;
  int held = 0;
  for (unsigned char byte : random) {
    bits = (bits << 8) | byte;
    held += 8;
    while (held >= 6) {
      held -= 6;
      out.push_back(kAlphabet[(bits >> held) & 0x3f]);
    }
  }
  if (held > 0) out.push_back(kAlphabet[(bits << (6 - held)) & 0x3f]);
  return out;
}

std::string_view presented_key(const core::Headers& headers) {
  std::string_view authorization = trim(headers.get("authorization"));
  if (authorization.size() > 7 && core::iequals(authorization.substr(0, 7), "bearer ")) {
    return trim(authorization.substr(7));
  }
  if (std::string_view key = trim(headers.get("x-api-key")); !key.empty()) return key;
  return trim(headers.get("api-key"));
}

}  // namespace tollgate::policies::auth
