// One on-demand pass over the request body: every value is visited (so malformed JSON
// anywhere is caught), the fields the gateway acts on are kept, and the model token's
// byte range is recorded for splicing.
#include "gateway/core/request_json.h"

#include <simdjson.h>

#include <algorithm>
#include <stdexcept>
#include <vector>

#include "gateway/core/errors.h"

namespace tollgate::core {

namespace od = simdjson::ondemand;

namespace {

// A document the gateway refuses although it is valid JSON: too deep, or a key twice.
class JsonRefusal : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The keys of the objects being read, innermost last, for the duplicate check. Views into
// simdjson's string buffer, which holds every unescaped string of the document until the
// next parse; one vector per thread, so no allocation per request once warm.
thread_local std::vector<std::string_view> open_keys;

// Checks the keys of one object (open_keys from `first` on) for a repeat. Few keys:
// compared pairwise as they come; many (a hostile object with 100,000 keys): sorted once,
// so the check stays O(n log n).
class KeySet {
 public:
  KeySet() : first_(open_keys.size()) {}
  ~KeySet() { open_keys.resize(first_); }
  KeySet(const KeySet&) = delete;
  KeySet& operator=(const KeySet&) = delete;

  void add(std::string_view key) {
    std::size_t count = open_keys.size() - first_;
    if (count < kPairwiseKeys) {
      for (std::size_t i = first_; i < open_keys.size(); ++i) {
        if (open_keys[i] == key) refuse(key);
      }
    }
    open_keys.push_back(key);
  }
  // Call when the object has been read whole.
  void finish() {
    if (open_keys.size() - first_ <= kPairwiseKeys) return;
    auto begin = open_keys.begin() + static_cast<std::ptrdiff_t>(first_);
    std::sort(begin, open_keys.end());
    auto repeat = std::adjacent_find(begin, open_keys.end());
    if (repeat != open_keys.end()) refuse(*repeat);
  }

 private:
  static constexpr std::size_t kPairwiseKeys = 16;
  [[noreturn]] static void refuse(std::string_view key) {
    std::string shown(key.substr(0, 64));
    throw JsonRefusal("the key \"" + shown + "\" appears twice in one object of the request body");
  }
  std::size_t first_;
};

// Visits every value of the document below the root, adding string lengths to `chars`
// when counting. `depth` is the level of the container `v` would open.
class Walker {
 public:
  explicit Walker(std::size_t max_depth) : max_depth_(max_depth) {}

  void walk(od::value v, std::size_t depth, std::size_t* chars) {
    switch (v.type().value()) {
      case od::json_type::object: {
        enter(depth);
        KeySet keys;
        for (auto field : v.get_object()) {
          keys.add(field.unescaped_key().value());
          walk(field.value().value(), depth + 1, chars);
        }
        keys.finish();
        break;
      }
      case od::json_type::array:
        enter(depth);
        for (auto element : v.get_array()) walk(element.value(), depth + 1, chars);
        break;
      case od::json_type::string: {
        std::string_view s = v.get_string().value();
        if (chars != nullptr) *chars += s.size();
        break;
      }
      case od::json_type::number:
        (void)v.get_number().value();
        break;
      case od::json_type::boolean:
        (void)v.get_bool().value();
        break;
      case od::json_type::null:
        if (!v.is_null()) throw simdjson::simdjson_error(simdjson::INCORRECT_TYPE);
        break;
    }
  }

  void enter(std::size_t depth) const {
    if (depth > max_depth_) {
      throw JsonRefusal("the request body nests objects and arrays deeper than " +
                        std::to_string(max_depth_) + " levels");
    }
  }

