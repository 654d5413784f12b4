// The two CounterStore implementations, chosen by make_counter_store.
#pragma once

#include <memory>

#include "policies/limits/counter_store.h"

namespace tollgate::policies::limits {

std::unique_ptr<CounterStore> make_local_counter_store(state::SqliteStore& db,
                                                       std::chrono::milliseconds flush_interval);
std::unique_ptr<CounterStore> make_redis_counter_store(state::StateServices& services);

}  // namespace tollgate::policies::limits
