#include "cache/cached_answer.h"

#include <algorithm>

#include <chrono>

#include <boost/json.hpp>

#include "gateway/core/random_hex.h"

namespace tollgate::cache {

namespace json = boost::json;

namespace {

std::string fresh_id() {
  std::string id = "chatcmpl-";
  char hex[24];
  core::write_random_hex(hex);
  id.append(hex, sizeof hex);
  return id;
}

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string string_at(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
}

bool has_tool_calls(const json::object& message) {
  const json::value* calls = message.if_contains("tool_calls");
  if (calls != nullptr && calls->is_array() && !calls->get_array().empty()) return true;
  const json::value* call = message.if_contains("function_call");
  return call != nullptr && !call->is_null();
}

// A JSON object as stored: serialized without the members a hit gives afresh (and an
// event without its usage: the usage chunk is made from the entry's counts).
std::string stored_form(json::object& o, bool event) {
  o.stable_erase("id");  // stable: the other members keep the provider's order
  o.stable_erase("created");
  if (event) o.stable_erase("usage");
  return json::serialize(o);
}

// A stored object given again: a fresh `id` and `created`, then its own members.
std::string stamped(std::string_view stored, std::string_view id, std::int64_t created) {
  std::string out;
  out.reserve(stored.size() + id.size() + 32);
  out += R"({"id":")";
  out += id;
  out += R"(","created":)";
  out += std::to_string(created);
  if (stored.size() > 2) {
    out.push_back(',');
    out.append(stored.substr(1));
  } else {
    out.push_back('}');
  }
  return out;
}

bool finished_whole(std::string_view finish) {
  return finish == "stop" || finish == "length";
}

// What one streamed event adds to the answer; false when the answer must not be stored.
bool read_event(const json::object& event, CachedAnswer& answer, bool allow_tools, bool& tools) {
  if (event.contains("error")) return false;
  if (answer.model.empty()) answer.model = string_at(event, "model");
  const json::value* choices = event.if_contains("choices");
  if (choices == nullptr || !choices->is_array()) return true;
  for (const auto& c : choices->get_array()) {
    const json::object* choice = c.if_object();
    if (choice == nullptr) return false;
    const json::value* index = choice->if_contains("index");
    if (index != nullptr && index->is_number() && index->to_number<double>() != 0) return false;
    if (const json::value* d = choice->if_contains("delta"); d != nullptr && d->is_object()) {
      const json::object& delta = d->get_object();
      if (has_tool_calls(delta)) {
        if (!allow_tools) return false;
        tools = true;
      }
      answer.text += string_at(delta, "content");
    }
    std::string finish = string_at(*choice, "finish_reason");
    if (!finish.empty()) answer.finish_reason = finish;
  }
  return true;
}

json::object usage_json(const CachedAnswer& a) {
  return {{"prompt_tokens", a.prompt_tokens},
          {"completion_tokens", a.completion_tokens},
          {"total_tokens", a.prompt_tokens + a.completion_tokens}};
}

json::object chunk(const CachedAnswer& a, const std::string& id, std::int64_t created,
                   json::value delta, json::value finish) {
  json::object choice{{"index", 0}, {"delta", std::move(delta)}, {"finish_reason", finish}};
  return {{"id", id},
          {"object", "chat.completion.chunk"},
          {"created", created},
          {"model", a.model},
          {"choices", json::array{std::move(choice)}}};
}

// A whole text answer as a stream: the role, then the text a word at a time (at most
// 256 events; longer texts get several words an event), then the finish.
void synthesize_events(const CachedAnswer& a, const std::string& id, std::int64_t created,
                       std::vector<core::Chunk>& out) {
  out.push_back(
      {"", json::serialize(chunk(a, id, created,
                                 json::object{{"role", "assistant"}, {"content", ""}}, nullptr))});
  std::vector<std::string_view> words;
  std::string_view text = a.text;
  std::size_t start = 0;
  for (std::size_t i = 1; i <= text.size(); ++i) {
    if (i == text.size() || (text[i] == ' ' && text[i - 1] != ' ')) {
      words.push_back(text.substr(start, i - start));
      start = i;
    }
  }
  std::size_t per_event = words.size() / 256 + 1;
  for (std::size_t i = 0; i < words.size(); i += per_event) {
    std::size_t end = std::min(words.size(), i + per_event);
    std::string piece(words[i].data(), words[end - 1].data() + words[end - 1].size());
    out.push_back(
        {"", json::serialize(chunk(a, id, created, json::object{{"content", piece}}, nullptr))});
  }
  out.push_back(
      {"", json::serialize(chunk(a, id, created, json::object{}, json::value(a.finish_reason)))});
}

}  // namespace

namespace {

// An Anthropic client's answer with Claude's own blocks (thinking, server tools): given
// again only in the form it came in, which carries them (the other is text only).
bool has_dialect_blocks(const std::string& data) {
  return data.find(core::kDialectMember) != std::string::npos;
}

}  // namespace

std::size_t CachedAnswer::bytes() const {
  std::size_t n = sizeof(CachedAnswer) + body.size() + model.size() + text.size() +
                  finish_reason.size() + served_by.size();
  for (const auto& e : events) n += sizeof(std::string) + e.size();
  return n;
}

