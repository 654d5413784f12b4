#include "policies/pii/actions.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <stdexcept>

namespace tollgate::policies::pii {

namespace {

bool rewrites(Action action) {
  return action == Action::mask || action == Action::redact || action == Action::hash ||
         action == Action::pseudonymize;
}

void append_replacement(std::string& out, Action action, std::string_view tag,
                        std::string_view value, const ActionPolicy& policy,
                        Pseudonyms& pseudonyms) {
  switch (action) {
    case Action::mask:
      out.append("[").append(tag).append("]");
      return;
    case Action::redact:
      return;
    case Action::hash:
      out.append(hash_tag(tag, policy.hash_key, value));
      return;
    case Action::pseudonymize:
      out.append(pseudonyms.placeholder(tag, value));
      return;
    default:
      out.append(value);
      return;
  }
}

}  // namespace

std::string hash_tag(std::string_view tag, std::string_view key, std::string_view value) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int length = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(value.data()), value.size(), mac.data(),
           &length) == nullptr ||
      length < 6) {
    throw std::runtime_error("pii: HMAC-SHA256 failed");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "[" + std::string(tag) + "_";
  for (int i = 0; i < 6; ++i) {
    out += kHex[mac[i] >> 4];
    out += kHex[mac[i] & 0xf];
  }
  return out + "]";
}

Applied apply_actions(std::string_view text, std::span<const Finding> findings,
                      std::span<const EntityInfo> entities, const ActionPolicy& policy,
                      Pseudonyms& pseudonyms, std::string& out) {
  Applied applied;
  bool any_rewrite = false;
  for (const Finding& finding : findings) {
    Action action = policy.of(finding.entity);
    if (action == Action::block) {
      applied.blocked = finding.entity;
      return applied;
    }
    any_rewrite = any_rewrite || rewrites(action);
  }
  if (!any_rewrite) return applied;
  out.clear();
  out.reserve(text.size());
  std::size_t copied = 0;
  for (const Finding& finding : findings) {
    Action action = policy.of(finding.entity);
    if (!rewrites(action) || finding.begin < copied || finding.end > text.size() ||
        finding.entity >= entities.size()) {
      continue;
    }
    out.append(text.substr(copied, finding.begin - copied));
    append_replacement(out, action, entities[finding.entity].tag,
                       text.substr(finding.begin, finding.end - finding.begin), policy, pseudonyms);
    copied = finding.end;
  }
  out.append(text.substr(copied));
  applied.changed = true;
  return applied;
}

}  // namespace tollgate::policies::pii
