// The Azure OpenAI dialect: OpenAI's bodies at Azure's addresses
// ({base_url}/openai/deployments/{deployment}/chat/completions?api-version=...), with the
// `api-key` header. The target's `model` is the deployment name; `api_version` is
// required in the provider's config.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "gateway/core/provider_registry.h"

namespace tollgate::routing::providers {

struct AzureSettings : core::ProviderSettings {
  std::string api_version;  // required: the api-version query parameter
};

// kind: azure, with its required `api_version`.
core::ProviderKind azure_provider_kind();

// The upstream path and query for one operation ("" when Azure has no such operation
// for a deployment). `base_path` is the base URL's path (no trailing slash).
std::string azure_target(std::string_view base_path, core::Operation operation,
                         std::string_view deployment, std::string_view api_version);

// Azure's error bodies, filled out to OpenAI's shape: some (401, 404, 429 from Azure's
// front door) carry only code and message, and content-filter errors have "type": null.
// Other fields (innererror, status) stay. Bodies that are no JSON object come back as
// they are.
std::string normalize_azure_error(int status, std::string_view body);

}  // namespace tollgate::routing::providers
