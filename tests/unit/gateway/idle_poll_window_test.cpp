// The adaptive idle-poll window: whole while events come within it, nothing once they
// stop coming, and back again when they return.
#include <catch2/catch.hpp>

#include "gateway/server/idle_poll_window.h"

using namespace std::chrono_literals;
using tollgate::gateway::server::IdlePollWindow;

TEST_CASE("the window starts whole and stays whole while events come soon after a sleep") {
  IdlePollWindow window(500us);
  REQUIRE(window.current() == 500us);
  for (int i = 0; i < 5; ++i) window.after_sleep(300us);
  REQUIRE(window.current() == 500us);
}

TEST_CASE("sleeps longer than the window halve it down to no polling at all") {
  IdlePollWindow window(500us);
  window.after_sleep(30ms);
  REQUIRE(window.current() == 250us);
  window.after_sleep(30ms);
  REQUIRE(window.current() == 125us);
  for (int i = 0; i < 10; ++i) window.after_sleep(100ms);
  REQUIRE(window.current() == 0us);
}

TEST_CASE("from nothing, short sleeps grow the window back, never past the configured one") {
  IdlePollWindow window(500us);
  for (int i = 0; i < 12; ++i) window.after_sleep(100ms);
  REQUIRE(window.current() == 0us);
  window.after_sleep(100us);
  REQUIRE(window.current() == IdlePollWindow::kSmallest);
  window.after_sleep(100us);
  REQUIRE(window.current() == 2 * IdlePollWindow::kSmallest);
  for (int i = 0; i < 10; ++i) window.after_sleep(100us);
  REQUIRE(window.current() == 500us);
}
