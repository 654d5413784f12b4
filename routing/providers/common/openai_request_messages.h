// Reading the `messages` of an OpenAI chat request into a neutral form a dialect writes
// out in its own words: roles, the keys each role takes, content parts (text, refusal,
// image_url, input_audio, file), base64 data URIs and assistant tool calls. Refusals
// follow openai_request_fields.h.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <boost/json/value.hpp>

#include "routing/providers/common/openai_request_fields.h"

namespace tollgate::routing::providers::openai_request {

// "data:image/png;charset=x;base64,AAAA" → media type "image/png" (parameters dropped, case
// kept, may be empty) and the base64 data; nullopt when not a base64 data URI.
struct DataUri {
  std::string_view media_type;
  std::string_view data;
};
std::optional<DataUri> split_data_uri(std::string_view uri);

enum class Role { system, user, assistant, tool };  // system includes developer

// Which content part types a message takes: system, developer and tool messages text only,
// assistant messages text and refusal, user messages text and media.
enum class PartsAllowed { text_only, assistant, user };

enum class PartKind { text, refusal, image_url, input_audio, file };

// One content part, read and type-checked. Strings point into the request document.
struct ContentPart {
  PartKind kind = PartKind::text;
  std::string param;                          // "messages[1].content[0]"
  const boost::json::object* part = nullptr;  // for a dialect's own extras
  std::string_view text;                      // text, refusal
  std::string_view url;                       // image_url.url (detail is a hint: ignored)
  std::string_view audio_data;                // input_audio.data
  std::string_view audio_format;              // input_audio.format
  DataUri file;                               // file.file_data
  std::string_view filename;                  // file.filename, may be empty
};

// Reads one part of a content array. A file part must carry file_data as a base64 data
// URI: OpenAI file ids mean nothing to another provider.
ContentPart read_part(const boost::json::value& item, const std::string& param,
                      PartsAllowed allowed, const Dialect& dialect);

// Calls on_part(const ContentPart&) for each part of `content`: a string is one text part,
// an array its parts; anything else is refused.
template <class OnPart>
void for_each_part(const boost::json::value& content, const std::string& param,
                   PartsAllowed allowed, const Dialect& dialect, OnPart&& on_part) {
  if (content.is_string()) {
    ContentPart part;
    part.param = param;
    part.text = sv(content.get_string());
    on_part(std::as_const(part));
    return;
  }
  if (!content.is_array()) refuse(param, "`" + param + "` must be a string or an array of parts");
  std::size_t j = 0;
  for (const auto& item : content.get_array()) {
    const ContentPart part = read_part(item, at(param, j++), allowed, dialect);
    on_part(part);
  }
}

// One message of `messages`, its role read and its keys checked.
struct Message {
  Role role = Role::user;
  std::string param;  // "messages[3]"
  const boost::json::object* object = nullptr;
  const boost::json::value* content = nullptr;  // present(); required for system and user
};

// Reads messages[index]: an object with a known role, only the keys that role takes, and
// content where the role needs it. The deprecated function role is refused.
Message read_message(const boost::json::value& item, std::size_t index, const Dialect& dialect);

// A tool message's tool_call_id.
std::string_view tool_call_id(const Message& message);

// One entry of an assistant message's tool_calls: id (empty when absent), function name
// and the arguments string parsed to an object ("" or blank → {}).
struct ToolCall {
  std::string param;  // "messages[1].tool_calls[0]"
  std::string_view id;
  std::string_view name;
  boost::json::value arguments;
};

ToolCall read_tool_call(const boost::json::value& item, const std::string& param,
                        const Dialect& dialect);

// Calls on_call(ToolCall&&) for each of an assistant message's tool_calls.
template <class OnCall>
void for_each_tool_call(const Message& message, const Dialect& dialect, OnCall&& on_call) {
  const boost::json::value* calls = present(*message.object, "tool_calls");
  if (calls == nullptr) return;
  std::string param = dot(message.param, "tool_calls");
  std::size_t j = 0;
  for (const auto& item : need_array(*calls, param)) {
    on_call(read_tool_call(item, at(param, j++), dialect));
  }
}

}  // namespace tollgate::routing::providers::openai_request
