// The SSE framer (routing/providers/common/sse_parser.cpp) reads every streamed answer
// from a provider, in reads cut wherever the network cut them. Checked:
//   - the same bytes in different reads give the same events, and what is left pending is
//     exactly the unfinished last event;
//   - each event, relayed as the session writes it (gateway/server/session.cpp,
//     ClientSink::send_chunk), reads the same to a client that follows the WHATWG
//     event-stream rules (CR, LF and CRLF all end a line): what stages inspected is what
//     the client gets.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "routing/providers/common/sse_parser.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

using tollgate::core::Chunk;
using tollgate::routing::providers::SseParser;

struct Parsed {
  std::vector<Chunk> events;
  std::size_t pending = 0;
};

Parsed parse(const std::vector<std::string_view>& reads) {
  Parsed parsed;
  SseParser parser;
  for (std::string_view read : reads) parser.feed(read, parsed.events);
  parsed.pending = parser.pending();
  return parsed;
}

bool same_events(const std::vector<Chunk>& a, const std::vector<Chunk>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].event != b[i].event || a[i].data != b[i].data) return false;
  }
  return true;
}

// The event as the client receives it (the HTTP chunking around it aside).
std::string relayed(const Chunk& chunk) {
  std::string out;
  std::string_view data = chunk.data;
  if (!chunk.event.empty()) out += "event: " + chunk.event + "\n";
  for (;;) {
    std::size_t eol = data.find('\n');
    out += "data: ";
    out.append(data.substr(0, eol));
    out += '\n';
    if (eol == std::string_view::npos) break;
    data.remove_prefix(eol + 1);
  }
  return out + "\n";
}

// A client's reading (html.spec.whatwg.org, "Interpreting an event stream"), for the
// fields the gateway relays: event and data.
std::vector<Chunk> whatwg_events(std::string_view stream) {
  std::vector<Chunk> events;
  std::string type;
  std::string data;
  bool any_data = false;
  while (!stream.empty()) {
    std::size_t eol = stream.find_first_of("\r\n");
    if (eol == std::string_view::npos) break;  // an unfinished line is never dispatched
    std::string_view line = stream.substr(0, eol);
    std::size_t skip = (stream.substr(eol, 2) == "\r\n") ? 2 : 1;
    stream.remove_prefix(eol + skip);
    if (line.empty()) {
      if (any_data) {
        if (!data.empty() && data.back() == '\n') data.pop_back();
        events.push_back(Chunk{type, data});
      }
      type.clear();
      data.clear();
      any_data = false;
      continue;
    }
    if (line.front() == ':') continue;
    std::size_t colon = line.find(':');
    std::string_view field = line.substr(0, colon);
    std::string_view value = colon == std::string_view::npos ? "" : line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    if (field == "data") {
      data.append(value);
      data += '\n';
      any_data = true;
    } else if (field == "event") {
      type = std::string(value);
    }
  }
  return events;
}

void print_event(const char* label, const Chunk& chunk) {
  std::fprintf(stderr, "%s: event [", label);
  for (char c : chunk.event) std::fprintf(stderr, c >= 32 && c < 127 ? "%c" : "\\x%02x", c);
  std::fprintf(stderr, "] data [");
  for (char c : chunk.data) std::fprintf(stderr, c >= 32 && c < 127 ? "%c" : "\\x%02x", c);
  std::fprintf(stderr, "]\n");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  std::vector<std::string_view> whole{bytes};
  Parsed at_once = parse(whole);
  Parsed in_pieces =
      parse(tollgate::fuzz::cut_into_pieces(bytes, tollgate::fuzz::hash_bytes(bytes)));
  FUZZ_CHECK(same_events(at_once.events, in_pieces.events));
  FUZZ_CHECK(at_once.pending == in_pieces.pending);
  if (size <= 4096) {
    std::vector<std::string_view> bytewise;
    for (std::size_t i = 0; i < size; ++i) bytewise.push_back(bytes.substr(i, 1));
    Parsed slow = parse(bytewise);
    FUZZ_CHECK(same_events(at_once.events, slow.events));
    FUZZ_CHECK(at_once.pending == slow.pending);
  }
  // What is pending is the input's tail after the last blank line, with no blank line in it.
  FUZZ_CHECK(at_once.pending <= size);
  std::string_view tail = bytes.substr(size - at_once.pending);
  FUZZ_CHECK(tail.find("\n\n") == std::string_view::npos);
  FUZZ_CHECK(tail.find("\r\n\r\n") == std::string_view::npos);

  for (const Chunk& event : at_once.events) {
    std::vector<Chunk> client = whatwg_events(relayed(event));
    if (client.size() != 1 || !same_events({event}, client)) {
      print_event("the gateway read", event);
      for (const Chunk& c : client) print_event("a client reads", c);
      FUZZ_CHECK(!"a relayed event reads the same to a client");
    }
  }
  return 0;
}
