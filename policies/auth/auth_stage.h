// The `auth` stage: on the request's head, resolves the caller's API key to a principal
// (config keys first, then keys made through the admin API) and refuses unknown or
// missing keys with 401 before the body is read; once the body is parsed, refuses models
// the key may not use with 403. With no key anywhere, it lets every request through and
// said so at startup.
#pragma once

#include <memory>

#include "gateway/core/stage.h"
#include "policies/auth/configured_keys.h"
#include "policies/auth/key_store.h"

namespace tollgate::policies::auth {

class AuthStage final : public core::Stage {
 public:
  AuthStage(ConfiguredKeys configured, KeyStore& store);

  std::string_view name() const override { return "auth"; }
  unsigned hooks() const override { return core::kRequestHead | core::kRequest; }
  boost::asio::awaitable<core::Decision> on_request_head(core::Exchange& exchange) override;
  boost::asio::awaitable<core::Decision> on_request(core::Exchange& exchange) override;

 private:
  // Whether this request may go without a key: nothing is configured and no admin key
  // exists. Asked per request, so the first key made through the admin API closes the
  // door at once. Sets `store_down` when the key store cannot say.
  boost::asio::awaitable<bool> open_mode(bool& store_down);

  ConfiguredKeys configured_;
  KeyStore& store_;
};

}  // namespace tollgate::policies::auth
