#include "policies/geo/geo_stage.h"

#include "gateway/core/errors.h"
#include "gateway/core/module_registry.h"

namespace tollgate::policies::geo {

bool GeoStage::locate(core::Exchange& exchange, core::Response& answer) const {
  auto address = client_address(IpAddress::parse(exchange.client_address), exchange.request_headers,
                                settings_.trusted_proxies, settings_.forwarded_header);
  if (address) {
    Place place = settings_.database->lookup(*address);
    exchange.country = std::move(place.country);
    exchange.continent = std::move(place.continent);
  }
  if (settings_.policy_for(exchange.principal.get()).allows(exchange.country)) return false;
  // The label and the message name a two-letter code the database gave, or "unknown".
  exchange.decisions.emplace_back(
      "geo", "refused:" + (exchange.country.empty() ? std::string("unknown") : exchange.country));
  std::string message =
      exchange.country.empty()
          ? "requests from an unknown country are not allowed by this gateway"
          : "requests from country " + exchange.country + " are not allowed by this gateway";
  answer = core::error_response(core::ErrorKind::country_not_allowed, message);
  return true;
}

boost::asio::awaitable<core::Decision> GeoStage::on_request_head(core::Exchange& exchange) {
  core::Response answer;
  if (locate(exchange, answer)) co_return core::Decision::respond(std::move(answer));
  co_return core::Decision::proceed();
}

namespace {

const core::Registration kRegistration{core::StageSpec<GeoSettings>{
    .name = "geo",
    .position = 200,
    .sections = {{.name = "geo",
                  .keys = {"database", "trusted_proxies", "forwarded_header", "allow_countries",
                           "deny_countries", "unknown", "overrides"}}},
    .read = read_geo_settings,
    .make = [](const GeoSettings& settings, const core::Services&) -> std::unique_ptr<core::Stage> {
      if (!settings.enabled) return nullptr;  // no `geo:` section: not in the pipeline
      return std::make_unique<GeoStage>(settings);
    }}};

}  // namespace

}  // namespace tollgate::policies::geo
