#include "cache/model_embedder.h"

#include <boost/json.hpp>

#include "gateway/core/log.h"
#include "gateway/core/subrequest.h"

namespace tollgate::cache {

namespace json = boost::json;
namespace asio = boost::asio;

std::string embedding_request(const std::string& model, std::string_view text) {
  json::object body;
  body["model"] = model;
  body["input"] = text;
  body["encoding_format"] = "float";
  return json::serialize(body);
}

bool read_embedding_answer(std::string_view body, Embedding& out) {
  out.clear();
  if (body.size() > kMaxEmbeddingAnswer) return false;
  json::error_code ec;
  json::value doc = json::parse(body, ec);  // depth bounded by Boost.JSON's default (32)
  if (ec || !doc.is_object()) return false;
  const json::value* data = doc.get_object().if_contains("data");
  if (data == nullptr || !data->is_array() || data->get_array().empty()) return false;
  const json::value& first = data->get_array().front();
  const json::value* values =
      first.is_object() ? first.get_object().if_contains("embedding") : nullptr;
  if (values == nullptr || !values->is_array()) return false;
  const json::array& list = values->get_array();
  if (list.empty() || list.size() > kMaxDims) return false;
  out.reserve(list.size());
  for (const json::value& v : list) {
    if (!v.is_number()) return false;
    out.push_back(static_cast<float>(v.to_number<double>()));
  }
  return normalize(out);
}

bool ModelEmbedder::fixes_dims(const std::string& served, std::size_t dims) {
  std::lock_guard lock(mutex_);
  // Bounded by the targets of the model's chain: this embedder belongs to one snapshot.
  auto [it, made] = dims_.try_emplace(served, dims);
  return made || it->second == dims;
}

asio::awaitable<bool> ModelEmbedder::embed(core::Exchange& exchange, std::string_view text,
                                           Embedding& out, std::string& served) {
  out.clear();
  if (exchange.subrequests == nullptr || text.size() > kMaxEmbeddedText) co_return false;
  core::Subrequest request{core::Operation::embeddings, embedding_request(model_, text), timeout_};
  core::SubrequestResult result;
  co_await exchange.subrequests->call(exchange, request, result);
  exchange.cache_embedding = core::to_string(result.outcome);
  if (result.usage.reported) exchange.cache_embedding_tokens += result.usage.prompt_tokens;
  if (result.outcome != core::SubrequestResult::Outcome::ok) {
    if (core::log_enabled(core::LogLevel::debug)) {
      core::log(core::LogLevel::debug,
                "request " + exchange.request_id + ": cache embeddings by '" + model_ + "' " +
                    std::string(exchange.cache_embedding) + " (" + result.detail + "): a miss");
    }
    co_return false;
  }
  served = result.served;
  if (!read_embedding_answer(result.body, out) || !fixes_dims(served, out.size())) {
    exchange.cache_embedding = "invalid";
    if (!warned_.exchange(true))
      core::log_warn("cache: the embeddings answer of '" + served +
                     "' is not a usable vector (or not of the dimension it gave first): a miss "
                     "(said once; tollgate_cache_embedding_requests_total"
                     "{result=\"invalid\"} counts them)");
    out.clear();
    co_return false;
  }
  co_return true;
}

}  // namespace tollgate::cache
