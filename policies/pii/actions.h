// Applying a request's actions to the findings in one text: a pure function from text and
// findings to the new text (or to "block"), so the stage's hooks stay thin and the rules
// are tested without a request.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "policies/pii/entity.h"
#include "policies/pii/pseudonyms.h"
#include "policies/pii/scanner.h"

namespace tollgate::policies::pii {

// What one request does with each entity: by EntityId (Scanner::entities()); an id past
// the end, or Action::none, drops the finding (an override that scans less).
struct ActionPolicy {
  std::vector<Action> by_entity;
  std::string hash_key;  // HMAC key of the hash action

  Action of(EntityId entity) const {
    return entity < by_entity.size() ? by_entity[entity] : Action::none;
  }
};

struct Applied {
  bool changed = false;  // `out` holds the new text
  // A finding whose action is block: the first one. Nothing was written; the stage
  // answers 400 pii_blocked naming this entity, never the value.
  std::optional<EntityId> blocked;
};

// Writes `text` with each finding replaced as its action says to `out`:
//   mask "[EMAIL]", redact "", hash "[EMAIL_" + 12 hex of HMAC-SHA256(hash_key, value) + "]",
//   pseudonymize "[EMAIL_1]" (through `pseudonyms`), detect and none unchanged.
// `findings` as Scanner::scan gives them (sorted, not overlapping). When nothing changes
// (no finding, or only detect), `out` is left untouched and no byte is copied.
Applied apply_actions(std::string_view text, std::span<const Finding> findings,
                      std::span<const EntityInfo> entities, const ActionPolicy& policy,
                      Pseudonyms& pseudonyms, std::string& out);

// "[" + tag + "_" + the first 12 hex digits of HMAC-SHA256(key, value) + "]".
std::string hash_tag(std::string_view tag, std::string_view key, std::string_view value);

}  // namespace tollgate::policies::pii
