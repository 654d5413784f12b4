// Usage extraction with simdjson's on-demand API; a cheap substring test first, since
// most stream chunks carry no usage at all.
#include "routing/providers/common/usage_json.h"

#include <algorithm>
#include <cstring>

#include <simdjson.h>

namespace tollgate::routing::providers {

namespace od = simdjson::ondemand;

namespace {

// A count as the provider gave it; a negative one (a broken or hostile provider) must not
// take tokens or cost off a ledger.
std::int64_t token_count(od::value value) {
  return std::max<std::int64_t>(0, value.get_int64().value());
}

// `<details>: {"<name>": N}`: the one count the gateway keeps from a *_tokens_details object.
void read_detail(od::value details, std::string_view name, std::int64_t& into) {
  if (details.type().value() != od::json_type::object) return;
  for (auto field : details.get_object()) {
    if (field.unescaped_key().value() != name) continue;
    od::value n = field.value().value();
    if (n.type().value() == od::json_type::number) into = token_count(n);
  }
}

// One usage object, in either dialect's names.
void read_usage_object(od::value value, core::Usage& usage) {
  for (auto u : value.get_object()) {
    std::string_view name = u.unescaped_key().value();
    od::value n = u.value().value();
    if (name == "prompt_tokens_details" || name == "input_tokens_details") {
      read_detail(n, "cached_tokens", usage.cached_tokens);
      continue;
    }
    if (name == "completion_tokens_details" || name == "output_tokens_details") {
      read_detail(n, "reasoning_tokens", usage.reasoning_tokens);
      continue;
    }
    if (n.type().value() != od::json_type::number) continue;
    if (name == "prompt_tokens" || name == "input_tokens") {
      usage.prompt_tokens = token_count(n);
    } else if (name == "completion_tokens" || name == "output_tokens") {
      usage.completion_tokens = token_count(n);
    }
  }
  usage.reported = true;
}

// The Responses API's stream events carry the Response object under "response"; its usage
// is null until the last event (response.completed, .incomplete or .failed).
bool read_response_usage(od::value response, core::Usage& usage) {
  for (auto field : response.get_object()) {
    if (field.unescaped_key().value() != "usage") continue;
    od::value value = field.value().value();
    if (value.type().value() != od::json_type::object) return false;
    read_usage_object(value, usage);
    return true;
  }
  return false;
}

// simdjson reads past the end: `json` is copied into a per-thread buffer with room to
// spare, rather than a padded_string allocated for every answer or chunk.
class PaddedCopy {
 public:
  explicit PaddedCopy(std::string_view json) {
    std::string& padded = buffer();
    padded.assign(json);
    if (padded.capacity() < padded.size() + simdjson::SIMDJSON_PADDING) {
      padded.reserve(padded.size() + simdjson::SIMDJSON_PADDING);
    }
  }
  ~PaddedCopy() {  // one huge answer must not pin its size for the thread's life
    if (buffer().capacity() > 1024 * 1024) std::string().swap(buffer());
  }
  PaddedCopy(const PaddedCopy&) = delete;
  PaddedCopy& operator=(const PaddedCopy&) = delete;

  simdjson::padded_string_view view() const {
    const std::string& padded = buffer();
    return simdjson::padded_string_view(padded.data(), padded.size(), padded.capacity());
  }

