// Admin endpoints for keys and usage. Bodies are small and rare: Boost.JSON's DOM is the
// simple, safe choice here (the request path uses simdjson instead).
#include "policies/admin/admin_api.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>

#include <boost/json.hpp>

#include "gateway/core/errors.h"
#include "gateway/core/json_limits.h"
#include "gateway/core/log.h"
#include "policies/auth/key_material.h"
#include "policies/common/limit_set_io.h"

namespace tollgate::policies::admin {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

constexpr std::string_view kKeys = "/admin/keys";
constexpr std::string_view kUsage = "/admin/usage";

void answer(core::Response& response, int status, std::string body) {
  response.status = status;
  response.headers.set("content-type", "application/json");
  response.body = std::move(body);
}

void fail(core::Response& response, core::ErrorKind kind, std::string_view message,
          std::string_view param = {}) {
  response = core::error_response(kind, message, param);
}

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Ids appear in URLs and Redis keys: keep them to a safe alphabet.
bool valid_id(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

std::string percent_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
      };
      int hi = hex(s[i + 1]), lo = hex(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(s[i] == '+' ? ' ' : s[i]);
  }
  return out;
}

std::map<std::string, std::string> query_of(std::string_view target) {
  std::map<std::string, std::string> out;
  auto q = target.find('?');
  if (q == std::string_view::npos) return out;
  std::string_view rest = target.substr(q + 1);
  while (!rest.empty()) {
    auto amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    auto eq = pair.find('=');
    std::string name = percent_decode(pair.substr(0, eq));
    std::string value = eq == std::string_view::npos ? "" : percent_decode(pair.substr(eq + 1));
    if (!name.empty()) out[name] = value;
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }
  return out;
}

std::vector<std::string> string_array(const json::object& body, const char* name) {
  std::vector<std::string> out;
  const json::value* v = body.if_contains(name);
  if (v == nullptr || v->is_null()) return out;
  if (!v->is_array()) throw std::invalid_argument(std::string(name) + " must be a list of strings");
  for (const auto& item : v->as_array()) {
    if (!item.is_string() || item.as_string().empty()) {
      throw std::invalid_argument(std::string(name) + " must be a list of non-empty strings");
    }
    out.emplace_back(item.as_string());
  }
  return out;
}

std::string string_field(const json::object& body, const char* name) {
  const json::value* v = body.if_contains(name);
  if (v == nullptr || v->is_null()) return {};
  if (!v->is_string()) throw std::invalid_argument(std::string(name) + " must be a string");
  return std::string(v->as_string());
}

