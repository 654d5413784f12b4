// `server.cors`: which browser origins may call the public listeners, with which request
// headers, and for how long a browser may cache a preflight's answer.
#pragma once

#include <yaml-cpp/yaml.h>

#include "gateway/core/config.h"
#include "gateway/core/config_reader.h"

namespace tollgate::gateway::config {

// The request headers allowed when `server.cors.headers` is not given: what the openai,
// Anthropic and Vercel AI SDKs send from a browser.
const std::vector<std::string>& default_cors_headers();

// Reads `node` (server.cors) into `cors`. `keys_configured`: the config has API keys, so
// `origins: ["*"]` needs `allow_any_origin_with_keys: true`.
void read_cors(const core::ConfigReader& r, const YAML::Node& node, bool keys_configured,
               core::CorsConfig& cors);

}  // namespace tollgate::gateway::config
