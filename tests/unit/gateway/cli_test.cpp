// Command-line parsing.
#include <catch2/catch.hpp>

#include "gateway/cli.h"

using tollgate::gateway::parse_command_line;

TEST_CASE("the documented flags parse") {
  auto cl = parse_command_line({"--config", "x.yaml", "--check"});
  REQUIRE(cl.error.empty());
  REQUIRE(cl.config_path == "x.yaml");
  REQUIRE(cl.check);
  REQUIRE(parse_command_line({"--version"}).version);
  REQUIRE(parse_command_line({"--config=y.yaml"}).config_path == "y.yaml");
}

TEST_CASE("wrong arguments are reported") {
  REQUIRE_FALSE(parse_command_line({"--config"}).error.empty());
  REQUIRE_FALSE(parse_command_line({"--bogus"}).error.empty());
}
