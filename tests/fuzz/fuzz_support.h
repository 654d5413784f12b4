// What the fuzz harnesses share: a property check that stops the run with a message
// (libFuzzer then saves the input as a crash), and a deterministic way to cut an input
// into the pieces a network might deliver, so one input always replays the same way.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string_view>
#include <vector>

namespace tollgate::fuzz {

[[noreturn]] inline void property_failed(const char* what, const char* file, int line) {
  std::fprintf(stderr, "\nFUZZ PROPERTY FAILED at %s:%d: %s\n", file, line, what);
  __builtin_trap();
}

// FNV-1a: the seed of the cuts, so they depend on the input and nothing else.
inline std::uint64_t hash_bytes(std::string_view bytes) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : bytes) h = (h ^ c) * 1099511628211ull;
  return h;
}

// Cuts `bytes` into pieces of 1 to `max_piece` bytes, mostly small ones (a read can end
// anywhere: in a CRLF, inside a chunk size, between the two newlines of an SSE event).
inline std::vector<std::string_view> cut_into_pieces(std::string_view bytes, std::uint64_t seed,
                                                     std::size_t max_piece = 64) {
  std::vector<std::string_view> pieces;
  std::uint64_t state = seed | 1;
  while (!bytes.empty()) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    std::size_t size = 1 + state % ((state >> 32) % 4 == 0 ? max_piece : 8);
    size = size < bytes.size() ? size : bytes.size();
    pieces.push_back(bytes.substr(0, size));
    bytes.remove_prefix(size);
  }
  return pieces;
}

}  // namespace tollgate::fuzz

// A property of the code under test that must hold for every input.
#define FUZZ_CHECK(condition) \
  ((condition) ? (void)0 : ::tollgate::fuzz::property_failed(#condition, __FILE__, __LINE__))
