// Who is calling: what an API key resolves to (its id, user, team, tags, the models it
// may use and its limits). Built by the auth stage, read by limits, routing rules,
// metrics and the audit log. Never holds the key itself.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tollgate::core {

// Limits for one scope (a key, a user or a team); an absent field is no limit.
struct LimitSet {
  std::optional<std::int64_t> rpm;             // requests per minute
  std::optional<std::int64_t> tpm;             // tokens (prompt + completion) per minute
  std::optional<std::int64_t> max_parallel;    // requests in flight
  std::optional<std::int64_t> tokens_per_day;  // calendar day, UTC
  std::optional<double> budget_usd_per_month;  // calendar month, UTC

  bool empty() const {
    return !rpm && !tpm && !max_parallel && !tokens_per_day && !budget_usd_per_month;
  }
};

struct Principal {
  std::string key_id;
  std::string user;  // may be empty
  std::string team;  // may be empty
  std::vector<std::string> tags;
  std::vector<std::string> models;  // shell globs (fnmatch); empty: every model
  LimitSet limits;
  // Data residency: the provider regions that may serve this caller (its key's, user's
  // and team's lists, each narrowing the others); empty: any region.
  std::vector<std::string> residency;
  bool from_admin_api = false;  // created through /admin/keys rather than the config

  bool allows_model(std::string_view model) const;
};

using PrincipalPtr = std::shared_ptr<const Principal>;

}  // namespace tollgate::core
