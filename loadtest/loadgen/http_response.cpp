// HTTP/1.1 response framing for the load generator (see http_response.h).
#include "loadtest/loadgen/http_response.h"

#include <algorithm>
#include <cstring>

namespace tollgate::loadgen {

namespace {

char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != b[i]) return false;  // b is lower case
  return true;
}

bool istarts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// True when the comma-separated list `value` contains `token` (lower case).
bool has_token(std::string_view value, std::string_view token, bool last_only = false) {
  bool found = false;
  while (!value.empty()) {  // bounded: shrinks every turn
    auto comma = value.find(',');
    std::string_view item = trim(value.substr(0, comma));
    found = iequals(item, token);
    if (found && !last_only) return true;
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return found;
}

}  // namespace

void ResponseParser::reset() {
  *this = ResponseParser{};
}

std::size_t ResponseParser::feed(const char* data, std::size_t size) {
  std::size_t used = 0;
  while (used < size) {  // bounded: every turn uses bytes or returns
    if (state_ == State::head) {
      std::size_t n = parse_head(data + used, size - used);
      if (n == 0) return used;
      used += n;
    } else if (state_ == State::body) {
      if (chunked_) {
        used += parse_chunked(data + used, size - used);
      } else if (until_close_) {
        body(data + used, size - used);
        used = size;
      } else {
        std::size_t take = static_cast<std::size_t>(
            std::min<std::uint64_t>(remaining_, static_cast<std::uint64_t>(size - used)));
        body(data + used, take);
        used += take;
        remaining_ -= take;
        if (remaining_ == 0) state_ = State::done;
      }
    } else {
      break;
    }
  }
  return used;
}

void ResponseParser::eof() {
  if (state_ == State::body && until_close_) {
    state_ = State::done;
  } else if (state_ != State::done && state_ != State::error) {
    fail("connection closed before the response ended");
  }
}

std::size_t ResponseParser::parse_head(const char* data, std::size_t size) {
  std::string_view text(data, size);
  std::size_t from = head_scanned_ > 3 ? head_scanned_ - 3 : 0;
  std::size_t blank = text.find("\r\n\r\n", from);
  if (blank == std::string_view::npos) {
    if (size > kMaxHead) fail("response head too large");
    head_scanned_ = size;
    return 0;
  }
  std::size_t end = blank + 4;
  head_scanned_ = 0;
  std::string_view head = text.substr(0, blank + 2);  // every line ends with CRLF

  std::size_t eol = head.find("\r\n");
  std::string_view status_line = head.substr(0, eol);
  if (status_line.size() < 12 || status_line.substr(0, 7) != "HTTP/1." ||
      (status_line[7] != '0' && status_line[7] != '1') || status_line[8] != ' ') {
    fail("bad status line");
    return end;
  }
  keep_alive_ = status_line[7] == '1';
  status_ = 0;
  for (int i = 9; i < 12; ++i) {
    char c = status_line[static_cast<std::size_t>(i)];
    if (c < '0' || c > '9') {
      fail("bad status code");
      return end;
    }
    status_ = status_ * 10 + (c - '0');
  }
  chunked_ = until_close_ = have_length_ = event_stream_ = false;
  bool transfer_encoding = false;
  std::size_t pos = eol + 2;
  while (pos < head.size()) {  // bounded: pos advances past a CRLF each turn
    std::size_t line_end = head.find("\r\n", pos);
    std::string_view line = head.substr(pos, line_end - pos);
    pos = line_end + 2;
    std::size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      fail("bad header line");
      return end;
    }
    std::string_view name = line.substr(0, colon);
    std::string_view value = trim(line.substr(colon + 1));
    if (iequals(name, "transfer-encoding")) {
      transfer_encoding = true;
      chunked_ = has_token(value, "chunked", true);
    } else if (!parse_header(name, value)) {
      return end;
    }
  }

  if (status_ >= 100 && status_ < 200) {
    if (status_ == 101) {
      fail("unexpected protocol switch");
      return end;
    }
    return end;  // an interim answer: the real head follows
  }
  if (status_ == 204 || status_ == 304) {
    state_ = State::done;
    return end;
  }
  if (transfer_encoding && !chunked_) {
    until_close_ = true;
  } else if (!chunked_ && have_length_) {
    if (remaining_ == 0) {
      state_ = State::done;
      return end;
    }
  } else if (!chunked_) {
    until_close_ = true;
  }
  if (until_close_) keep_alive_ = false;
  if (chunked_) remaining_ = 0;
  state_ = State::body;
  chunk_ = Chunk::size;
  chunk_digits_ = 0;
  return end;
}

bool ResponseParser::parse_header(std::string_view name, std::string_view value) {
  if (iequals(name, "content-length")) {
    if (value.empty() || value.size() > 15) {
      fail("bad content-length");
      return false;
    }
    std::uint64_t n = 0;
    for (char c : value) {
      if (c < '0' || c > '9') {
        fail("bad content-length");
        return false;
      }
      n = n * 10 + static_cast<std::uint64_t>(c - '0');
    }
    if (have_length_ && n != remaining_) {
      fail("conflicting content-length");
      return false;
    }
    have_length_ = true;
    remaining_ = n;
  } else if (iequals(name, "connection")) {
    if (has_token(value, "close")) {
      keep_alive_ = false;
    } else if (has_token(value, "keep-alive")) {
      keep_alive_ = true;
    }
  } else if (iequals(name, "content-type")) {
    event_stream_ = istarts_with(value, "text/event-stream");
  }
  return true;
}

