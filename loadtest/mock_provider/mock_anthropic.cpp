// Anthropic's request checks and answer shapes, as its API reference documents them.
#include "loadtest/mock_provider/mock_anthropic.h"

#include <set>

#include <simdjson.h>

#include "loadtest/mock_provider/mock_bodies.h"

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
    if (has(block, "content")) {
      dom::element content = block["content"].value();
      std::string_view s;
      if (!content.get(s)) {
        words += count_words(s);
      } else {
        std::vector<std::string> none;
        std::size_t j = 0;
        for (dom::element inner : need_array(content, path(where, "content"))) {
          std::string ip = path(path(where, "content"), j++);
          std::string_view t = check_block(inner, "user", ip, words, none, none);
          if (t != "text" && t != "image") invalid(ip + ": tool_result content is text or image");
        }
      }
    }
  } else {
    invalid(path(where, "type") + ": unknown content block type '" + std::string(type) + "'");
  }
  return type;
}

struct Checked {
  std::string model;
  bool stream = false;
  std::int64_t max_tokens = 0;
  std::int64_t input_words = 0;
  bool json_schema = false;
  std::string first_stop_sequence;
};

Checked check_request(std::string& body) {
  thread_local dom::parser parser;
  dom::element doc;
  if (parser.parse(body).get(doc)) invalid("the request body is not valid JSON");
  dom::object req = need_object(doc, "body");
  Checked c;
  for (auto [key, value] : req) {
    std::string k(key);
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
      std::string_view s;
      if (!value.get(s)) {
        c.input_words += count_words(s);
      } else {
        std::vector<std::string> none;
        std::size_t i = 0;
        for (dom::element b : need_array(value, k)) {
          std::string bp = path(k, i++);
          if (check_block(b, "system", bp, c.input_words, none, none) != "text") {
            invalid(bp + ": system blocks are text");
          }
        }
      }
    } else if (k == "metadata") {
      dom::object m = need_object(value, k);
      only_keys(m, {"user_id"}, k);
    } else if (k == "tools") {
      std::size_t i = 0;
      for (dom::element t : need_array(value, k)) {
        std::string tp = path(k, i++);
        dom::object tool = need_object(t, tp);
        only_keys(tool, {"name", "description", "input_schema", "cache_control", "strict", "type"},
                  tp);
        need_string(need(tool, "name", tp), path(tp, "name"));
        dom::object schema = need_object(need(tool, "input_schema", tp), path(tp, "input_schema"));
        if (need_string(need(schema, "type", path(tp, "input_schema")),
                        path(tp, "input_schema.type")) != "object") {
          invalid(path(tp, "input_schema.type") + ": Input should be 'object'");
        }
      }
    } else if (k == "tool_choice") {
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
    } else if (k == "output_config") {
      dom::object oc = need_object(value, k);
      only_keys(oc, {"format", "effort"}, k);
      if (has(oc, "format")) {
        dom::object f = need_object(oc["format"].value(), "output_config.format");
        only_keys(f, {"type", "schema"}, "output_config.format");
        if (need_string(need(f, "type", "output_config.format"), "output_config.format.type") !=
            "json_schema") {
          invalid("output_config.format.type: Input should be 'json_schema'");
        }
        need_object(need(f, "schema", "output_config.format"), "output_config.format.schema");
        c.json_schema = true;
      }
    } else if (k == "messages") {
      // below
    } else if (k == "service_tier" || k == "thinking" || k == "container" || k == "inference_geo" ||
               k == "cache_control") {
      // accepted, not acted on
    } else {
      invalid(k + ": Extra inputs are not permitted");
    }
  }
  if (c.model.empty()) invalid("model: Field required");
  if (c.max_tokens == 0) invalid("max_tokens: Field required");
  dom::array messages = need_array(need(req, "messages", "body"), "messages");
  std::string previous_role;
  std::vector<std::string> pending_tool_uses;
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
    dom::element content = need(message, "content", mp);
    std::vector<std::string> tool_uses, tool_results;
    std::string_view text;
    if (!content.get(text)) {
      if (text.empty()) invalid(path(mp, "content") + ": messages must have non-empty content");
      c.input_words += count_words(text);
    } else {
      dom::array blocks = need_array(content, path(mp, "content"));
      if (blocks.size() == 0)
        invalid(path(mp, "content") + ": messages must have non-empty content");
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
  if (c.input_words == 0) c.input_words = 1;
  return c;
}

