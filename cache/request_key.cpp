#include "cache/request_key.h"

#include <algorithm>
#include <vector>

#include <boost/container/small_vector.hpp>
#include <boost/json.hpp>

#include "gateway/core/errors.h"
#include "gateway/core/sha256.h"

namespace tollgate::cache {

namespace json = boost::json;

namespace {

bool shapes_answer(std::string_view field) {
  return field != "stream" && field != "stream_options" && field != "user" && field != "metadata" &&
         field != "store";
}

// Where the last element of the top-level "messages" array sits in a canonical text: the
// semantic context is the same text with it cut out (its comma included), so the body is
// written once for both keys.
struct LastMessage {
  std::size_t begin = 0, end = 0;
};

// Sorted keys, no whitespace. The body was validated and depth-bounded before any stage
// ran (server.max_json_depth), so the recursion is bounded too. Strings are written as
// the audit line writes them (core::append_json_string): no serializer per string.
void write_canonical(const json::value& v, std::string& out, bool top, LastMessage* last) {
  switch (v.kind()) {
    case json::kind::object: {
      const json::object& o = v.get_object();
      boost::container::small_vector<const json::key_value_pair*, 16> members;
      for (const auto& m : o) {
        if (!top || shapes_answer(m.key())) members.push_back(&m);
      }
      std::sort(members.begin(), members.end(),
                [](const auto* a, const auto* b) { return a->key() < b->key(); });
      out.push_back('{');
      for (std::size_t i = 0; i < members.size(); ++i) {
        if (i > 0) out.push_back(',');
        core::append_json_string(out, members[i]->key());
        out.push_back(':');
        bool messages = top && members[i]->key() == "messages";
        write_canonical(members[i]->value(), out, false, messages ? last : nullptr);
      }
      out.push_back('}');
      return;
    }
    case json::kind::array: {
      const json::array& items = v.get_array();
      out.push_back('[');
      for (std::size_t i = 0; i < items.size(); ++i) {
        if (last != nullptr && i + 1 == items.size()) last->begin = out.size();
        if (i > 0) out.push_back(',');
        write_canonical(items[i], out, false, nullptr);
      }
      if (last != nullptr && !items.empty()) last->end = out.size();
      out.push_back(']');
      return;
    }
    case json::kind::string:
      core::append_json_string(out, v.get_string());
      return;
    case json::kind::bool_:
      out += v.get_bool() ? "true" : "false";
      return;
    case json::kind::null:
      out += "null";
      return;
    case json::kind::int64:
    case json::kind::uint64:
      // 1 and 1.0 are the same temperature.
      out += json::serialize(json::value(v.to_number<double>()));
      return;
    default:
      out += json::serialize(v);
      return;
  }
}

// The text of a user message: a string, or text parts only (an image is not compared).
std::optional<std::string> user_text(const json::object& message) {
  const json::value* role = message.if_contains("role");
  if (role == nullptr || !role->is_string() || role->get_string() != "user") return std::nullopt;
  const json::value* content = message.if_contains("content");
  if (content == nullptr) return std::nullopt;
  if (content->is_string()) return std::string(content->get_string());
  if (!content->is_array()) return std::nullopt;
  std::string text;
  for (const auto& part : content->get_array()) {
    const json::object* p = part.if_object();
    if (p == nullptr) return std::nullopt;
    const json::value* type = p->if_contains("type");
    const json::value* t = p->if_contains("text");
    if (type == nullptr || !type->is_string() || type->get_string() != "text" || t == nullptr ||
        !t->is_string()) {
      return std::nullopt;
    }
    if (!text.empty()) text.push_back('\n');
    text.append(t->get_string());
  }
  return text;
}

bool non_empty(const json::object& body, std::string_view field) {
  const json::value* v = body.if_contains(field);
  if (v == nullptr || v->is_null()) return false;
  return !v->is_array() || !v->get_array().empty();
}

// What chooses the served model besides the requested name and the prompt: the
// principal's fields and the headers that routing rules match on.
std::string routing_inputs(const core::Exchange& exchange) {
  std::string out;
  if (exchange.config == nullptr) return out;
  const core::Principal* p = exchange.principal.get();
  for (const auto& rule : exchange.config->routes) {
    if (p != nullptr && !rule.team.empty()) out += "\x1ft=" + p->team;
    if (p != nullptr && !rule.user.empty()) out += "\x1fu=" + p->user;
    if (p != nullptr && !rule.key.empty()) out += "\x1fk=" + p->key_id;
    for (const auto& [name, value] : rule.headers) {
      out += "\x1fh=" + name + "=" + std::string(exchange.request_headers.get(name));
    }
  }
  return out;
}

}  // namespace

std::string scope_tag(Scope scope, const core::Principal* p) {
  if (scope == Scope::global) return "global";
  if (p == nullptr) return "anonymous";
  if (scope == Scope::user && !p->user.empty()) return "user:" + p->user;
  if (scope == Scope::team && !p->team.empty()) return "team:" + p->team;
  return "key:" + p->key_id;
}

std::string numbers_of(std::string_view text) {
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    if (text[i] < '0' || text[i] > '9') {
      ++i;
      continue;
    }
    if (!out.empty()) out.push_back('|');
    while (i < text.size() && ((text[i] >= '0' && text[i] <= '9') ||
                               ((text[i] == '.' || text[i] == ',') && i + 1 < text.size() &&
                                text[i + 1] >= '0' && text[i + 1] <= '9'))) {
      if (text[i] != ',') out.push_back(text[i]);  // 1,000 is 1000
      ++i;
    }
  }
  return out;
}

