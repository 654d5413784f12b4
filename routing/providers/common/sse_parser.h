// Splits a server-sent-event byte stream into events as bytes arrive, however the
// network cut them: an event is complete at a blank line ("\n\n" or "\r\n\r\n").
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/response.h"

namespace tollgate::routing::providers {

class SseParser {
 public:
  // Appends `bytes` and moves every event completed by them into `out`.
  void feed(std::string_view bytes, std::vector<core::Chunk>& out);
  // Bytes of an unfinished event.
  std::size_t pending() const { return buffer_.size() - consumed_; }

 private:
  void parse_event(std::string_view text, std::vector<core::Chunk>& out);
  std::string buffer_;
  std::size_t consumed_ = 0;
};

}  // namespace tollgate::routing::providers
