// Hands the pages the allocator keeps free back to the kernel, once the gateway has
// started: loading a config (Vectorscan databases compiled, files read and parsed) leaves
// megabytes freed but resident, which jemalloc would keep until activity decays them.
#pragma once

namespace tollgate::gateway::server {

void return_free_memory();

}  // namespace tollgate::gateway::server
