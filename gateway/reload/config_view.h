// GET /admin/config: the configuration serving now, as JSON, with its secrets masked
// (provider keys, client keys and their hashes, the admin key, the pii hash key,
// passwords in URLs), the files it was read from with their SHA-256, and when it was
// loaded: what an operator checks after a reload.
#pragma once

#include <string>

#include "gateway/reload/reloader.h"

namespace tollgate::gateway::reload {

std::string config_view_json(const LoadedConfig& loaded);

// Whether a config key names a secret ("api_key", "admin_key", "password", "x-api-key").
bool secret_key_name(std::string_view name);
// "redis://:pw@host:6379" → "redis://:****@host:6379"; other text unchanged.
std::string mask_url_password(std::string_view text);

}  // namespace tollgate::gateway::reload
