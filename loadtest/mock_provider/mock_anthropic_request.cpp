// Anthropic's request checks for the mock (see mock_anthropic_request.h). A refusal is
// thrown as Invalid from wherever it is found, with the JSON path in its message, and
// caught once in check_anthropic_request.
#include "loadtest/mock_provider/mock_anthropic_request.h"

#include <set>
#include <string_view>
#include <vector>

#include <simdjson.h>

#include "loadtest/mock_provider/mock_anthropic_blocks.h"
#include "loadtest/mock_provider/mock_request.h"

namespace tollgate::mock {

namespace dom = simdjson::dom;

namespace {

struct Invalid {
  std::string message;
};

[[noreturn]] void invalid(std::string message) {
  throw Invalid{std::move(message)};
}

std::string path(std::string_view base, std::string_view key) {
  return std::string(base) + "." + std::string(key);
}
std::string path(std::string_view base, std::size_t index) {
  return std::string(base) + "." + std::to_string(index);
}

dom::object need_object(dom::element e, const std::string& where) {
  dom::object o;
  if (e.get(o)) invalid(where + ": Input should be a valid dictionary");
  return o;
}

dom::array need_array(dom::element e, const std::string& where) {
  dom::array a;
  if (e.get(a)) invalid(where + ": Input should be a valid list");
  return a;
}

std::string_view need_string(dom::element e, const std::string& where) {
  std::string_view s;
  if (e.get(s)) invalid(where + ": Input should be a valid string");
  return s;
}

bool has(dom::object o, std::string_view key) {
  return !o[key].error();
}

dom::element need(dom::object o, std::string_view key, const std::string& where) {
  auto v = o[key];
  if (v.error()) invalid(path(where, key) + ": Field required");
  return v.value();
}

void only_keys(dom::object o, std::initializer_list<std::string_view> keys,
               const std::string& where) {
  for (auto [key, value] : o) {
    bool known = false;
    for (auto k : keys) known = known || k == key;
    if (!known) invalid(path(where, key) + ": Extra inputs are not permitted");
  }
}

void cache_control(dom::object block, const std::string& where) {
  if (!has(block, "cache_control")) return;
  dom::object c = need_object(block["cache_control"].value(), path(where, "cache_control"));
  if (need_string(need(c, "type", path(where, "cache_control")),
                  path(where, "cache_control.type")) != "ephemeral") {
    invalid(path(where, "cache_control.type") + ": Input should be 'ephemeral'");
  }
}

void check_image_source(dom::object block, const std::string& where) {
  std::string sp = path(where, "source");
  dom::object source = need_object(need(block, "source", where), sp);
  std::string_view kind = need_string(need(source, "type", sp), path(sp, "type"));
  if (kind == "base64") {
    only_keys(source, {"type", "media_type", "data"}, sp);
    std::string_view media = need_string(need(source, "media_type", sp), path(sp, "media_type"));
    if (media != "image/jpeg" && media != "image/png" && media != "image/gif" &&
        media != "image/webp") {
      invalid(path(sp, "media_type") +
              ": Input should be 'image/jpeg', 'image/png', 'image/gif' or 'image/webp'");
    }
    if (need_string(need(source, "data", sp), path(sp, "data")).empty()) {
      invalid(path(sp, "data") + ": image data must not be empty");
    }
  } else if (kind == "url") {
    only_keys(source, {"type", "url"}, sp);
    std::string_view url = need_string(need(source, "url", sp), path(sp, "url"));
    if (!url.starts_with("http://") && !url.starts_with("https://")) {
      invalid(path(sp, "url") + ": must be an http(s) URL");
    }
  } else {
    invalid(path(sp, "type") + ": Input should be 'base64' or 'url'");
  }
}

std::string_view check_block(dom::element e, std::string_view role, const std::string& where,
                             std::int64_t& words, std::vector<std::string>& tool_use_ids,
                             std::vector<std::string>& tool_result_ids);

// A tool_result's content: a string, or text and image blocks.
void check_tool_result_content(dom::element content, const std::string& where,
                               std::int64_t& words) {
  std::string_view s;
  if (!content.get(s)) {
    words += count_words(s);
    return;
  }
  std::vector<std::string> none;
  std::size_t j = 0;
  for (dom::element inner : need_array(content, path(where, "content"))) {
    std::string ip = path(path(where, "content"), j++);
    std::string_view t = check_block(inner, "user", ip, words, none, none);
    if (t != "text" && t != "image") invalid(ip + ": tool_result content is text or image");
  }
}

// A block of an earlier answer sent back: a thinking block must carry the signature the
// mock gave it, byte for byte (Anthropic: "Invalid `signature` in `thinking` block").
void check_answer_block(dom::object block, std::string_view type, const std::string& where) {
  if (type == "thinking") {
    only_keys(block, {"type", "thinking", "signature"}, where);
    std::string_view thinking =
        need_string(need(block, "thinking", where), path(where, "thinking"));
    std::string_view signature =
        need_string(need(block, "signature", where), path(where, "signature"));
    if (signature != mock_signature(thinking)) {
      invalid(path(where, "signature") + ": Invalid `signature` in `thinking` block");
    }
  } else if (type == "redacted_thinking") {
    only_keys(block, {"type", "data"}, where);
    need_string(need(block, "data", where), path(where, "data"));
  } else if (type == "server_tool_use") {
    need_string(need(block, "id", where), path(where, "id"));
    need_object(need(block, "input", where), path(where, "input"));
  } else {
    need_string(need(block, "tool_use_id", where), path(where, "tool_use_id"));
  }
}

// Checks one content block; counts its words; returns its type.
std::string_view check_block(dom::element e, std::string_view role, const std::string& where,
                             std::int64_t& words, std::vector<std::string>& tool_use_ids,
                             std::vector<std::string>& tool_result_ids) {
  dom::object block = need_object(e, where);
  std::string_view type = need_string(need(block, "type", where), path(where, "type"));
  cache_control(block, where);
  if (type == "text") {
    only_keys(block, {"type", "text", "cache_control", "citations"}, where);
    std::string_view text = need_string(need(block, "text", where), path(where, "text"));
    if (text.empty()) invalid(where + ": text content blocks must be non-empty");
    words += count_words(text);
  } else if (type == "image") {
    if (role != "user") invalid(where + ": image blocks are only allowed in user messages");
    only_keys(block, {"type", "source", "cache_control"}, where);
    check_image_source(block, where);
  } else if (type == "document") {
    only_keys(block, {"type", "source", "title", "context", "citations", "cache_control"}, where);
    need_object(need(block, "source", where), path(where, "source"));
  } else if (type == "tool_use") {
    if (role != "assistant")
      invalid(where + ": tool_use blocks are only allowed in assistant messages");
    only_keys(block, {"type", "id", "name", "input", "cache_control"}, where);
    tool_use_ids.emplace_back(need_string(need(block, "id", where), path(where, "id")));
    need_string(need(block, "name", where), path(where, "name"));
    need_object(need(block, "input", where), path(where, "input"));
  } else if (type == "tool_result") {
    if (role != "user") invalid(where + ": tool_result blocks are only allowed in user messages");
    only_keys(block, {"type", "tool_use_id", "content", "is_error", "cache_control"}, where);
    tool_result_ids.emplace_back(
        need_string(need(block, "tool_use_id", where), path(where, "tool_use_id")));
    if (has(block, "content")) check_tool_result_content(block["content"].value(), where, words);
  } else if (type == "thinking" || type == "redacted_thinking" || type == "server_tool_use" ||
             type == "web_search_tool_result") {
    if (role != "assistant")
      invalid(where + ": " + std::string(type) + " blocks are only allowed in assistant messages");
    check_answer_block(block, type, where);
  } else {
    invalid(path(where, "type") + ": unknown content block type '" + std::string(type) + "'");
  }
  return type;
}

// system: a string, or text blocks.
void check_system(dom::element value, AnthropicRequest& c) {
  std::string_view s;
  if (!value.get(s)) {
    c.input_words += count_words(s);
    return;
  }
  std::vector<std::string> none;
  std::size_t i = 0;
  for (dom::element b : need_array(value, "system")) {
    std::string bp = path("system", i++);
    if (check_block(b, "system", bp, c.input_words, none, none) != "text") {
      invalid(bp + ": system blocks are text");
    }
  }
}

void check_tools(dom::element value) {
  std::size_t i = 0;
  for (dom::element t : need_array(value, "tools")) {
    std::string tp = path("tools", i++);
    dom::object tool = need_object(t, tp);
    std::string_view type;
    if (has(tool, "type") && !tool["type"].get(type) && type != "custom") {
      // A server tool (web_search_20250305, ...): named, configured by its own fields.
      if (!type.starts_with("web_search_") && !type.starts_with("code_execution_")) {
        invalid(path(tp, "type") + ": unknown tool type '" + std::string(type) + "'");
      }
      need_string(need(tool, "name", tp), path(tp, "name"));
      continue;
    }
    only_keys(tool, {"name", "description", "input_schema", "cache_control", "strict", "type"}, tp);
    need_string(need(tool, "name", tp), path(tp, "name"));
    dom::object schema = need_object(need(tool, "input_schema", tp), path(tp, "input_schema"));
    if (need_string(need(schema, "type", path(tp, "input_schema")),
                    path(tp, "input_schema.type")) != "object") {
      invalid(path(tp, "input_schema.type") + ": Input should be 'object'");
    }
  }
}

void check_tool_choice(dom::element value) {
  const std::string k = "tool_choice";
  dom::object choice = need_object(value, k);
  std::string_view type = need_string(need(choice, "type", k), "tool_choice.type");
  if (type == "tool") {
    need_string(need(choice, "name", k), "tool_choice.name");
    only_keys(choice, {"type", "name", "disable_parallel_tool_use"}, k);
  } else if (type == "auto" || type == "any") {
    only_keys(choice, {"type", "disable_parallel_tool_use"}, k);
  } else if (type == "none") {
    only_keys(choice, {"type"}, k);
  } else {
    invalid("tool_choice.type: Input should be 'auto', 'any', 'tool' or 'none'");
  }
}

void check_output_config(dom::element value, AnthropicRequest& c) {
  dom::object oc = need_object(value, "output_config");
  only_keys(oc, {"format", "effort"}, "output_config");
  if (!has(oc, "format")) return;
  dom::object f = need_object(oc["format"].value(), "output_config.format");
  only_keys(f, {"type", "schema"}, "output_config.format");
  if (need_string(need(f, "type", "output_config.format"), "output_config.format.type") !=
      "json_schema") {
    invalid("output_config.format.type: Input should be 'json_schema'");
  }
  need_object(need(f, "schema", "output_config.format"), "output_config.format.schema");
  c.json_schema = true;
}

// One top-level field other than messages (checked after all the others).
void check_field(const std::string& k, dom::element value, AnthropicRequest& c) {
  if (k == "model") {
    c.model = std::string(need_string(value, k));
  } else if (k == "max_tokens") {
    std::int64_t n;
    if (value.get(n) || n < 1) invalid("max_tokens: Input should be a positive integer");
    c.max_tokens = n;
  } else if (k == "stream") {
    bool b;
    if (value.get(b)) invalid("stream: Input should be a valid boolean");
    c.stream = b;
  } else if (k == "temperature" || k == "top_p") {
    double d;
    if (value.get(d) || d < 0 || d > 1) invalid(k + ": Input should be a number from 0 to 1");
  } else if (k == "top_k") {
    std::int64_t n;
    if (value.get(n) || n < 1) invalid("top_k: Input should be a positive integer");
  } else if (k == "stop_sequences") {
    std::size_t i = 0;
    for (dom::element s : need_array(value, k)) {
      std::string_view seq = need_string(s, path(k, i++));
      if (c.first_stop_sequence.empty()) c.first_stop_sequence = std::string(seq);
    }
  } else if (k == "system") {
    check_system(value, c);
  } else if (k == "metadata") {
    dom::object m = need_object(value, k);
    only_keys(m, {"user_id"}, k);
  } else if (k == "tools") {
    check_tools(value);
  } else if (k == "tool_choice") {
    check_tool_choice(value);
  } else if (k == "output_config") {
    check_output_config(value, c);
  } else if (k == "messages") {
    // below
  } else if (k == "thinking") {
    dom::object t = need_object(value, k);
    c.thinking = need_string(need(t, "type", k), "thinking.type") == "enabled";
  } else if (k == "service_tier" || k == "container" || k == "inference_geo" ||
             k == "cache_control" || k == "mcp_servers") {
    // accepted, not acted on
  } else {
    invalid(k + ": Extra inputs are not permitted");
  }
}

// One message's content: a non-empty string, or blocks with any tool_result first. Adds
// the ids of its tool uses and tool results.
void check_content(dom::element content, const std::string& role, const std::string& mp,
                   AnthropicRequest& c, std::vector<std::string>& tool_uses,
                   std::vector<std::string>& tool_results) {
  std::string_view text;
  if (!content.get(text)) {
    if (text.empty()) invalid(path(mp, "content") + ": messages must have non-empty content");
    c.input_words += count_words(text);
    return;
  }
  dom::array blocks = need_array(content, path(mp, "content"));
  if (blocks.size() == 0) invalid(path(mp, "content") + ": messages must have non-empty content");
  std::size_t j = 0;
  bool seen_other = false;
  for (dom::element b : blocks) {
    std::string bp = path(path(mp, "content"), j++);
    std::string_view type = check_block(b, role, bp, c.input_words, tool_uses, tool_results);
    if (type == "tool_result" && seen_other) {
      invalid(bp + ": tool_result blocks must come first in a user message");
    }
    if (type != "tool_result") seen_other = true;
  }
}

// The turns: user and assistant only, alternating (mock: the gateway merges), and every
// tool_use answered by a tool_result in the next turn.
void check_messages(dom::object req, AnthropicRequest& c) {
  dom::array messages = need_array(need(req, "messages", "body"), "messages");
  std::string previous_role;
  std::vector<std::string> pending_tool_uses;
  struct {
    dom::element content;
    std::string where;
  } last_assistant;
  std::size_t i = 0;
  for (dom::element m : messages) {
    std::string mp = path("messages", i++);
    dom::object message = need_object(m, mp);
    only_keys(message, {"role", "content"}, mp);
    std::string role(need_string(need(message, "role", mp), path(mp, "role")));
    if (role != "user" && role != "assistant") {
      invalid(path(mp, "role") + ": Unexpected role \"" + role +
              "\". The Messages API accepts a top-level `system` parameter, not \"system\" as "
              "an input message role.");
    }
    if (role == previous_role) {
      invalid(mp +
              ": roles must alternate between \"user\" and \"assistant\" (mock: the gateway "
              "should merge consecutive turns)");
    }
    previous_role = role;
    std::vector<std::string> tool_uses, tool_results;
    dom::element content = need(message, "content", mp);
    check_content(content, role, mp, c, tool_uses, tool_results);
    if (role == "assistant") last_assistant = {content, mp};
    if (!pending_tool_uses.empty()) {
      std::set<std::string> answered(tool_results.begin(), tool_results.end());
      for (const auto& id : pending_tool_uses) {
        if (!answered.contains(id)) {
          invalid(mp +
                  ": `tool_use` ids were found without `tool_result` blocks immediately "
                  "after: " +
                  id);
        }
      }
    }
    pending_tool_uses = std::move(tool_uses);
  }
  if (i == 0) invalid("messages: at least one message is required");
  // Extended thinking with tools: the turn being continued must start with its thinking.
  if (c.thinking && !last_assistant.where.empty() && previous_role == "user") {
    dom::array blocks;
    std::string_view first;
    bool uses_tools = false;
    if (!last_assistant.content.get(blocks)) {
      std::size_t j = 0;
      for (dom::element b : blocks) {
        std::string_view type;
        if (b["type"].get(type)) continue;
        if (j++ == 0) first = type;
        uses_tools = uses_tools || type == "tool_use";
      }
    }
    if (uses_tools && first != "thinking" && first != "redacted_thinking") {
      invalid(last_assistant.where +
              ".content.0.type: Expected `thinking` or `redacted_thinking`, but found `" +
              std::string(first) +
              "`. When `thinking` is enabled, a final `assistant` message must start with a "
              "thinking block (preceeding the lastmost set of `tool_use` and `tool_result` "
              "blocks).");
    }
  }
}

}  // namespace

std::optional<std::string> check_anthropic_request(std::string& body, AnthropicRequest& out) {
  try {
    thread_local dom::parser parser;
    dom::element doc;
    if (parser.parse(body).get(doc)) invalid("the request body is not valid JSON");
    dom::object req = need_object(doc, "body");
    AnthropicRequest c;
    for (auto [key, value] : req) check_field(std::string(key), value, c);
    if (c.model.empty()) invalid("model: Field required");
    if (c.max_tokens == 0) invalid("max_tokens: Field required");
    check_messages(req, c);
    if (c.input_words == 0) c.input_words = 1;
    out = std::move(c);
  } catch (const Invalid& e) {
    return e.message;
  }
  return std::nullopt;
}

}  // namespace tollgate::mock
