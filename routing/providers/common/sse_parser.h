// Splits a server-sent-event byte stream into events as bytes arrive, however the
// network cut them: an event is complete at a blank line (lines end with CRLF, LF or CR).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/response.h"

namespace tollgate::routing::providers {

class SseParser {
 public:
  // One event may hold this much (a streamed image's partial frames run to a few MiB); a
  // provider sending more without ending it fails the attempt.
  static constexpr std::size_t kMaxEventBytes = 16 * 1024 * 1024;

  // Appends `bytes` and moves every event completed by them into `out`. Throws
  // core::UpstreamError (server_error) when an unfinished event passes kMaxEventBytes.
  void feed(std::string_view bytes, std::vector<core::Chunk>& out);
  // Bytes of an unfinished event.
  std::size_t pending() const { return buffer_.size() - consumed_; }

 private:
  void parse_event(std::string_view text, std::vector<core::Chunk>& out);
  std::string buffer_;
  std::size_t consumed_ = 0;    // up to here, events already delivered
  std::size_t line_start_ = 0;  // where the line being read began
  std::size_t scan_ = 0;        // the next byte to look at for a line's end
};

}  // namespace tollgate::routing::providers