// Cost as a plain decimal ("0.138"), exact to the nano-dollar: Boost.JSON would write
// doubles as 1.38E-1, which is valid JSON but not what a finance report wants to read.
std::string usd_decimal(std::int64_t nusd) {
  char buffer[40];
  std::snprintf(buffer, sizeof buffer, "%s%lld.%09lld", nusd < 0 ? "-" : "",
                static_cast<long long>(std::llabs(nusd) / 1'000'000'000),
                static_cast<long long>(std::llabs(nusd) % 1'000'000'000));
  std::string out = buffer;
  while (out.back() == '0') out.pop_back();
  if (out.back() == '.') out.pop_back();
  return out;
}

std::string usage_row_json(const state::UsageRow& row) {
  json::object o;
  o["scope"] = row.scope;
  o["period"] = row.period;
  o["requests"] = row.counters.requests;
  o["prompt_tokens"] = row.counters.prompt_tokens;
  o["completion_tokens"] = row.counters.completion_tokens;
  o["total_tokens"] = row.counters.tokens();
  std::string out = json::serialize(o);
  out.pop_back();  // '}'
  return out + R"(,"cost_usd":)" + usd_decimal(row.counters.cost_nusd) + "}";
}

}  // namespace

bool AdminApi::matches(std::string_view path) const {
  return path == kKeys || path.starts_with("/admin/keys/") || path == kUsage;
}

asio::awaitable<void> AdminApi::handle(core::Exchange& exchange, core::Response& response) {
  const std::string& method = exchange.method;
  std::string_view path = exchange.path;
  try {
    if (path == kUsage) {
      if (method != "GET") {
        fail(response, core::ErrorKind::method_not_allowed, "use GET");
        co_return;
      }
      co_await usage(exchange, response);
      co_return;
    }
    if (path == kKeys) {
      if (method == "POST") {
        co_await create_key(exchange, response);
      } else if (method == "GET") {
        std::vector<state::StoredKey> keys = co_await keys_.list();
        std::string body = R"({"object":"list","data":[)";
        for (std::size_t i = 0; i < keys.size(); ++i) {
          if (i > 0) body.push_back(',');
          body += auth::stored_key_json(keys[i], false);
        }
        answer(response, 200, body + "]}");
      } else {
        fail(response, core::ErrorKind::method_not_allowed, "use GET or POST");
      }
      co_return;
    }
    std::string id(path.substr(kKeys.size() + 1));
    if (!valid_id(id)) {
      fail(response, core::ErrorKind::not_found, "no key with that id");
      co_return;
    }
    if (method == "GET") {
      std::optional<state::StoredKey> key = co_await keys_.get(id);
      if (!key) {
        fail(response, core::ErrorKind::not_found, "no key with id '" + id + "'");
      } else {
        answer(response, 200, auth::stored_key_json(*key, false));
      }
    } else if (method == "DELETE") {
      bool revoked = co_await keys_.revoke(id, unix_now());
      if (!revoked) {
        fail(response, core::ErrorKind::not_found, "no active key with id '" + id + "'");
      } else {
        core::log_info("admin: key '" + id + "' revoked");
        json::object o;
        o["id"] = id;
        o["revoked"] = true;
        answer(response, 200, json::serialize(o));
      }
    } else {
      fail(response, core::ErrorKind::method_not_allowed, "use GET or DELETE");
    }
  } catch (const state::RedisUnavailable&) {
    fail(response, core::ErrorKind::unavailable, "the key store (Redis) is unavailable");
  } catch (const state::StorageUnavailable& e) {
    // The state file cannot be written right now (disk full, read-only, made immutable):
    // a condition that passes, so 503 and try again, not a 500.
    core::log_error(std::string("admin: ") + e.what());
    fail(response, core::ErrorKind::unavailable,
         "the key store (the state file) cannot be written right now; try again shortly");
  } catch (const std::exception& e) {
    core::log_error(std::string("admin: ") + e.what());
    fail(response, core::ErrorKind::internal, "the admin request failed; see the gateway's log");
  }
}

asio::awaitable<void> AdminApi::create_key(core::Exchange& exchange, core::Response& response) {
  json::object body;
  if (!exchange.body.empty()) {
    boost::system::error_code ec;
    json::value parsed = json::parse(exchange.body, ec, {}, core::bounded_json_options());
    if (ec || !parsed.is_object()) {
      fail(response, core::ErrorKind::invalid_json, "the body must be a JSON object");
      co_return;
    }
    body = std::move(parsed.as_object());
  }
  state::StoredKey key;
  std::string secret = auth::generate_api_key();
  try {
    for (const auto& [name, value] : body) {
      static constexpr std::string_view kKnown[] = {"id",   "user",   "team",
                                                    "tags", "models", "limits"};
      if (std::find(std::begin(kKnown), std::end(kKnown), std::string_view(name)) ==
          std::end(kKnown)) {
        throw std::invalid_argument("unknown field '" + std::string(name) + "'");
      }
      (void)value;
    }
    key.id = string_field(body, "id");
    if (key.id.empty()) key.id = "key-" + auth::sha256_hex(secret).substr(0, 12);
    if (!valid_id(key.id)) {
      throw std::invalid_argument("id must be 1-64 characters of letters, digits, '-', '_', '.'");
    }
    key.user = string_field(body, "user");
    key.team = string_field(body, "team");
    key.tags = string_array(body, "tags");
    key.models = string_array(body, "models");
    const json::value* limits = body.if_contains("limits");
    key.limits_json = limit_set_json(limits ? limit_set_from_json(*limits) : core::LimitSet{});
  } catch (const std::invalid_argument& e) {
    fail(response, core::ErrorKind::invalid_request, e.what());
    co_return;
  }
  key.sha256_hex = auth::sha256_hex(secret);
  key.created_at = unix_now();
  try {
    co_await keys_.create(key);
  } catch (const std::invalid_argument& e) {
    fail(response, core::ErrorKind::conflict, e.what(), "id");
    co_return;
  }
  core::log_info("admin: key '" + key.id + "' created");
  // The only time the key is ever shown.
  json::value record = json::parse(auth::stored_key_json(key, false));
  record.as_object()["key"] = secret;
  answer(response, 201, json::serialize(record));
}

asio::awaitable<void> AdminApi::usage(core::Exchange& exchange, core::Response& response) {
  auto query = query_of(exchange.target);
  std::string scope;
  for (const char* kind : {"key", "user", "team"}) {
    if (auto it = query.find(kind); it != query.end()) scope = std::string(kind) + ":" + it->second;
  }
  if (auto it = query.find("scope"); it != query.end()) scope = it->second;
  std::vector<std::string> periods;
  if (auto it = query.find("period"); it != query.end()) {
    periods.push_back(it->second);
  } else {
    auto now = std::chrono::system_clock::now();
    periods = {limits::utc_day(now), limits::utc_month(now)};
  }
  std::vector<state::UsageRow> rows = co_await counters_.usage(periods, scope);
  std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
    return a.scope != b.scope ? a.scope < b.scope : a.period < b.period;
  });
  std::string body = R"({"object":"list","data":[)";
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (i > 0) body.push_back(',');
    body += usage_row_json(rows[i]);
  }
  answer(response, 200, body + "]}");
}

}  // namespace tollgate::policies::admin
