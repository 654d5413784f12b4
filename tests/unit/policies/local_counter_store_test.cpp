// The in-process counters: all scopes of a request are taken together or not at all,
// reservations in flight count until settled, and settled usage reaches SQLite.
#include <catch2/catch.hpp>

#include <filesystem>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "policies/limits/counter_store_impl.h"
#include "tests/unit/scratch_dir.h"

using namespace tollgate;
using namespace tollgate::policies::limits;

namespace {

std::string temp_db() {
  return (testing::scratch_dir() / "state.db").string();
}

Admission admit(CounterStore& store, const AdmitRequest& request) {
  boost::asio::io_context io;
  auto future = boost::asio::co_spawn(io, store.admit(request), boost::asio::use_future);
  io.run();
  return future.get();
}

Scope scope(std::string id, std::optional<std::int64_t> rpm) {
  Scope s{std::move(id), {}};
  s.limits.rpm = rpm;
  return s;
}

AdmitRequest request_of(core::LimitSet limits, std::int64_t tokens, std::int64_t cost_nusd) {
  AdmitRequest request{{{"key:a", limits}}, tokens, "r", {}};
  request.cost_estimate_nusd = cost_nusd;
  return request;
}

void settle(CounterStore& store, const AdmitRequest& request, std::int64_t tokens,
            std::int64_t cost_nusd) {
  boost::asio::io_context io;
  Settlement s;
  s.usage = {0, tokens, true};
  s.cost_nusd = cost_nusd;
  store.settle(request, s, io.get_executor());
}

}  // namespace

TEST_CASE("a request refused by one scope leaves no trace in the others") {
  state::SqliteStore db(temp_db());
  auto store = make_local_counter_store(db, std::chrono::hours(1));
  AdmitRequest both{{scope("key:a", 5), scope("team:t", 2)}, 1, "r1", {}};
  AdmitRequest key_only{{scope("key:a", 5)}, 1, "r2", {}};
  REQUIRE(admit(*store, both).verdict == Admission::Verdict::allowed);
  REQUIRE(admit(*store, both).verdict == Admission::Verdict::allowed);
  Admission refused = admit(*store, both);
  REQUIRE(refused.verdict == Admission::Verdict::limited);
  REQUIRE(refused.scope == "team:t");
  REQUIRE(refused.limit == LimitKind::rpm);
  // key:a took 2 (not 3): it still has 3 of its 5.
  Admission a = admit(*store, key_only);
  REQUIRE(a.verdict == Admission::Verdict::allowed);
  REQUIRE(a.requests->limit == 5);
  REQUIRE(a.requests->remaining == 2);
}

TEST_CASE("the tightest window is the one the headers show") {
  state::SqliteStore db(temp_db());
  auto store = make_local_counter_store(db, std::chrono::hours(1));
  AdmitRequest request{{scope("key:a", 100), scope("user:u", 3)}, 1, "r", {}};
  Admission a = admit(*store, request);
  REQUIRE(a.requests->limit == 3);
  REQUIRE(a.requests->remaining == 2);
}

TEST_CASE("settled usage is written to SQLite by flush and read back by a new store") {
  std::string path = temp_db();
  {
    state::SqliteStore db(path);
    auto store = make_local_counter_store(db, std::chrono::hours(1));
    AdmitRequest request{{scope("key:a", std::nullopt)}, 10, "r", {}};
    boost::asio::io_context io;
    Settlement s;
    s.usage = {7, 5, true};
    s.cost_nusd = 1234;
    store->settle(request, s, io.get_executor());
    store->settle(request, s, io.get_executor());
    store->flush();
  }
  state::SqliteStore db(path);
  auto now = std::chrono::system_clock::now();
  std::vector<std::string> periods{utc_day(now), utc_month(now)};
  auto rows = db.usage(periods, "key:a");
  REQUIRE(rows.size() == 2);
  for (const auto& row : rows) {
    REQUIRE(row.counters.requests == 2);
    REQUIRE(row.counters.prompt_tokens == 14);
    REQUIRE(row.counters.completion_tokens == 10);
    REQUIRE(row.counters.cost_nusd == 2468);
  }
}

TEST_CASE("quota periods are named by the UTC day and month, zero-padded") {
  using namespace std::chrono;
  auto day = sys_days{year{2026} / March / 5};
  REQUIRE(utc_day(day) == "2026-03-05");
  REQUIRE(utc_month(day) == "2026-03");
  REQUIRE(utc_day(day + hours(23) + minutes(59)) == "2026-03-05");
  REQUIRE(utc_day(sys_days{year{2026} / December / 31} + hours(24)) == "2027-01-01");
  REQUIRE(utc_month(sys_days{year{2026} / November / 30}) == "2026-11");
}

TEST_CASE("reservations in flight count against the monthly budget until settled") {
  state::SqliteStore db(temp_db());
  auto store = make_local_counter_store(db, std::chrono::hours(1));
  core::LimitSet limits;
  limits.budget_usd_per_month = 0.05;  // 50,000,000 nano-USD
  AdmitRequest request = request_of(limits, 100, 20'000'000);
  REQUIRE(admit(*store, request).verdict == Admission::Verdict::allowed);
  REQUIRE(admit(*store, request).verdict == Admission::Verdict::allowed);
  // Two in flight reserve $0.04: a third would make $0.06.
  Admission third = admit(*store, request);
  REQUIRE(third.verdict == Admission::Verdict::limited);
  REQUIRE(third.limit == LimitKind::budget);
  REQUIRE_FALSE(third.never);
  // One settles for less than it reserved: $0.005 spent, $0.02 still reserved.
  settle(*store, request, 10, 5'000'000);
  REQUIRE(admit(*store, request).verdict == Admission::Verdict::allowed);
  REQUIRE(admit(*store, request).verdict == Admission::Verdict::limited);
  // A request that alone costs more than the budget can never pass.
  Admission huge = admit(*store, request_of(limits, 100, 60'000'000));
  REQUIRE(huge.verdict == Admission::Verdict::limited);
  REQUIRE(huge.never);
}

TEST_CASE("reservations in flight count against the daily token quota until settled") {
  state::SqliteStore db(temp_db());
  auto store = make_local_counter_store(db, std::chrono::hours(1));
  core::LimitSet limits;
  limits.tokens_per_day = 1500;
  AdmitRequest request = request_of(limits, 1030, 0);  // a prompt and the default answer
  REQUIRE(admit(*store, request).verdict == Admission::Verdict::allowed);
  Admission second = admit(*store, request);
  REQUIRE(second.verdict == Admission::Verdict::limited);
  REQUIRE(second.limit == LimitKind::tokens_per_day);
  settle(*store, request, 400, 0);  // used 400 of its 1030: 1100 left, enough again
  REQUIRE(admit(*store, request).verdict == Admission::Verdict::allowed);
}