std::string error_type_for(int status) {
  switch (status) {
    case 400:
      return "invalid_request_error";
    case 401:
      return "authentication_error";
    case 402:
      return "billing_error";
    case 403:
      return "permission_error";
    case 404:
      return "not_found_error";
    case 413:
      return "request_too_large";
    case 429:
      return "rate_limit_error";
    case 504:
      return "timeout_error";
    case 529:
      return "overloaded_error";
    default:
      return status >= 500 ? "api_error" : "invalid_request_error";
  }
}

std::string error_json(std::string_view type, std::string_view message) {
  std::string out = R"({"type":"error","error":{"type":)";
  append_json_string(out, type);
  out += R"(,"message":)";
  append_json_string(out, message);
  out += R"(},"request_id":"req_mock"})";
  return out;
}

struct ToolUse {
  std::string name;
  std::string input;  // JSON object text
};

std::vector<ToolUse> read_tool_uses(std::string_view header) {
  std::vector<ToolUse> out;
  if (header.empty()) return out;
  thread_local dom::parser parser;
  std::string copy(header);
  dom::element doc;
  if (parser.parse(copy).get(doc)) return out;
  auto one = [&](dom::element e) {
    dom::object o;
    if (e.get(o)) return;
    ToolUse t;
    std::string_view name;
    if (!o["name"].get(name)) t.name = std::string(name);
    auto input = o["input"];
    t.input = input.error() ? "{}" : simdjson::to_string(input.value());
    out.push_back(std::move(t));
  };
  dom::array a;
  if (!doc.get(a)) {
    for (dom::element e : a) one(e);
  } else {
    one(doc);
  }
  return out;
}

std::string usage_json(std::int64_t input, std::int64_t output, long long cache_read) {
  return R"({"input_tokens":)" + std::to_string(input) +
         R"(,"cache_creation_input_tokens":0,"cache_read_input_tokens":)" +
         std::to_string(cache_read) + R"(,"output_tokens":)" + std::to_string(output) + "}";
}

}  // namespace

bool is_anthropic_path(std::string_view path) {
  return path == "/v1/messages";
}

std::string anthropic_error(int status, std::string_view message) {
  std::string text(message);
  if (text.empty()) text = "mock error with status " + std::to_string(status);
  return error_json(error_type_for(status), text);
}