 private:
  static std::string& buffer() {
    thread_local std::string padded;
    return padded;
  }
};

// Whether `json` holds `needle`. string_view::find looks for the needle's first byte with
// memchr and then compares, and a needle that starts with a quote stops it every few
// bytes of JSON (0.7% of a request's CPU on two such tests); glibc's memmem skips by
// pairs of bytes.
bool contains(std::string_view json, std::string_view needle) {
  return ::memmem(json.data(), json.size(), needle.data(), needle.size()) != nullptr;
}

od::parser& thread_parser() {
  thread_local od::parser parser;
  return parser;
}

std::int64_t string_bytes(od::value value) {
  if (value.type().value() != od::json_type::string) return 0;
  return static_cast<std::int64_t>(value.get_string().value().size());
}

// A tool call's `function` (or the older `function_call`): its name and arguments.
std::int64_t function_bytes(od::value function) {
  if (function.type().value() != od::json_type::object) return 0;
  std::int64_t bytes = 0;
  for (auto field : function.get_object()) {
    std::string_view key = field.unescaped_key().value();
    if (key == "name" || key == "arguments") bytes += string_bytes(field.value().value());
  }
  return bytes;
}

// A message's `content`: a string, or an array of parts with text.
std::int64_t content_bytes(od::value content) {
  if (content.type().value() != od::json_type::array) return string_bytes(content);
  std::int64_t bytes = 0;
  for (auto part : content.get_array()) {
    od::value value = part.value();
    if (value.type().value() != od::json_type::object) continue;
    for (auto field : value.get_object()) {
      if (field.unescaped_key().value() == "text") bytes += string_bytes(field.value().value());
    }
  }
  return bytes;
}

// A chat chunk's `delta` or a whole answer's `message`.
std::int64_t message_bytes(od::value message) {
  if (message.type().value() != od::json_type::object) return 0;
  std::int64_t bytes = 0;
  for (auto field : message.get_object()) {
    std::string_view key = field.unescaped_key().value();
    od::value value = field.value().value();
    if (key == "content") {
      bytes += content_bytes(value);
    } else if (key == "reasoning_content" || key == "reasoning" || key == "refusal") {
      bytes += string_bytes(value);
    } else if (key == "function_call") {
      bytes += function_bytes(value);
    } else if (key == "tool_calls" && value.type().value() == od::json_type::array) {
      for (auto call : value.get_array()) {
        od::value c = call.value();
        if (c.type().value() != od::json_type::object) continue;
        for (auto f : c.get_object()) {
          if (f.unescaped_key().value() == "function") bytes += function_bytes(f.value().value());
        }
      }
    }
  }
  return bytes;
}

std::int64_t choices_bytes(od::value choices) {
  if (choices.type().value() != od::json_type::array) return 0;
  std::int64_t bytes = 0;
  for (auto choice : choices.get_array()) {
    od::value value = choice.value();
    if (value.type().value() != od::json_type::object) continue;
    for (auto field : value.get_object()) {
      std::string_view key = field.unescaped_key().value();
      if (key == "text") {
        bytes += string_bytes(field.value().value());
      } else if (key == "delta" || key == "message") {
        bytes += message_bytes(field.value().value());
      }
    }
  }
  return bytes;
}

}  // namespace

std::int64_t answer_text_bytes(std::string_view json) {
  if (json.empty() || json.front() != '{') return 0;  // [DONE], or not an object
  PaddedCopy padded(json);
  std::int64_t bytes = 0;
  std::int64_t delta = 0;  // a Responses event's delta, counted if its type is *.delta
  bool delta_event = false;
  try {
    od::document doc = thread_parser().iterate(padded.view());
    for (auto field : doc.get_object()) {
      std::string_view key = field.unescaped_key().value();
      od::value value = field.value().value();
      if (key == "choices") {
        bytes += choices_bytes(value);
      } else if (key == "delta") {
        delta = string_bytes(value);
      } else if (key == "type" && value.type().value() == od::json_type::string) {
        delta_event = value.get_string().value().ends_with(".delta");
      }
    }
  } catch (const simdjson::simdjson_error&) {
    return 0;
  }
  return bytes + (delta_event ? delta : 0);
}

ChunkFacts read_usage(std::string_view json, core::Usage& usage) {
  ChunkFacts facts;
  bool maybe_usage = contains(json, "\"usage\"");
  bool maybe_error = contains(json, "\"error\"");
  if (!maybe_usage && !maybe_error) return facts;
  PaddedCopy padded(json);
  // Filled only once the whole document has been read: a body that turns out malformed
  // half-way leaves the request's usage as it was.
  core::Usage read = usage;
  try {
    od::document doc = thread_parser().iterate(padded.view());
    for (auto field : doc.get_object()) {
      std::string_view key = field.unescaped_key().value();
      od::value value = field.value().value();
      od::json_type type = value.type().value();
      if (key == "usage" && type == od::json_type::object) {
        facts.has_usage = true;
        read_usage_object(value, read);
      } else if (key == "response" && type == od::json_type::object) {
        facts.has_usage = read_response_usage(value, read) || facts.has_usage;
      } else if (key == "choices" && type == od::json_type::array) {
        od::array choices = value.get_array().value();
        facts.usage_only = choices.count_elements().value() == 0;
      } else if (key == "error") {
        facts.is_error = true;
      }
    }
    usage = read;
  } catch (const simdjson::simdjson_error&) {
    // Not our JSON to judge: the client gets the bytes as they came.
    facts.has_usage = false;
  }
  facts.usage_only = facts.usage_only && facts.has_usage;
  return facts;
}

}  // namespace tollgate::routing::providers