std::optional<std::string_view> request_keys(const CacheSettings& settings,
                                             const core::Exchange& exchange, RequestKeys& keys) {
  if (exchange.operation != core::Operation::chat_completions) return "operation";
  if (!exchange.json.model) return "no model";
  if (exchange.json.choices > 1) return "n";
  boost::system::error_code ec;
  // The document lives only in this call: its nodes come from a block on the stack (and
  // the heap past it) instead of an allocation each.
  unsigned char first_block[4096];
  json::monotonic_resource memory(first_block, sizeof first_block);
  json::value v =
      json::parse(json::string_view(exchange.body.data(), exchange.body.size()), ec, &memory);
  if (ec || !v.is_object()) return "body";
  json::object& body = v.get_object();
  keys.has_tools = non_empty(body, "tools") || non_empty(body, "functions");
  if (keys.has_tools && settings.skip_tools) return "tools";
  if (const json::value* t = body.if_contains("temperature"); t != nullptr && t->is_number()) {
    if (t->to_number<double>() > settings.skip_temperature_above) return "temperature";
  }
  keys.include_usage = exchange.json.include_usage;
  keys.scope_tag = scope_tag(settings.scope, exchange.principal.get());
  std::string prefix =
      keys.scope_tag + "\x1e" + *exchange.json.model + routing_inputs(exchange) + "\x1e";
  // An Anthropic client's answers carry what only it reads (thinking blocks and their
  // signatures) and depend on what its chat form lacks (server tools): never shared with
  // an OpenAI client, nor between requests whose extras differ.
  if (exchange.ingress == core::Ingress::anthropic) {
    prefix += "anthropic\x1e" + exchange.ingress_extras + "\x1e";
  }
  std::string canonical;
  canonical.reserve(exchange.body.size() + 64);
  LastMessage spot;
  write_canonical(v, canonical, true, &spot);
  keys.exact = core::sha256_hex({prefix, canonical});

  keys.context.clear();
  if (!settings.semantic) return {};  // no semantic lookup: no context to hash
  const json::value* messages = body.if_contains("messages");
  if (messages == nullptr || !messages->is_array() || messages->get_array().empty()) return {};
  const json::object* last = messages->get_array().back().if_object();
  if (last == nullptr) return {};
  auto text = user_text(*last);
  if (!text || text->empty()) return {};
  keys.last_user_text = std::move(*text);
  // The numbers are part of the context: prompts that differ in them never share an
  // answer, so they are never compared either (a template with an order number in it
  // would otherwise put every request in one index, each lookup scanning them all).
  std::string numbers = numbers_of(keys.last_user_text);
  std::string_view body_text = canonical;
  keys.context = core::sha256_hex({prefix, "semantic\x1e", numbers, "\x1e",
                                   body_text.substr(0, spot.begin), body_text.substr(spot.end)});
  return {};
}

}  // namespace tollgate::cache
