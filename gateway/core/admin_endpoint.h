// An extension of the admin listener: a group of /admin/... endpoints (keys, usage)
// served by the admin handler after it has checked server.admin_key. Lets policies add
// operator endpoints without the server knowing them.
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
  // Fills `response` (status, headers, body) for a request whose path matches.
  virtual boost::asio::awaitable<void> handle(Exchange& exchange, Response& response) = 0;
};

}  // namespace tollgate::core
