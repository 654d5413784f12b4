// SHA-256 as lowercase hex: API key digests on every request, the audit log's hash chain,
// the loaded config's hash.
#pragma once

#include <string>
#include <string_view>

namespace tollgate::core {

std::string sha256_hex(std::string_view data);

}  // namespace tollgate::core
