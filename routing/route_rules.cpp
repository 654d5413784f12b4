#include "routing/route_rules.h"

#include <fnmatch.h>

#include <algorithm>

namespace tollgate::routing {

namespace {

bool rule_matches(const core::RouteRule& rule, const core::Exchange& exchange) {
  if (!rule.model.empty()) {
    if (!exchange.json.model) return false;
    if (fnmatch(rule.model.c_str(), exchange.json.model->c_str(), 0) != 0) return false;
  }
  const core::Principal* p = exchange.principal.get();
  if (!rule.team.empty() && (p == nullptr || p->team != rule.team)) return false;
  if (!rule.user.empty() && (p == nullptr || p->user != rule.user)) return false;
  if (!rule.key.empty() && (p == nullptr || p->key_id != rule.key)) return false;
  for (const auto& [name, value] : rule.headers) {
    if (!exchange.request_headers.has(name) || exchange.request_headers.get(name) != value) {
      return false;
    }
  }
  auto holds = [](const std::vector<std::string>& codes, const std::string& code) {
    return codes.empty() || std::find(codes.begin(), codes.end(), code) != codes.end();
  };
  if (!holds(rule.countries, exchange.country)) return false;
  if (!holds(rule.continents, exchange.continent)) return false;
  if (rule.min_prompt_tokens > 0 &&
      core::estimate_prompt_tokens(exchange.json) < rule.min_prompt_tokens) {
    return false;
  }
  return true;
}

}  // namespace

std::optional<std::size_t> match_route(const std::vector<core::RouteRule>& rules,
                                       const core::Exchange& exchange) {
  for (std::size_t i = 0; i < rules.size(); ++i) {
    if (rule_matches(rules[i], exchange)) return i;
  }
  return std::nullopt;
}

}  // namespace tollgate::routing
