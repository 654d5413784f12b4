#include "policies/common/principal_match.h"

#include <algorithm>

namespace tollgate::policies {

PrincipalMatch read_principal_match(const core::ConfigReader& r, const YAML::Node& item,
                                    const std::string& key) {
  const YAML::Node node = item["match"];
  if (!r.has(node)) r.fail(item, key, "is required: {key_id, user, team or tag: ...}");
  r.check_keys(node, key, {"key_id", "user", "team", "tag"});
  PrincipalMatch match;
  auto field = [&](const char* name, std::string& out) {
    if (r.has(node[name])) out = r.string_of(node[name], key + "." + name);
  };
  field("key_id", match.key_id);
  field("user", match.user);
  field("team", match.team);
  field("tag", match.tag);
  if (match.key_id.empty() && match.user.empty() && match.team.empty() && match.tag.empty()) {
    r.fail(node, key, "needs at least one of key_id, user, team or tag");
  }
  return match;
}

bool PrincipalMatch::matches(const core::Principal* principal) const {
  if (principal == nullptr) return false;
  if (!key_id.empty() && key_id != principal->key_id) return false;
  if (!user.empty() && user != principal->user) return false;
  if (!team.empty() && team != principal->team) return false;
  return tag.empty() ||
         std::find(principal->tags.begin(), principal->tags.end(), tag) != principal->tags.end();
}

}  // namespace tollgate::policies
