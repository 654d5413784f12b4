// An extension of the admin listener: a group of endpoints (/admin/keys, /admin/usage,
// /metrics) served by the admin handler, after it has checked server.admin_key where the
// endpoint needs it. Lets policies and observability add operator endpoints without the
// server knowing them.
#pragma once

#include <string_view>

#include <boost/asio/awaitable.hpp>

#include "gateway/core/exchange.h"
#include "gateway/core/response.h"

namespace tollgate::core {

class AdminEndpoint {
 public:
  virtual ~AdminEndpoint() = default;
  virtual bool matches(std::string_view path) const = 0;
  // /admin/* endpoints need the admin key; /metrics (scraped by Prometheus) does not.
  virtual bool requires_admin_key() const { return true; }
  // Fills `response` (status, headers, body) for a request whose path matches.
  virtual boost::asio::awaitable<void> handle(Exchange& exchange, Response& response) = 0;
};

}  // namespace tollgate::core
