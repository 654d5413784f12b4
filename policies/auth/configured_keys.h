// The keys written in the config's `keys:` section, as principals by SHA-256. Immutable
// once built: a reload builds a new set.
#pragma once

#include <string>
#include <unordered_map>

#include "gateway/core/config.h"
#include "gateway/core/principal.h"
#include "policies/auth/residency.h"

namespace tollgate::policies::auth {

class ConfiguredKeys {
 public:
  // Reads config.root["keys"]. Each entry has `id`, exactly one of `hash: sha256:<hex>`
  // or `key:` (clear text, for development with ${ENV}), and optionally user, team, tags,
  // models, limits and residency (narrowed by its user's and team's, from `users:` and
  // `teams:`). Throws core::ConfigError.
  static ConfiguredKeys read(const core::Config& config);

  // The principal whose key hashes to `sha256_hex`, or null.
  core::PrincipalPtr find(const std::string& sha256_hex) const;
  bool empty() const { return by_hash_.empty(); }
  std::size_t size() const { return by_hash_.size(); }
  // The users' and teams' residency, also for keys made through the admin API.
  const NamedResidency& residency() const { return residency_; }

 private:
  // The map finds the entry by the digest; the digest is then compared again in constant
  // time, so timing depends only on a hash the attacker cannot steer toward a real key.
  std::unordered_map<std::string, core::PrincipalPtr> by_hash_;
  NamedResidency residency_;
};

}  // namespace tollgate::policies::auth
