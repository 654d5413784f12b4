// SHA-256 as lowercase hex: API key digests on every request, the audit log's hash chain,
// the loaded config's hash.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

namespace tollgate::core {

std::string sha256_hex(std::string_view data);
// The digest of the pieces one after another, without joining them first.
std::string sha256_hex(std::initializer_list<std::string_view> pieces);

}  // namespace tollgate::core
