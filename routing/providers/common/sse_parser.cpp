// SSE framing per the WHATWG event-stream rules that matter for LLM APIs: "data:" lines
// joined by "\n", an optional "event:" name, comments (":") and other fields ignored.
#include "routing/providers/common/sse_parser.h"

#include "gateway/core/failure.h"

namespace tollgate::routing::providers {

void SseParser::feed(std::string_view bytes, std::vector<core::Chunk>& out) {
  buffer_.append(bytes);
  // Scans only what it has not scanned before: a provider dribbling one huge event a few
  // bytes at a time must not make each read rescan the whole event (that was quadratic).
  for (;;) {
    std::size_t eol = buffer_.find_first_of("\r\n", scan_);
    if (eol == std::string::npos) {
      scan_ = buffer_.size();
      break;
    }
    std::size_t length = 1;
    if (buffer_[eol] == '\r') {
      if (eol + 1 == buffer_.size()) {  // CR or CRLF: known with the next byte
        scan_ = eol;
        break;
      }
      if (buffer_[eol + 1] == '\n') length = 2;
    }
    // CRLF, LF and a lone CR each end a line; an empty line ends the event.
    bool blank_line = eol == line_start_;
    scan_ = line_start_ = eol + length;
    if (blank_line) {
      parse_event(std::string_view(buffer_).substr(consumed_, eol - consumed_), out);
      consumed_ = line_start_;
    }
  }
  if (buffer_.size() - consumed_ > kMaxEventBytes) {
    throw core::UpstreamError(core::FailureClass::server_error,
                              "the provider sent a stream event larger than " +
                                  std::to_string(kMaxEventBytes >> 20) + " MiB");
  }
  // Compact once the consumed prefix dominates, so the buffer does not grow forever.
  if (consumed_ > 0 && consumed_ * 2 >= buffer_.size()) {
    buffer_.erase(0, consumed_);
    scan_ -= consumed_;
    line_start_ -= consumed_;
    consumed_ = 0;
  }
}

void SseParser::parse_event(std::string_view text, std::vector<core::Chunk>& out) {
  core::Chunk chunk;
  bool has_data = false;
  while (!text.empty()) {
    // CRLF, LF and a lone CR all end a line: a client splits lines so, and must read the
    // event the gateway relays as the gateway read it (a CR kept inside a value did not).
    std::size_t eol = text.find_first_of("\r\n");
    std::string_view line = text.substr(0, eol);
    std::size_t next = (eol == std::string_view::npos)   ? text.size()
                       : (text.substr(eol, 2) == "\r\n") ? eol + 2
                                                         : eol + 1;
    text.remove_prefix(next);
    if (line.empty() || line.front() == ':') continue;
    std::size_t colon = line.find(':');
    std::string_view field = line.substr(0, colon);
    std::string_view value =
        (colon == std::string_view::npos) ? std::string_view{} : line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    if (field == "data") {
      if (has_data) chunk.data.push_back('\n');
      chunk.data.append(value);
      has_data = true;
    } else if (field == "event") {
      chunk.event = std::string(value);
    }
  }
  if (has_data || !chunk.event.empty()) out.push_back(std::move(chunk));
}

}  // namespace tollgate::routing::providers
