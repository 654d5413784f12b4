// Parses an HTTP/1.1 message straight into the gateway's own types: the head's fields
// into one core::Headers, the body into a std::string. Beast's message parsers keep a
// heap node per field, which the gateway then copied into its own list; between the
// client's request and the provider's answer that was about a dozen allocations per
// proxied request. Beast still does all of the parsing (basic_parser), with its limits.
// Included only by the two files that read HTTP (session.cpp, http_upstream.cpp).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <boost/beast/http/basic_parser.hpp>

#include "gateway/core/headers.h"

namespace tollgate::gateway {

template <bool isRequest>
class MessageParser final : public boost::beast::http::basic_parser<isRequest> {
  using error_code = boost::beast::error_code;
  using string_view = boost::beast::string_view;

 public:
  // Bytes reserved past a body of known length (simdjson reads past the end of the
  // request body; reserving them up front saves growing it again).
  explicit MessageParser(std::size_t body_slack = 0) : body_slack_(body_slack) {}

  // Requests only.
  std::string method;
  std::string target;
  // Responses only.
  int status = 0;

  core::Headers headers;
  // The body parsed so far. A streamed answer takes what has arrived after each read and
  // clears it, so it stays the size of one read.
  std::string body;

 private:
  void on_request_impl(boost::beast::http::verb, string_view method_text, string_view target_text,
                       int, error_code&) override {
    method.assign(method_text.data(), method_text.size());
    target.assign(target_text.data(), target_text.size());
  }
  void on_response_impl(int code, string_view, int, error_code&) override { status = code; }
  void on_field_impl(boost::beast::http::field, string_view name, string_view value,
                     error_code&) override {
    headers.add(name, value);
  }
  void on_header_impl(error_code&) override {}
  void on_body_init_impl(const boost::optional<std::uint64_t>& content_length,
                         error_code&) override {
    // basic_parser has already refused a length over its body limit.
    if (content_length) body.reserve(static_cast<std::size_t>(*content_length) + body_slack_);
  }
  std::size_t on_body_impl(string_view bytes, error_code&) override {
    body.append(bytes.data(), bytes.size());
    return bytes.size();
  }
  void on_chunk_header_impl(std::uint64_t, string_view, error_code&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, string_view bytes, error_code&) override {
    body.append(bytes.data(), bytes.size());
    return bytes.size();
  }
  void on_finish_impl(error_code&) override {}

  std::size_t body_slack_;
};

using RequestParser = MessageParser<true>;
using ResponseParser = MessageParser<false>;

}  // namespace tollgate::gateway
