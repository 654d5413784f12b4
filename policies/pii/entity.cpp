#include "policies/pii/entity.h"

#include <array>

namespace tollgate::policies::pii {

namespace {

constexpr std::array<std::string_view, kBuiltinCount> kBuiltinNames = {
    "email", "phone", "card", "iban", "ssn", "ipv4", "ipv6", "secret", "url_credentials",
};

constexpr std::array<std::string_view, 7> kActionNames = {
    "none", "detect", "mask", "redact", "hash", "pseudonymize", "block",
};

}  // namespace

std::string_view builtin_name(Builtin entity) {
  return kBuiltinNames.at(id_of(entity));
}

std::optional<Builtin> parse_builtin(std::string_view name) {
  for (std::size_t i = 0; i < kBuiltinNames.size(); ++i) {
    if (kBuiltinNames[i] == name) return static_cast<Builtin>(i);
  }
  return std::nullopt;
}

std::string tag_of(std::string_view name) {
  std::string tag(name);
  for (char& c : tag) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return tag;
}

bool valid_entity_name(std::string_view name) {
  if (name.empty() || name.size() > 64 || name.front() < 'a' || name.front() > 'z') return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

std::string_view action_name(Action action) {
  return kActionNames.at(static_cast<std::size_t>(action));
}

std::optional<Action> parse_action(std::string_view name) {
  for (std::size_t i = 1; i < kActionNames.size(); ++i) {
    if (kActionNames[i] == name) return static_cast<Action>(i);
  }
  return std::nullopt;
}

}  // namespace tollgate::policies::pii
