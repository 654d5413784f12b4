// What the load generator sends: the built-in request mixes (short chat, long chat, PII,
// repeat, a weighted blend) or bodies from a JSON Lines file, prebuilt once into whole
// HTTP requests so sending one costs no formatting and no allocation.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "loadtest/loadgen/options.h"

namespace tollgate::loadgen {

// Varying bodies carry a request number of this many digits, written in place per request
// so that no two requests are the same bytes (an exact cache must miss them).
inline constexpr std::size_t kCounterDigits = 12;
inline constexpr std::string_view kCounterMarker = "@@COUNTER@@";

struct Body {
  std::string json;       // may contain kCounterMarker once
  std::string_view kind;  // short, long, pii, repeat, file
};

struct RequestTemplate {
  std::string bytes;                           // head and body, ready to send
  std::size_t counter_at = std::string::npos;  // where the digits go, npos: none
  std::string_view kind;
};

// The requests of a run, used in a fixed cycle: request n is pick(n).
struct RequestSet {
  std::vector<RequestTemplate> templates;
  std::vector<std::uint32_t> order;  // indexes into templates
  const RequestTemplate& pick(std::uint64_t n) const {
    return templates[order[static_cast<std::size_t>(n % order.size())]];
  }
};

// The bodies of a built-in mix and the cycle to use them in (mixed: 60% short, 20% long,
// 10% pii, 10% repeat, interleaved).
std::vector<Body> mix_bodies(std::string_view mix, std::string_view model, bool stream,
                             std::vector<std::uint32_t>& order);
// Reads JSON Lines (blank lines skipped); each line must be a JSON object. On failure
// returns a message naming the file and line.
std::optional<std::string> read_body_file(const std::string& path, std::vector<Body>& out);

// Builds the whole requests: method, target, host, authorization (--key, or a default
// unless --header gives one), content-type, the --header lines, content-length, body.
RequestSet build_requests(const Options& options, const std::vector<Body>& bodies,
                          std::vector<std::uint32_t> order);

// Writes n as kCounterDigits decimal digits (the low ones when n is larger).
inline void write_counter(char* out, std::uint64_t n) {
  for (std::size_t i = kCounterDigits; i-- > 0;) {
    out[i] = static_cast<char>('0' + n % 10);
    n /= 10;
  }
}

}  // namespace tollgate::loadgen