// The chunked body, byte by byte through the states of RFC 9112 §7.1, so that a chunk's
// framing may be cut anywhere between reads. Data is handed on a run at a time.
std::size_t ResponseParser::parse_chunked(const char* data, std::size_t size) {
  std::size_t i = 0;
  while (i < size) {  // bounded: every turn uses at least one byte or returns
    char c = data[i];
    switch (chunk_) {
      case Chunk::size:
        if (!chunk_size_byte(c)) return size;
        ++i;
        break;
      case Chunk::extension: {
        const void* nl = std::memchr(data + i, '\n', size - i);
        if (nl == nullptr) return size;
        i = static_cast<std::size_t>(static_cast<const char*>(nl) - data) + 1;
        end_size_line();
        break;
      }
      case Chunk::size_lf:
        if (c != '\n') {
          fail("bad chunk size line");
          return size;
        }
        ++i;
        end_size_line();
        break;
      case Chunk::data: {
        std::size_t take = static_cast<std::size_t>(
            std::min<std::uint64_t>(remaining_, static_cast<std::uint64_t>(size - i)));
        body(data + i, take);
        i += take;
        remaining_ -= take;
        if (remaining_ == 0) chunk_ = Chunk::data_cr;
        break;
      }
      case Chunk::data_cr:
        if (c == '\r') {
          chunk_ = Chunk::data_lf;
        } else if (c == '\n') {
          next_chunk();
        } else {
          fail("chunk data longer than its size");
          return size;
        }
        ++i;
        break;
      case Chunk::data_lf:
        if (c != '\n') {
          fail("chunk data longer than its size");
          return size;
        }
        ++i;
        next_chunk();
        break;
      case Chunk::trailer:
      case Chunk::trailer_lf:
        ++i;
        if (trailer_byte(c)) {
          state_ = State::done;
          return i;
        }
        break;
    }
  }
  return i;
}

// A byte of a chunk-size line before any extension: a hex digit, or the byte that ends
// the size. False (after fail) for a byte that cannot stand there.
bool ResponseParser::chunk_size_byte(char c) {
  int v = hex_value(c);
  if (v >= 0) {
    if (++chunk_digits_ > 15) {
      fail("chunk size too large");
      return false;
    }
    remaining_ = remaining_ * 16 + static_cast<std::uint64_t>(v);
    return true;
  }
  if (chunk_digits_ == 0) {
    fail("bad chunk size");
    return false;
  }
  if (c == ';' || c == ' ' || c == '\t') {
    chunk_ = Chunk::extension;
  } else if (c == '\r') {
    chunk_ = Chunk::size_lf;
  } else if (c == '\n') {
    end_size_line();
  } else {
    fail("bad chunk size");
    return false;
  }
  return true;
}

// The size line ended: the chunk's data follows, or the trailer after the last (0) chunk.
void ResponseParser::end_size_line() {
  chunk_ = remaining_ == 0 ? Chunk::trailer : Chunk::data;
  trailer_line_empty_ = true;
}

// A chunk's data and its CRLF ended: the next size line follows.
void ResponseParser::next_chunk() {
  chunk_ = Chunk::size;
  chunk_digits_ = 0;
}

// A byte of the trailer; true when it ends the empty line that ends the body. Trailer
// fields are skipped, not read.
bool ResponseParser::trailer_byte(char c) {
  if (c == '\r' && chunk_ == Chunk::trailer) {
    chunk_ = Chunk::trailer_lf;
  } else if (c == '\n') {
    if (trailer_line_empty_) return true;
    trailer_line_empty_ = true;
    chunk_ = Chunk::trailer;
  } else {
    trailer_line_empty_ = false;
    chunk_ = Chunk::trailer;
  }
  return false;
}

void ResponseParser::body(const char* data, std::size_t size) {
  body_bytes_ += size;
  if (event_stream_) scan_sse(data, size);
}

// Counts events that carry data: an event ends at a blank line; CR is ignored, so CRLF
// and LF line ends both work (bare CR line ends, which no server we test sends, do not).
void ResponseParser::scan_sse(const char* data, std::size_t size) {
  static constexpr std::string_view kData = "data:";
  const char* p = data;
  const char* end = data + size;
  while (p < end) {  // bounded: p advances every turn
    const char* nl =
        static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
    const char* line_end = nl ? nl : end;
    for (; p < line_end && line_length_ < kData.size(); ++p) {
      if (*p == '\r') continue;
      if (*p != kData[line_length_]) line_is_data_ = false;
      ++line_length_;
    }
    if (!nl) break;
    if (line_length_ == 0) {
      if (event_has_data_) ++events_;
      event_has_data_ = false;
    } else if (line_length_ >= kData.size() && line_is_data_) {
      event_has_data_ = true;
    }
    line_length_ = 0;
    line_is_data_ = true;
    p = nl + 1;
  }
}

}  // namespace tollgate::loadgen
