// What the pii scanner can find (entities) and what the stage may do with a finding
// (actions): names as the config spells them, tags as placeholders show them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tollgate::policies::pii {

// An entity's index in Scanner::entities(): the built-in ones first, always at these
// numbers (whether a scanner looks for them or not), then the custom ones in spec order.
using EntityId = std::uint16_t;

enum class Builtin : EntityId {
  email,
  phone,
  card,
  iban,
  ssn,
  ipv4,
  ipv6,
  secret,
  url_credentials,
};
inline constexpr std::size_t kBuiltinCount = 9;

constexpr EntityId id_of(Builtin entity) {
  return static_cast<EntityId>(entity);
}

// "email", "url_credentials", ...
std::string_view builtin_name(Builtin entity);
std::optional<Builtin> parse_builtin(std::string_view name);

// The placeholder tag of an entity name: upper-cased ("employee_id" → "EMPLOYEE_ID").
std::string tag_of(std::string_view name);

// A custom entity's name: lower-case letters, digits and '_', starting with a letter,
// 1 to 64 bytes; it becomes a placeholder tag and a metric label.
bool valid_entity_name(std::string_view name);

// What replaces a finding (docs/pii.md). `none` is never read from a config: it marks an
// entity that one request's policy leaves out (an override scanning less than the
// scanner does), so its findings are dropped.
enum class Action : std::uint8_t { none, detect, mask, redact, hash, pseudonymize, block };

std::string_view action_name(Action action);
// The config's spelling; `none` is not one.
std::optional<Action> parse_action(std::string_view name);

}  // namespace tollgate::policies::pii
