// Usage extraction with simdjson's on-demand API; a cheap substring test first, since
// most stream chunks carry no usage at all.
#include "routing/providers/common/usage_json.h"

#include <algorithm>

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

}  // namespace

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
  // Filled only once the whole document has been read: a body that turns out malformed
  // half-way leaves the request's usage as it was.
  core::Usage read = usage;
  try {
    od::document doc = parser.iterate(
        simdjson::padded_string_view(padded.data(), padded.size(), padded.capacity()));
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
