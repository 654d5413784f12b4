#include "policies/auth/configured_keys.h"

#include <set>

#include "gateway/core/config_reader.h"
#include "policies/auth/key_material.h"
#include "policies/common/limit_set_io.h"

namespace tollgate::policies::auth {

namespace {

std::vector<std::string> string_list(const core::ConfigReader& r, const YAML::Node& node,
                                     const std::string& key) {
  std::vector<std::string> out;
  r.each(node, key, [&](const YAML::Node& item, const std::string& item_key) {
    std::string value = r.string_of(item, item_key);
    if (value.empty()) r.fail(item, item_key, "must not be empty");
    out.push_back(std::move(value));
  });
  return out;
}

}  // namespace

ConfiguredKeys ConfiguredKeys::read(const core::Config& config) {
  ConfiguredKeys keys;
  core::ConfigReader r(config);
  keys.residency_ = NamedResidency::read(r, config);
  std::set<std::string> ids;
  r.each(config.root["keys"], "keys", [&](const YAML::Node& entry, const std::string& key) {
    r.require_map(entry, key);  // its keys: the auth stage's registration
    auto principal = std::make_shared<core::Principal>();
    principal->key_id = r.required_string(entry, "id", key);
    if (!ids.insert(principal->key_id).second) {
      r.fail(entry["id"], core::join_key(key, "id"),
             "duplicate key id '" + principal->key_id + "'");
    }
    bool has_hash = r.has(entry["hash"]);
    bool has_key = r.has(entry["key"]);
    if (has_hash == has_key) {
      r.fail(entry, key, "needs exactly one of `hash: sha256:<hex>` or `key:`");
    }
    std::string digest;
    if (has_hash) {
      // The message never repeats the value: a clear key pasted here by mistake is a secret.
      auto parsed = parse_hash_spec(r.string_of(entry["hash"], core::join_key(key, "hash")));
      if (!parsed) {
        r.fail(entry["hash"], core::join_key(key, "hash"),
               "must be sha256: followed by 64 hex digits (see `tollgate key hash`)");
      }
      digest = *parsed;
    } else {
      std::string clear = r.string_of(entry["key"], core::join_key(key, "key"));
      if (clear.size() < 8) r.fail(entry["key"], core::join_key(key, "key"), "is too short");
      digest = sha256_hex(clear);
    }
    if (r.has(entry["user"])) principal->user = r.string_of(entry["user"], key + ".user");
    if (r.has(entry["team"])) principal->team = r.string_of(entry["team"], key + ".team");
    principal->tags = string_list(r, entry["tags"], key + ".tags");
    principal->models = string_list(r, entry["models"], key + ".models");
    principal->limits = read_limit_set(r, entry["limits"], key + ".limits");
    principal->residency = keys.residency_.narrow(
        read_regions(r, entry["residency"], key + ".residency"), principal->user, principal->team);
    warn_uncompliant_models(config, *principal);
    if (keys.by_hash_.contains(digest)) {
      r.fail(entry, key, "the same key is configured twice");
    }
    keys.by_hash_.emplace(std::move(digest), std::move(principal));
  });
  return keys;
}

core::PrincipalPtr ConfiguredKeys::find(const std::string& sha256_hex) const {
  auto it = by_hash_.find(sha256_hex);
  if (it == by_hash_.end() || !constant_time_equal(it->first, sha256_hex)) return nullptr;
  return it->second;
}

}  // namespace tollgate::policies::auth
