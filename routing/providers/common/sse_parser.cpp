// SSE framing per the WHATWG event-stream rules that matter for LLM APIs: "data:" lines
// joined by "\n", an optional "event:" name, comments (":") and other fields ignored.
#include "routing/providers/common/sse_parser.h"

namespace tollgate::routing::providers {

void SseParser::feed(std::string_view bytes, std::vector<core::Chunk>& out) {
  buffer_.append(bytes);
  for (;;) {
    std::string_view rest(buffer_.data() + consumed_, buffer_.size() - consumed_);
    std::size_t lf = rest.find("\n\n");
    std::size_t crlf = rest.find("\r\n\r\n");
    std::size_t end = std::min(lf, crlf);
    if (end == std::string_view::npos) break;
    std::size_t sep = (end == lf) ? 2 : 4;
    parse_event(rest.substr(0, end), out);
    consumed_ += end + sep;
  }
  // Compact once the consumed prefix dominates, so the buffer does not grow forever.
  if (consumed_ > 0 && consumed_ * 2 >= buffer_.size()) {
    buffer_.erase(0, consumed_);
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
