// The `geo` stage: on the request's head (after auth, so overrides know the caller),
// finds where the caller is, puts its country and continent in the Exchange for routing
// rules, the audit line and the access log, and refuses a country the caller's policy
// does not allow with 403 country_not_allowed, before the body is read.
#pragma once

#include "gateway/core/stage.h"
#include "policies/geo/geo_config.h"

namespace tollgate::policies::geo {

class GeoStage final : public core::Stage {
 public:
  explicit GeoStage(GeoSettings settings) : settings_(std::move(settings)) {}

  std::string_view name() const override { return "geo"; }
  unsigned hooks() const override { return core::kRequestHead; }
  boost::asio::awaitable<core::Decision> on_request_head(core::Exchange& exchange) override;

  // Fills exchange.country and .continent; true (with `answer`) when the caller is refused.
  bool locate(core::Exchange& exchange, core::Response& answer) const;

 private:
  GeoSettings settings_;
};

}  // namespace tollgate::policies::geo