std::optional<CachedAnswer> answer_from_body(const std::string& body, bool allow_tools) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec || !v.is_object()) return std::nullopt;
  json::object& o = v.get_object();
  const json::value* choices = o.if_contains("choices");
  if (choices == nullptr || !choices->is_array() || choices->get_array().size() != 1) {
    return std::nullopt;
  }
  const json::object* choice = choices->get_array()[0].if_object();
  if (choice == nullptr) return std::nullopt;
  CachedAnswer a;
  a.finish_reason = string_at(*choice, "finish_reason");
  if (!finished_whole(a.finish_reason) && a.finish_reason != "tool_calls") return std::nullopt;
  const json::value* m = choice->if_contains("message");
  if (m == nullptr || !m->is_object()) return std::nullopt;
  bool tools = has_tool_calls(m->get_object());
  if (tools && !allow_tools) return std::nullopt;
  a.model = string_at(o, "model");
  a.text = string_at(m->get_object(), "content");
  a.convertible = !tools && finished_whole(a.finish_reason) && !has_dialect_blocks(body);
  a.body = stored_form(o, false);
  a.stored_at = unix_now();
  return a;
}

std::optional<CachedAnswer> answer_from_events(const std::vector<std::string>& events,
                                               bool allow_tools) {
  CachedAnswer a;
  a.streamed = true;
  bool tools = false;
  std::vector<std::string> kept;
  kept.reserve(events.size());
  for (const auto& data : events) {
    boost::system::error_code ec;
    json::value v = json::parse(data, ec);
    if (ec || !v.is_object()) return std::nullopt;
    json::object& o = v.get_object();
    const json::value* choices = o.if_contains("choices");
    bool usage_only = choices != nullptr && choices->is_array() && choices->get_array().empty();
    if (!read_event(o, a, allow_tools, tools)) return std::nullopt;
    if (!usage_only) kept.push_back(stored_form(o, true));
  }
  if (!finished_whole(a.finish_reason) && a.finish_reason != "tool_calls") return std::nullopt;
  a.events = std::move(kept);
  a.convertible = !tools && finished_whole(a.finish_reason) &&
                  std::none_of(events.begin(), events.end(), has_dialect_blocks);
  a.stored_at = unix_now();
  return a;
}

core::Response render_whole(const CachedAnswer& a) {
  core::Response r;
  r.headers.set("content-type", "application/json");
  if (!a.streamed) {
    r.body = stamped(a.body, fresh_id(), unix_now());
    return r;
  }
  json::object message{{"role", "assistant"}, {"content", a.text}, {"refusal", nullptr}};
  json::object choice{{"index", 0},
                      {"message", std::move(message)},
                      {"finish_reason", a.finish_reason},
                      {"logprobs", nullptr}};
  json::object body{{"id", fresh_id()},
                    {"object", "chat.completion"},
                    {"created", unix_now()},
                    {"model", a.model},
                    {"choices", json::array{std::move(choice)}},
                    {"usage", usage_json(a)}};
  r.body = json::serialize(body);
  return r;
}

core::StreamAnswer render_stream(const CachedAnswer& a, bool include_usage) {
  core::StreamAnswer s;
  s.headers.set("content-type", "text/event-stream");
  s.headers.set("cache-control", "no-cache");
  std::string id = fresh_id();
  std::int64_t created = unix_now();
  if (a.streamed) {
    s.events.reserve(a.events.size() + 1);
    for (const auto& data : a.events) s.events.push_back({"", stamped(data, id, created)});
  } else {
    synthesize_events(a, id, created, s.events);
  }
  if (include_usage) {
    json::object usage{
        {"id", id},         {"object", "chat.completion.chunk"}, {"created", created},
        {"model", a.model}, {"choices", json::array{}},          {"usage", usage_json(a)}};
    s.events.push_back({"", json::serialize(usage)});
  }
  return s;
}

namespace {
// The serialized form's version ("n"): 2 stores bodies and events without id and created.
constexpr std::int64_t kFormat = 2;
}  // namespace

std::string serialize(const CachedAnswer& a) {
  json::array events;
  for (const auto& e : a.events) events.push_back(json::string(e));
  json::object o{{"s", a.streamed},          {"b", a.body},       {"e", std::move(events)},
                 {"c", a.convertible},       {"m", a.model},      {"t", a.text},
                 {"f", a.finish_reason},     {"v", a.served_by},  {"p", a.prompt_tokens},
                 {"o", a.completion_tokens}, {"at", a.stored_at}, {"n", kFormat}};
  return json::serialize(o);
}

std::optional<CachedAnswer> deserialize(std::string_view data) {
  boost::system::error_code ec;
  json::value v = json::parse(json::string_view(data.data(), data.size()), ec);
  if (ec || !v.is_object()) return std::nullopt;
  const json::object& o = v.get_object();
  try {
    if (o.at("n").to_number<std::int64_t>() != kFormat) return std::nullopt;
    CachedAnswer a;
    a.streamed = o.at("s").as_bool();
    a.body = std::string(o.at("b").as_string());
    for (const auto& e : o.at("e").as_array()) a.events.emplace_back(e.as_string());
    a.convertible = o.at("c").as_bool();
    a.model = std::string(o.at("m").as_string());
    a.text = std::string(o.at("t").as_string());
    a.finish_reason = std::string(o.at("f").as_string());
    a.served_by = std::string(o.at("v").as_string());
    a.prompt_tokens = o.at("p").to_number<std::int64_t>();
    a.completion_tokens = o.at("o").to_number<std::int64_t>();
    a.stored_at = o.at("at").to_number<std::int64_t>();
    return a;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace tollgate::cache
