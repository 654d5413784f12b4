// Usage extraction with simdjson's on-demand API; a cheap substring test first, since
// most stream chunks carry no usage at all.
#include "routing/providers/common/usage_json.h"

#include <simdjson.h>

namespace tollgate::routing::providers {

namespace od = simdjson::ondemand;

ChunkFacts read_usage(std::string_view json, core::Usage& usage) {
  ChunkFacts facts;
  bool maybe_usage = json.find("\"usage\"") != std::string_view::npos;
  bool maybe_error = json.find("\"error\"") != std::string_view::npos;
  if (!maybe_usage && !maybe_error) return facts;
  thread_local od::parser parser;
  // simdjson reads past the end: copied into a per-thread buffer with room to spare,
  // rather than a padded_string allocated for every answer.
  thread_local std::string padded;
  padded.assign(json);
  if (padded.capacity() < padded.size() + simdjson::SIMDJSON_PADDING) {
    padded.reserve(padded.size() + simdjson::SIMDJSON_PADDING);
  }
  struct ShrinkLarge {  // one huge answer must not pin its size for the thread's life
    ~ShrinkLarge() {
      if (padded.capacity() > 1024 * 1024) std::string().swap(padded);
    }
  } shrink_large;
  try {
    od::document doc = parser.iterate(
        simdjson::padded_string_view(padded.data(), padded.size(), padded.capacity()));
    for (auto field : doc.get_object()) {
      std::string_view key = field.unescaped_key().value();
      od::value value = field.value().value();
      if (key == "usage" && value.type().value() == od::json_type::object) {
        facts.has_usage = true;
        for (auto u : value.get_object()) {
          std::string_view name = u.unescaped_key().value();
          od::value n = u.value().value();
          if (n.type().value() != od::json_type::number) continue;
          if (name == "prompt_tokens" || name == "input_tokens") {
            usage.prompt_tokens = n.get_int64().value();
          } else if (name == "completion_tokens" || name == "output_tokens") {
            usage.completion_tokens = n.get_int64().value();
          }
        }
        usage.reported = true;
      } else if (key == "choices" && value.type().value() == od::json_type::array) {
        od::array choices = value.get_array().value();
        facts.usage_only = choices.count_elements().value() == 0;
      } else if (key == "error") {
        facts.is_error = true;
      }
    }
  } catch (const simdjson::simdjson_error&) {
    // Not our JSON to judge: the client gets the bytes as they came.
  }
  facts.usage_only = facts.usage_only && facts.has_usage;
  return facts;
}

}  // namespace tollgate::routing::providers
