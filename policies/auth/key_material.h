// API keys as the gateway handles them: only their SHA-256 is ever kept, compared in
// constant time; new keys come from the OS's CSPRNG.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "gateway/core/headers.h"
#include "gateway/core/sha256.h"

namespace tollgate::policies::auth {

// Lowercase hex SHA-256 of a key: what configs and key stores hold.
using core::sha256_hex;

// "sha256:<64 hex digits>" → the lowercase hex; nullopt when malformed.
std::optional<std::string> parse_hash_spec(std::string_view spec);

// Equal without an early exit (OpenSSL's CRYPTO_memcmp).
bool constant_time_equal(std::string_view a, std::string_view b);

// A new key: "tg-" and 43 characters of base64url (256 random bits).
std::string generate_api_key();

// The key the client sent: `Authorization: Bearer <key>`, `x-api-key`, or Azure's
// `api-key`. Empty when none.
std::string_view presented_key(const core::Headers& headers);

}  // namespace tollgate::policies::auth
