#include "state/state_readiness.h"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace tollgate::state {

boost::asio::awaitable<void> StateReadiness::handle(core::Exchange&, core::Response& response) {
  std::string reason = services_.not_ready_reason();
  response.headers.set("content-type", "application/json");
  if (reason.empty()) {
    response.status = 200;
    response.body = R"({"status":"ready"})";
  } else {
    response.status = 503;
    response.body = boost::json::serialize(
        boost::json::object{{"status", "state_unwritable"}, {"reason", reason}});
  }
  co_return;
}

}  // namespace tollgate::state
