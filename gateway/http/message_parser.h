// Parses an HTTP/1.1 message straight into the gateway's own types: the head's fields
// into one core::Headers, the body into a std::string. Beast's message parsers keep a
// heap node per field, which the gateway then copied into its own list; between the
// client's request and the provider's answer that was about a dozen allocations per
// proxied request. Beast still does all of the parsing (basic_parser), with its limits;
// this class adds the checks against request smuggling that Beast 1.81 leaves out.
// Included only by the two files that read HTTP (session.cpp, http_upstream.cpp).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>

#include "gateway/core/headers.h"

namespace tollgate::gateway {

// The longest chunk extension taken. RFC 9112 sets none; nobody sends more than a few
// bytes, and the line is held whole until it ends (the read buffer bounds how long).
inline constexpr std::size_t kMaxChunkExtensionBytes = 4096;

template <bool isRequest>
class MessageParser final : public boost::beast::http::basic_parser<isRequest> {
  using error_code = boost::beast::error_code;
  using string_view = boost::beast::string_view;
  using field = boost::beast::http::field;
  using error = boost::beast::http::error;

 public:
  // Bytes reserved past a body of known length (simdjson reads past the end of the
  // request body; reserving them up front saves growing it again).
  explicit MessageParser(std::size_t body_slack = 0) : body_slack_(body_slack) {}

  // Requests only.
  std::string method;
  std::string target;
  // Responses only.
  int status = 0;
  // 10 for HTTP/1.0, 11 for HTTP/1.1.
  int http_version = 11;

  core::Headers headers;
  // The body parsed so far. A streamed answer takes what has arrived after each read and
  // clears it, so it stays the size of one read.
  std::string body;

  // Why one of this class's own checks refused the message (empty when Beast refused it,
  // or nothing did): said to the client after "malformed HTTP request: ".
  std::string_view refusal;

 private:
  void on_request_impl(boost::beast::http::verb, string_view method_text, string_view target_text,
                       int version, error_code&) override {
    method.assign(method_text.data(), method_text.size());
    target.assign(target_text.data(), target_text.size());
    http_version = version;
  }
  void on_response_impl(int code, string_view, int version, error_code&) override {
    status = code;
    http_version = version;
  }
  void on_field_impl(field name_id, string_view name, string_view value, error_code& ec) override {
    // Trailer fields are dropped: RFC 9110 §6.5.1 forbids merging them into the head, and
    // a proxy in front that vetted the head never saw them.
    if (head_done_) return;
    if (folded(name, value)) {
      refuse(ec, error::bad_value,
             "obsolete line folding (a field value continued on the next line)");
      return;
    }
    if (name_id == field::transfer_encoding) {
      has_transfer_encoding_ = true;
      count_transfer_codings(value);
    } else if (name_id == field::content_length) {
      has_content_length_ = true;
    }
    headers.add(name, value);
  }
  // Framing, checked before a byte of the body is read (RFC 9112 §6.1, §6.3): the only
  // transfer coding taken is chunked alone; beside a Content-Length, or in an HTTP/1.0
  // message, Transfer-Encoding means two parties may frame the body differently. Beast
  // takes `Transfer-Encoding: xchunked` followed by a Content-Length, and frames by the
  // length; it reads `chunked, gzip` as no body at all, so the body would be read as the
  // next request.
  void on_header_impl(error_code& ec) override {
    head_done_ = true;
    if (!has_transfer_encoding_) return;
    if (http_version < 11) {
      refuse(ec, error::bad_transfer_encoding, "Transfer-Encoding in an HTTP/1.0 message");
    } else if (has_content_length_) {
      refuse(ec, error::bad_transfer_encoding, "both Transfer-Encoding and Content-Length");
    } else if (transfer_codings_ != 1 || !only_chunked_) {
      refuse(ec, error::bad_transfer_encoding, "a Transfer-Encoding other than chunked");
    }
  }
  void on_body_init_impl(const boost::optional<std::uint64_t>& content_length,
                         error_code&) override {
    // basic_parser has already refused a length over its body limit.
    if (content_length) body.reserve(static_cast<std::size_t>(*content_length) + body_slack_);
  }
  std::size_t on_body_impl(string_view bytes, error_code&) override {
    body.append(bytes.data(), bytes.size());
    return bytes.size();
  }
  void on_chunk_header_impl(std::uint64_t, string_view extension, error_code& ec) override {
    if (extension.size() > kMaxChunkExtensionBytes) {
      refuse(ec, error::bad_chunk_extension, "a chunk extension longer than 4096 bytes");
    }
  }
  std::size_t on_chunk_body_impl(std::uint64_t, string_view bytes, error_code&) override {
    body.append(bytes.data(), bytes.size());
    return bytes.size();
  }
  void on_finish_impl(error_code&) override {}

  void refuse(error_code& ec, error code, std::string_view why) {
    ec = code;
    refusal = why;
  }

  // Beast joins the lines of a folded value (obs-fold) into a buffer of its own; an
  // unfolded value starts in the bytes read, right after the colon and any blanks, which
  // are all there (Beast has the whole line). RFC 9112 §5.2 lets a server replace folds
  // by spaces or refuse them; they are refused, since a proxy in front may have read the
  // continuation as a field of its own.
  static bool folded(string_view name, string_view value) {
    const char* p = name.data() + name.size() + 1;  // past the colon
    while (*p == ' ' || *p == '\t') ++p;
    return value.data() != p;
  }

  void count_transfer_codings(string_view list) {
    while (!list.empty()) {
      std::size_t comma = list.find(',');
      string_view item = list.substr(0, comma);
      list = comma == string_view::npos ? string_view{} : list.substr(comma + 1);
      while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
      while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
      if (item.empty()) continue;  // empty list elements are allowed and mean nothing
      ++transfer_codings_;
      if (!core::iequals(std::string_view(item.data(), item.size()), "chunked")) {
        only_chunked_ = false;
      }
    }
  }

  std::size_t body_slack_;
  bool head_done_ = false;
  bool has_content_length_ = false;
  bool has_transfer_encoding_ = false;
  bool only_chunked_ = true;
  int transfer_codings_ = 0;
};

// True when `ec` says the bytes were not HTTP that could be read (bad framing, a line or
// head past its bound), as opposed to the peer closing early: the one test both hops make
// (the session answers 400, the upstream calls it the provider's server error).
inline bool is_http_parse_error(const boost::beast::error_code& ec) {
  namespace http = boost::beast::http;
  return ec.category() == http::make_error_code(http::error::bad_target).category() &&
         ec != http::error::end_of_stream && ec != http::error::partial_message;
}

using RequestParser = MessageParser<true>;
using ResponseParser = MessageParser<false>;

}  // namespace tollgate::gateway
