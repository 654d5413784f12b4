// StoredKey ↔ JSON and → Principal, shared by both key stores and the admin API.
#include <boost/json.hpp>

#include "policies/auth/key_store.h"
#include "policies/common/limit_set_io.h"

namespace tollgate::policies::auth {

core::PrincipalPtr principal_of(const state::StoredKey& key) {
  auto principal = std::make_shared<core::Principal>();
  principal->key_id = key.id;
  principal->user = key.user;
  principal->team = key.team;
  principal->tags = key.tags;
  principal->models = key.models;
  principal->from_admin_api = true;
  boost::system::error_code ec;
  boost::json::value limits = boost::json::parse(key.limits_json, ec);
  if (!ec) {
    try {
      principal->limits = limit_set_from_json(limits);
    } catch (const std::invalid_argument&) {
      // Validated when the key was made; a hand-edited row keeps no limits rather than
      // locking its owner out.
    }
  }
  return principal;
}

std::string stored_key_json(const state::StoredKey& key, bool with_hash) {
  boost::json::object out;
  out["id"] = key.id;
  if (with_hash) out["sha256"] = key.sha256_hex;
  out["user"] = key.user;
  out["team"] = key.team;
  boost::json::array tags, models;
  for (const auto& t : key.tags) tags.emplace_back(t);
  for (const auto& m : key.models) models.emplace_back(m);
  out["tags"] = std::move(tags);
  out["models"] = std::move(models);
  boost::system::error_code ec;
  boost::json::value limits = boost::json::parse(key.limits_json, ec);
  out["limits"] = ec ? boost::json::value(boost::json::object()) : limits;
  out["created_at"] = key.created_at;
  out["revoked_at"] = key.revoked_at ? boost::json::value(*key.revoked_at) : nullptr;
  return boost::json::serialize(out);
}

std::optional<state::StoredKey> stored_key_from_json(std::string_view json) {
  boost::system::error_code ec;
  boost::json::value value = boost::json::parse(json, ec);
  if (ec || !value.is_object()) return std::nullopt;
  const auto& o = value.as_object();
  auto text = [&](const char* name) -> std::string {
    auto* v = o.if_contains(name);
    return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
  };
  auto strings = [&](const char* name) {
    std::vector<std::string> out;
    if (auto* v = o.if_contains(name); v != nullptr && v->is_array()) {
      for (const auto& item : v->as_array()) {
        if (item.is_string()) out.emplace_back(item.as_string());
      }
    }
    return out;
  };
  state::StoredKey key;
  key.id = text("id");
  key.sha256_hex = text("sha256");
  key.user = text("user");
  key.team = text("team");
  key.tags = strings("tags");
  key.models = strings("models");
  if (auto* v = o.if_contains("limits")) key.limits_json = boost::json::serialize(*v);
  if (auto* v = o.if_contains("created_at"); v != nullptr && v->is_int64()) {
    key.created_at = v->as_int64();
  }
  if (auto* v = o.if_contains("revoked_at"); v != nullptr && v->is_int64()) {
    key.revoked_at = v->as_int64();
  }
  if (key.id.empty()) return std::nullopt;
  return key;
}

}  // namespace tollgate::policies::auth
