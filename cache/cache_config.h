// The `cache:` section, read once per config snapshot with file:line:key errors: whose
// answers a caller may get (scope), where entries live (store), the exact and semantic
// lookups and the requests never looked up or stored (docs/cache.md).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "gateway/core/config.h"
#include "gateway/core/config_reader.h"

namespace tollgate::cache {

enum class Scope { key, user, team, global };
enum class StoreKind { memory, redis };

struct SemanticSettings {
  std::chrono::seconds ttl{24 * 3600};
  double threshold = 0.92;     // cosine similarity; a request may raise it, never lower it
  std::string embedder_model;  // empty: builtin
  // The whole embeddings call (retries and fallbacks included); past it, a miss.
  core::Duration embedder_timeout{1000};
  std::size_t max_entries = 200000;
  std::size_t index_above = 2048;  // a context's vectors are scanned flat up to this many
  bool hnsw = false;               // past it: LSH bands, or an HNSW graph
};

struct CacheSettings {
  bool enabled = false;  // a `cache:` section is present
  Scope scope = Scope::key;
  StoreKind store = StoreKind::memory;
  std::uint64_t max_bytes = 268435456;
  std::chrono::seconds exact_ttl{3600};
  std::optional<SemanticSettings> semantic;
  bool skip_tools = true;
  double skip_temperature_above = 1.0;
};

std::string_view scope_name(Scope scope);

// Reads `cache:` (absent: the cache is off). Throws core::ConfigError.
CacheSettings read_cache_settings(const core::ConfigReader& reader, const core::Config& config);

}  // namespace tollgate::cache
