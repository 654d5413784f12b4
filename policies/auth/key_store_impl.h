// The two KeyStore implementations, chosen by make_key_store.
#pragma once

#include <memory>

#include "policies/auth/key_store.h"

namespace tollgate::policies::auth {

std::unique_ptr<KeyStore> make_sqlite_key_store(state::SqliteStore& db);
std::unique_ptr<KeyStore> make_redis_key_store(state::StateServices& services);

}  // namespace tollgate::policies::auth
