// The operator API for keys and usage, on the admin listener:
//   POST   /admin/keys            make a key; the answer shows it once, only its hash is kept
//   GET    /admin/keys            every admin-made key (never the key itself)
//   GET    /admin/keys/{id}       one of them
//   DELETE /admin/keys/{id}       revoke it: refused from the next request on, everywhere
//   GET    /admin/usage           requests, tokens and cost by key, user and team, per
//                                 UTC day and month (?key= ?user= ?team= ?period=)
#pragma once

#include "gateway/core/admin_endpoint.h"
#include "policies/auth/key_store.h"
#include "policies/limits/counter_store.h"

namespace tollgate::policies::admin {

class AdminApi final : public core::AdminEndpoint {
 public:
  AdminApi(auth::KeyStore& keys, limits::CounterStore& counters)
      : keys_(keys), counters_(counters) {}

  bool matches(std::string_view path) const override;
  boost::asio::awaitable<void> handle(core::Exchange& exchange, core::Response& response) override;

 private:
  boost::asio::awaitable<void> create_key(core::Exchange& exchange, core::Response& response);
  boost::asio::awaitable<void> usage(core::Exchange& exchange, core::Response& response);

  auth::KeyStore& keys_;
  limits::CounterStore& counters_;
};

}  // namespace tollgate::policies::admin
