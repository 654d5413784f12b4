// Finds every text a model reads in an OpenAI request body: message content strings and
// text parts, tool results, completions' `prompt`, embeddings' and Responses' `input`,
// and `instructions`, each with the byte range of its JSON string token so an edit can
// splice the body (splice_tokens). Shared by the stages that read prompts (sanitize, pii). The body
// has passed core::parse_request_json (valid, bounded depth, no duplicate keys); this reads only
// the fields above.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/request_json.h"

namespace tollgate::policies {

// Where a text is, for the `param` of an error; built into a string only when refusing.
struct TextPlace {
  enum class Field { messages, prompt, input, instructions };
  static constexpr std::size_t kNone = static_cast<std::size_t>(-1);
  Field field = Field::messages;
  std::size_t item = kNone;  // messages[item], prompt[item], input[item]
  std::size_t part = kNone;  // ...content[part]
  std::string_view member;   // "content", "output" (an item's member), empty for none
};

// "messages", "prompt", "input" or "instructions".
std::string_view field_name(TextPlace::Field field);
// "messages[3].content", "messages[3].content[1].text", "prompt", "input[2].output"...
std::string param_of(const TextPlace& place);
// The same for the whole item a text belongs to: "messages[3].content" for any of its
// parts (what max_message_bytes counts).
std::string item_param_of(const TextPlace& place);

struct PromptText {
  std::string_view text;  // unescaped; valid until the next walk on this thread
  core::ByteRange token;  // the JSON string in the body, quotes included
  TextPlace place;
  bool tool = false;  // a tool's result: text the model reads that no user wrote
};

// What the walk tells its reader. Each returns false to stop the walk.
class TextVisitor {
 public:
  virtual ~TextVisitor() = default;
  // A new message (or Responses input item) begins: `place.item` counts from 0.
  virtual bool item(const TextPlace& place) = 0;
  virtual bool text(const PromptText& text) = 0;
};

enum class WalkResult { done, stopped, unreadable };

// `body` keeps simdjson's padding past its size (core::ensure_json_padding).
WalkResult walk_prompt_texts(const std::string& body, TextVisitor& visitor);

// A text's new JSON string literal, quotes included, for the token it replaces.
struct TokenEdit {
  core::ByteRange token;
  std::string_view literal;
};

// `out` = `body` with each edited string token replaced by its literal; every other byte
// is the client's. Sorts `edits` (a walk may visit an item's `output` before its
// `content`); they never overlap.
void splice_tokens(const std::string& body, std::vector<TokenEdit>& edits, std::string& out);

}  // namespace tollgate::policies