 private:
  std::size_t max_depth_;
};

std::string_view trim_right(std::string_view s) {
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\n' || s.back() == '\r' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

ByteRange range_of(std::string_view token, const std::string& body) {
  token = trim_right(token);
  return {static_cast<std::size_t>(token.data() - body.data()), token.size()};
}

// stream_options: an object (or null), whose include_usage must be a boolean. Its
// places are recorded so the provider can always be asked for usage.
std::optional<JsonParseResult> read_stream_options(od::value value, const std::string& body,
                                                   Walker& walker, RequestJson& out) {
  auto type = value.type().value();
  if (type == od::json_type::null) {
    out.stream_options_range = range_of(value.raw_json_token(), body);
    // The type is guessed from the first byte: "nu" is no null (found by fuzzing).
    if (!value.is_null()) throw simdjson::simdjson_error(simdjson::INCORRECT_TYPE);
    return std::nullopt;
  }
  if (type != od::json_type::object) {
    walker.walk(value, 2, nullptr);
    return JsonParseResult{false, "'stream_options' must be an object"};
  }
  out.has_stream_options = true;
  out.stream_options_range = {range_of(value.raw_json_token(), body).offset, 1};
  walker.enter(2);
  KeySet keys;
  for (auto option : value.get_object()) {
    std::string_view option_key = option.unescaped_key().value();
    keys.add(option_key);
    out.stream_options_has_members = true;
    od::value option_value = option.value().value();
    if (option_key == "include_usage") {
      if (option_value.type().value() != od::json_type::boolean) {
        walker.walk(option_value, 3, nullptr);
        return JsonParseResult{false, "'stream_options.include_usage' must be a boolean"};
      }
      out.include_usage_range = range_of(option_value.raw_json_token(), body);
      out.include_usage = option_value.get_bool().value();
    } else {
      walker.walk(option_value, 3, nullptr);
    }
  }
  keys.finish();
  return std::nullopt;
}

}  // namespace

static_assert(kJsonPadding >= simdjson::SIMDJSON_PADDING);

void ensure_json_padding(std::string& body) {
  if (body.capacity() < body.size() + kJsonPadding) {
    body.reserve(body.size() + kJsonPadding);
  }
}

JsonParseResult parse_request_json(std::string& body, RequestJson& out, std::size_t max_depth) {
  thread_local od::parser parser;
  out = RequestJson{};
  ensure_json_padding(body);
  open_keys.clear();
  Walker walker(max_depth);
  try {
    od::document doc =
        parser.iterate(simdjson::padded_string_view(body.data(), body.size(), body.capacity()));
    if (doc.type().value() != od::json_type::object) {
      return {false, "the request body must be a JSON object"};
    }
    out.is_object = true;
    KeySet keys;
    for (auto field : doc.get_object()) {
      std::string_view key = field.unescaped_key().value();
      keys.add(key);
      od::value value = field.value().value();
      if (key == "model") {
        if (value.type().value() != od::json_type::string) {
          walker.walk(value, 2, nullptr);
          return {false, "'model' must be a string"};
        }
        out.model_range = range_of(value.raw_json_token(), body);
        out.model = std::string(value.get_string().value());
      } else if (key == "stream") {
        auto type = value.type().value();
        if (type == od::json_type::boolean) {
          out.stream = value.get_bool().value();
        } else {
          walker.walk(value, 2, nullptr);
          if (type != od::json_type::null) return {false, "'stream' must be a boolean"};
        }
      } else if (key == "stream_options") {
        if (auto refusal = read_stream_options(value, body, walker, out)) return *refusal;
      } else if (key == "max_tokens" || key == "max_completion_tokens" ||
                 key == "max_output_tokens") {
        if (value.type().value() == od::json_type::number) {
          out.max_tokens = value.get_int64().value();
        } else {
          walker.walk(value, 2, nullptr);
        }
      } else if (key == "n") {
        if (value.type().value() == od::json_type::number) {
          out.choices = std::max<long long>(1, value.get_int64().value());
        } else {
          walker.walk(value, 2, nullptr);
        }
      } else if (key == "messages") {
        out.has_messages = value.type().value() == od::json_type::array;
        walker.walk(value, 2, &out.prompt_chars);
      } else if (key == "prompt") {
        out.has_prompt = true;
        walker.walk(value, 2, &out.prompt_chars);
      } else if (key == "input") {
        out.has_input = true;
        walker.walk(value, 2, &out.prompt_chars);
      } else if (key == "instructions") {
        // The Responses API's system prompt: billed as prompt like the input.
        walker.walk(value, 2, &out.prompt_chars);
      } else {
        walker.walk(value, 2, nullptr);
      }
    }
    keys.finish();
    // A location left after the root object means trailing content ("{} x").
    if (!doc.current_location().error()) {
      return {false, "unexpected content after the JSON object"};
    }
  } catch (const simdjson::simdjson_error& e) {
    out.is_object = false;
    return {false, std::string("invalid JSON in the request body: ") + e.what()};
  } catch (const JsonRefusal& e) {
    out.is_object = false;
    return {false, e.what()};
  }
  return {true, {}};
}

namespace {

struct BodyEdit {
  ByteRange range;  // replaced; an insertion has length 0
  std::string_view text;
  bool json_string = false;  // `text` is written as a JSON string literal
};

}  // namespace

std::string splice_request_body(std::string_view body, const RequestJson& json,
                                std::string_view new_model, bool force_include_usage) {
  static constexpr std::string_view kWholeOptions = R"({"include_usage":true})";
  BodyEdit edits[2];
  std::size_t count = 0;
  if (json.model) edits[count++] = {json.model_range, new_model, true};
  if (force_include_usage) {
    if (json.include_usage_range) {
      edits[count++] = {*json.include_usage_range, "true"};
    } else if (json.has_stream_options) {
      // Right after the object's opening brace.
      edits[count++] = {
          {json.stream_options_range.offset + 1, 0},
          json.stream_options_has_members ? R"("include_usage":true,)" : R"("include_usage":true)"};
    } else if (json.stream_options_range.length != 0) {
      edits[count++] = {json.stream_options_range, kWholeOptions};  // it was null
    } else {
      // Right after the root's opening brace, so no other byte moves.
      edits[count++] = {{body.find('{') + 1, 0}, R"("stream_options":{"include_usage":true},)"};
    }
  }
  if (count == 2 && edits[1].range.offset < edits[0].range.offset) std::swap(edits[0], edits[1]);

  std::string out;
  out.reserve(body.size() + new_model.size() + 48);
  std::size_t cursor = 0;
  for (std::size_t i = 0; i < count; ++i) {
    const BodyEdit& edit = edits[i];
    out.append(body.substr(cursor, edit.range.offset - cursor));
    if (edit.json_string) {
      append_json_string(out, edit.text);
    } else {
      out.append(edit.text);
    }
    cursor = edit.range.offset + edit.range.length;
  }
  out.append(body.substr(cursor));
  return out;
}

}  // namespace tollgate::core