AnthropicReply anthropic_reply(bool is_post, const AnthropicSteering& a, std::string& body,
                               const Steering& s) {
  AnthropicReply reply;
  auto fail = [&](int status, std::string_view message) {
    reply.status = status;
    reply.body = anthropic_error(status, message);
    reply.retry_after = status == 429 || status == 529;
    return reply;
  };
  if (!is_post) return fail(405, "Method not allowed: use POST");
  if (a.api_key.empty()) return fail(401, "x-api-key header is required");
  if (a.version.empty()) return fail(400, "anthropic-version: header is required");
  if (s.status >= 400) return fail(s.status, a.error_message);
  Checked c;
  try {
    c = check_request(body);
  } catch (const Invalid& e) {
    return fail(400, e.message);
  }

  std::vector<ToolUse> tools = read_tool_uses(a.tool_use);
  std::string stop_reason = a.stop_reason;
  if (stop_reason.empty()) stop_reason = tools.empty() ? "end_turn" : "tool_use";
  std::string stop_sequence = "null";
  if (stop_reason == "stop_sequence") {
    stop_sequence.clear();
    append_json_string(stop_sequence, c.first_stop_sequence);
  }
  std::string text = c.json_schema ? std::string(R"({"answer":"mock"})")
                                   : completion_text(s.completion_tokens, s.body_bytes);
  std::int64_t output = s.completion_tokens;
  std::string id = "msg_mock01";
  std::string model;
  append_json_string(model, c.model);

  if (!c.stream) {
    std::string& out = reply.body;
    out = R"({"id":")" + id + R"(","type":"message","role":"assistant","model":)" + model +
          R"(,"content":[{"type":"text","text":)";
    append_json_string(out, text);
    out += "}";
    int n = 0;
    for (const auto& t : tools) {
      out += R"(,{"type":"tool_use","id":"toolu_mock)" + std::to_string(n++) + R"(","name":)";
      append_json_string(out, t.name);
      out += R"(,"input":)" + t.input + "}";
    }
    out += R"(],"stop_reason":)";
    append_json_string(out, stop_reason);
    out += R"(,"stop_sequence":)" + stop_sequence + R"(,"usage":)" +
           usage_json(c.input_words, output, a.cache_read_tokens) + "}";
    return reply;
  }

  reply.stream = true;
  auto& ev = reply.events;
  ev.push_back(
      {"message_start", R"({"type":"message_start","message":{"id":")" + id +
                            R"(","type":"message","role":"assistant","model":)" + model +
                            R"(,"content":[],"stop_reason":null,"stop_sequence":null,"usage":)" +
                            usage_json(c.input_words, 1, a.cache_read_tokens) + "}}"});
  auto stream_error = [&]() {
    ev.push_back(
        {"error", error_json(a.stream_error, a.error_message.empty() ? std::string("Overloaded")
                                                                     : a.error_message)});
  };
  if (!a.stream_error.empty() && a.stream_error_after <= 0) {
    stream_error();
    return reply;
  }
  ev.push_back({"ping", R"({"type": "ping"})"});
  ev.push_back(
      {"content_block_start",
       R"({"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}})"});
  std::size_t pieces = static_cast<std::size_t>(std::max(1, s.chunks));
  std::size_t per = (text.size() + pieces - 1) / pieces;
  int deltas = 0;
  for (std::size_t i = 0; i < pieces; ++i) {
    std::size_t begin = std::min(text.size(), i * per);
    std::string piece = text.substr(begin, per);
    if (piece.empty()) continue;
    std::string data =
        R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":)";
    append_json_string(data, piece);
    data += "}}";
    ev.push_back({"content_block_delta", std::move(data)});
    if (!a.stream_error.empty() && ++deltas == a.stream_error_after) {
      stream_error();
      return reply;
    }
  }
  ev.push_back({"content_block_stop", R"({"type":"content_block_stop","index":0})"});
  int index = 1;
  for (const auto& t : tools) {
    std::string i = std::to_string(index);
    std::string start = R"({"type":"content_block_start","index":)" + i +
                        R"(,"content_block":{"type":"tool_use","id":"toolu_mock)" +
                        std::to_string(index - 1) + R"(","name":)";
    append_json_string(start, t.name);
    start += R"(,"input":{}}})";
    ev.push_back({"content_block_start", std::move(start)});
    // The input arrives as partial JSON: an empty first piece, as Anthropic sends, then halves.
    std::size_t half = t.input.size() / 2;
    for (std::string piece : {std::string(), t.input.substr(0, half), t.input.substr(half)}) {
      std::string data = R"({"type":"content_block_delta","index":)" + i +
                         R"(,"delta":{"type":"input_json_delta","partial_json":)";
      append_json_string(data, piece);
      data += "}}";
      ev.push_back({"content_block_delta", std::move(data)});
    }
    ev.push_back({"content_block_stop", R"({"type":"content_block_stop","index":)" + i + "}"});
    ++index;
  }
  std::string delta = R"({"type":"message_delta","delta":{"stop_reason":)";
  append_json_string(delta, stop_reason);
  delta += R"(,"stop_sequence":)" + stop_sequence + R"(},"usage":{"output_tokens":)" +
           std::to_string(output) + "}}";
  ev.push_back({"message_delta", std::move(delta)});
  ev.push_back({"message_stop", R"({"type":"message_stop"})"});
  return reply;
}

}  // namespace tollgate::mock
