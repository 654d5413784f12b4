// Random lowercase hex for ids that must be unique, not secret (request ids, W3C trace
// and span ids): a per-thread generator seeded by the OS. RAND_bytes, a locked CSPRNG,
// cost 5% of a proxied request's CPU.
#pragma once

#include <span>

namespace tollgate::core {

// Fills `out` with random lowercase hex, never all zeros (W3C Trace Context's invalid id).
void write_random_hex(std::span<char> out);

}  // namespace tollgate::core
