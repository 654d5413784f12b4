// Looked up at run time: the tollgate binary links jemalloc (TOLLGATE_JEMALLOC), the tests
// and sanitized builds do not, and this file is in the library both link.
#include "gateway/server/free_memory.h"

#include <dlfcn.h>
#include <malloc.h>

#include <cstddef>

namespace tollgate::gateway::server {

void return_free_memory() {
  using Mallctl = int (*)(const char*, void*, std::size_t*, void*, std::size_t);
  if (auto* mallctl = reinterpret_cast<Mallctl>(::dlsym(RTLD_DEFAULT, "mallctl"))) {
    // "arena.<MALLCTL_ARENAS_ALL>.purge": every arena's unused dirty pages.
    mallctl("arena.4096.purge", nullptr, nullptr, nullptr, 0);
    return;
  }
  ::malloc_trim(0);
}

}  // namespace tollgate::gateway::server
