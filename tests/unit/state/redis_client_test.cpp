// The Redis client against a real redis-server (started per test on a free loopback port):
// commands, pipelining, scripts, AUTH/SELECT, timeouts, a server restart and close().
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "state/redis/redis_client.h"
#include "tests/unit/state/redis_test_server.h"

namespace asio = boost::asio;
using namespace std::chrono_literals;
using namespace boost::asio::experimental::awaitable_operators;
using Clock = std::chrono::steady_clock;
using tollgate::state::RedisClient;
using tollgate::state::RedisEndpoint;
using tollgate::state::RedisOptions;
using tollgate::state::RedisReply;
using tollgate::state::RedisScript;
using tollgate::state::RedisUnavailable;
using tollgate::test::RedisTestServer;

namespace {

using Body = std::function<asio::awaitable<void>(asio::io_context&)>;

// Runs `body` on a fresh io_context, at most `limit`. The run must end by itself: whatever
// the body started (the client's reader and writer included) has to be finished by then.
void run_test(const Body& body, std::chrono::seconds limit = 20s) {
  asio::io_context io;
  bool finished = false;
  std::exception_ptr error;
  asio::co_spawn(io, body(io), [&](std::exception_ptr e) {
    finished = true;
    error = e;
  });
  io.run_for(limit);
  REQUIRE(finished);
  if (error) std::rethrow_exception(error);
  REQUIRE(io.stopped());  // no work left behind, so a plain io_context::run() would return
}

asio::awaitable<void> sleep_for(std::chrono::milliseconds duration) {
  asio::steady_timer timer(co_await asio::this_coro::executor, duration);
  co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
}

// The command's reply, or an empty optional when it threw RedisUnavailable.
asio::awaitable<std::optional<RedisReply>> try_command(RedisClient& client,
                                                       const std::vector<std::string>& argv,
                                                       std::string* why = nullptr) {
  try {
    co_return co_await client.command(argv);
  } catch (const RedisUnavailable& e) {
    if (why != nullptr) *why = e.what();
  }
  co_return std::nullopt;
}

long long elapsed_ms(Clock::time_point since) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - since).count();
}

// One caller of many: counts its own key up and reads it back, noting any reply that was
// not its own.
asio::awaitable<void> count_own_key(RedisClient& client, int id, int& mismatches, int& finished) {
  std::string key = "counter:" + std::to_string(id);
  std::vector<std::string> incr{"INCR", key};
  std::vector<std::string> get{"GET", key};
  for (int expected = 1; expected <= 5; ++expected) {
    RedisReply reply = co_await client.command(incr);
    if (reply.type != RedisReply::Type::integer || reply.integer != expected) ++mismatches;
  }
  RedisReply reply = co_await client.command(get);
  if (reply.str != "5") ++mismatches;
  ++finished;
}

// "calls=N" of `command` in INFO commandstats, 0 when it has not run.
long long calls_of(const std::string& info, const std::string& command) {
  std::string label = "cmdstat_" + command + ":calls=";
  auto at = info.find(label);
  if (at == std::string::npos) return 0;
  return std::stoll(info.substr(at + label.size()));
}

}  // namespace

TEST_CASE("redis: SET, GET, INCR and nil replies", "[redis]") {
  RedisTestServer server;
  run_test([&](asio::io_context& io) -> asio::awaitable<void> {
    RedisEndpoint endpoint = server.endpoint();
    endpoint.host = "localhost";
    RedisClient client(io.get_executor(), endpoint);
    CHECK_FALSE(client.connected());  // lazily: nothing happens before the first command

    std::vector<std::string> set{"SET", "greeting", "hello"};
    RedisReply stored = co_await client.command(set);
    CHECK(stored.type == RedisReply::Type::status);
    CHECK(stored.str == "OK");
    CHECK(client.connected());

    std::vector<std::string> get{"GET", "greeting"};
    RedisReply got = co_await client.command(get);
    CHECK(got.type == RedisReply::Type::string);
    CHECK(got.str == "hello");

    std::vector<std::string> incr{"INCR", "hits"};
    auto first_incr = co_await client.command(incr);
    CHECK(first_incr.integer == 1);
    RedisReply second = co_await client.command(incr);
    CHECK(second.type == RedisReply::Type::integer);
    CHECK(second.integer == 2);

    std::vector<std::string> missing{"GET", "nothing-here"};
    auto missing_value = co_await client.command(missing);
    CHECK(missing_value.is_nil());

    std::vector<std::string> push{"RPUSH", "list", "a", "b"};
    co_await client.command(push);
    std::vector<std::string> range{"LRANGE", "list", "0", "-1"};
    RedisReply list = co_await client.command(range);
    REQUIRE(list.type == RedisReply::Type::array);
    REQUIRE(list.elements.size() == 2);
    CHECK(list.elements[1].str == "b");

    std::vector<std::string> empty;
    bool refused = false;
    try {
      co_await client.command(empty);
    } catch (const std::invalid_argument&) {
      refused = true;
    }
    CHECK(refused);
    client.close();
    CHECK_FALSE(client.connected());
  });
}

TEST_CASE("redis: error replies are returned, not thrown, and the connection goes on", "[redis]") {
  RedisTestServer server;
  run_test([&](asio::io_context& io) -> asio::awaitable<void> {
    RedisClient client(io.get_executor(), server.endpoint());
    std::vector<std::string> set{"SET", "word", "abc"};
    co_await client.command(set);
    std::vector<std::string> incr{"INCR", "word"};
    RedisReply not_a_number = co_await client.command(incr);
    CHECK(not_a_number.is_error());
    CHECK(not_a_number.str.starts_with("ERR"));
    std::vector<std::string> unknown{"NO-SUCH-COMMAND"};
    auto unknown_command = co_await client.command(unknown);
    CHECK(unknown_command.is_error());
    std::vector<std::string> get{"GET", "word"};
    auto still_there = co_await client.command(get);
    CHECK(still_there.str == "abc");
    CHECK(client.connected());
  });
}

TEST_CASE("redis: concurrent callers share one pipelined connection and get their own replies",
          "[redis]") {
  RedisTestServer server;
  run_test([&](asio::io_context& io) -> asio::awaitable<void> {
    RedisClient client(io.get_executor(), server.endpoint());
    constexpr int callers = 200;
    int mismatches = 0;
    int finished = 0;
    int failed = 0;
    for (int id = 0; id < callers; ++id) {
      asio::co_spawn(io, count_own_key(client, id, mismatches, finished),
                     [&failed](std::exception_ptr e) {
                       if (e) ++failed;
                     });
    }
    for (int tick = 0; tick < 500 && finished + failed < callers; ++tick) co_await sleep_for(10ms);
    CHECK(failed == 0);
    CHECK(finished == callers);
    CHECK(mismatches == 0);

    // All of that went over one connection (this one is the only client).
    std::vector<std::string> clients{"CLIENT", "LIST"};
    RedisReply list = co_await client.command(clients);
    CHECK(std::count(list.str.begin(), list.str.end(), '\n') == 1);
  });
}

TEST_CASE("redis: eval loads the script with EVAL once, then uses EVALSHA", "[redis]") {
  RedisTestServer server;
  run_test([&](asio::io_context& io) -> asio::awaitable<void> {
    RedisClient client(io.get_executor(), server.endpoint());
    RedisScript add("return redis.call('INCRBY', KEYS[1], ARGV[1])");
    std::vector<std::string> keys{"total"};
    std::vector<std::string> args{"5"};
    std::vector<std::string> stats{"INFO", "commandstats"};

    RedisReply first = co_await client.eval(add, keys, args);  // NOSCRIPT, then EVAL
    CHECK(first.integer == 5);
    auto stats_after_first = co_await client.command(stats);
    CHECK(calls_of(stats_after_first.str, "eval") == 1);
    std::vector<std::string> exists{"SCRIPT", "EXISTS", add.sha1};
    auto script_exists = co_await client.command(exists);
    CHECK(script_exists.elements.at(0).integer == 1);

    RedisReply second = co_await client.eval(add, keys, args);  // EVALSHA alone
    CHECK(second.integer == 10);
    RedisReply stats_after_second = co_await client.command(stats);
    CHECK(calls_of(stats_after_second.str, "eval") == 1);
    CHECK(calls_of(stats_after_second.str, "evalsha") == 2);

    std::vector<std::string> flush{"SCRIPT", "FLUSH"};
    co_await client.command(flush);
    RedisReply third = co_await client.eval(add, keys, args);  // NOSCRIPT again, then EVAL
    CHECK(third.integer == 15);
    auto stats_after_flush = co_await client.command(stats);
    CHECK(calls_of(stats_after_flush.str, "eval") == 2);

    RedisScript broken("return redis.call('NO-SUCH-COMMAND')");
    std::vector<std::string> none;
    auto failing_script = co_await client.eval(broken, none, none);
    CHECK(failing_script.is_error());
  });
}

TEST_CASE("redis: a stopped server fails calls at once, and a restarted one is used again",
          "[redis]") {
  RedisTestServer server;
  run_test([&](asio::io_context& io) -> asio::awaitable<void> {
    RedisOptions options;
    options.reconnect_backoff = 200ms;
    RedisClient client(io.get_executor(), server.endpoint(), options);
    std::vector<std::string> set{"SET", "k", "v"};
    auto stored = co_await client.command(set);
    REQUIRE(stored.str == "OK");

    server.stop();
    std::vector<std::string> get{"GET", "k"};
    auto start = Clock::now();
    std::string why;
    auto while_down = co_await try_command(client, get, &why);
    CHECK_FALSE(while_down.has_value());
    CHECK(elapsed_ms(start) < 500);
    CHECK_FALSE(why.empty());
    CHECK_FALSE(client.connected());

    // Within the backoff: no connection attempt, an immediate failure.
    start = Clock::now();
    auto in_backoff = co_await try_command(client, get);
    CHECK_FALSE(in_backoff.has_value());
    CHECK(elapsed_ms(start) < 100);

    // After the backoff with the server still down: connection refused, quickly.
    co_await sleep_for(250ms);
    start = Clock::now();
    auto still_down = co_await try_command(client, get);
    CHECK_FALSE(still_down.has_value());
    CHECK(elapsed_ms(start) < 500);

    server.start();  // same port, empty (no persistence)
    std::optional<RedisReply> reply;
    for (int attempt = 0; attempt < 50 && !reply; ++attempt) {
      co_await sleep_for(50ms);
      reply = co_await try_command(client, get);
    }
    REQUIRE(reply.has_value());
    CHECK(reply->is_nil());
    CHECK(client.connected());
  });
}

TEST_CASE("redis: nothing listening is RedisUnavailable, quickly", "[redis]") {
  run_test([&](asio::io_context& io) -> asio::awaitable<void> {
    RedisEndpoint nowhere;
    nowhere.host = "localhost";  // a name: looked up, then refused, still quickly
    nowhere.port = tollgate::test::free_loopback_port();
    RedisClient client(io.get_executor(), nowhere);
    std::vector<std::string> ping{"PING"};
    auto start = Clock::now();
    std::string why;
    auto nobody_there = co_await try_command(client, ping, &why);
    CHECK_FALSE(nobody_there.has_value());
    CHECK(elapsed_ms(start) < 500);
    CHECK(why.find(nowhere.describe()) != std::string::npos);
  });
}

TEST_CASE("redis: AUTH and SELECT run first; a wrong password is RedisUnavailable", "[redis]") {
  RedisTestServer server({"--requirepass", "s3cret-pw"});
  run_test([&](asio::io_context& io) -> asio::awaitable<void> {
    RedisEndpoint good = server.endpoint();
    good.password = "s3cret-pw";
    RedisClient client(io.get_executor(), good);
    std::vector<std::string> ping{"PING"};
    auto pong = co_await client.command(ping);
    CHECK(pong.str == "PONG");

    // Username and password (Redis 6 ACL form) and database 3, from a URL.
    RedisEndpoint in_db3 = RedisEndpoint::parse(
        "redis://default:s3cret-pw@127.0.0.1:" + std::to_string(server.port()) + "/3");
    RedisClient db3(io.get_executor(), in_db3);
    std::vector<std::string> set{"SET", "where", "db3"};
    auto stored_in_db3 = co_await db3.command(set);
    CHECK(stored_in_db3.str == "OK");
    std::vector<std::string> get{"GET", "where"};
    auto read_in_db3 = co_await db3.command(get);
    CHECK(read_in_db3.str == "db3");
    auto read_in_db0 = co_await client.command(get);
    CHECK(read_in_db0.is_nil());  // db 0

    RedisEndpoint wrong = server.endpoint();
    wrong.password = "not-the-password";
    RedisClient refused(io.get_executor(), wrong);
    std::string why;
    auto with_wrong_password = co_await try_command(refused, ping, &why);
    CHECK_FALSE(with_wrong_password.has_value());
    CHECK(why.find("AUTH") != std::string::npos);
    CHECK(why.find("not-the-password") == std::string::npos);

    // No password at all: Redis answers NOAUTH, which is an error reply like any other.
    RedisClient anonymous(io.get_executor(), server.endpoint());
    RedisReply noauth = co_await anonymous.command(ping);
    CHECK(noauth.is_error());
    CHECK(noauth.str.starts_with("NOAUTH"));
  });
}

TEST_CASE("redis: a database that SELECT refuses is RedisUnavailable, not db 0", "[redis]") {
  RedisTestServer server;
  run_test([&](asio::io_context& io) -> asio::awaitable<void> {
    RedisEndpoint endpoint = server.endpoint();
    endpoint.db = 99;  // redis-server has 16 by default
    RedisClient client(io.get_executor(), endpoint);
    std::vector<std::string> set{"SET", "k", "v"};
    std::string why;
    auto in_bad_db = co_await try_command(client, set, &why);
    CHECK_FALSE(in_bad_db.has_value());
    CHECK(why.find("SELECT 99") != std::string::npos);
    RedisClient db0(io.get_executor(), server.endpoint());
    std::vector<std::string> get{"GET", "k"};
    auto read_in_db0 = co_await db0.command(get);
    CHECK(read_in_db0.is_nil());
  });
}

TEST_CASE("redis: a command without a reply times out and fails everything outstanding",
          "[redis]") {
  run_test([&](asio::io_context& io) -> asio::awaitable<void> {
    // Accepts connections and never answers.
    asio::ip::tcp::acceptor silent(io, {asio::ip::make_address("127.0.0.1"), 0});
    std::vector<asio::ip::tcp::socket> held;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          for (int i = 0; i < 10; ++i) {
            auto [ec, socket] = co_await silent.async_accept(asio::as_tuple(asio::use_awaitable));
            if (ec) co_return;
            held.push_back(std::move(socket));
          }
        },
        asio::detached);

    RedisEndpoint endpoint;
    endpoint.port = silent.local_endpoint().port();
    RedisOptions options;
    options.connect_timeout = 100ms;  // the first command's budget includes connecting
    options.command_timeout = 200ms;
    RedisClient client(io.get_executor(), endpoint, options);

    // A second caller waits behind the first: once one reply is missing, it fails too.
    std::vector<std::string> behind{"GET", "b"};
    bool behind_unavailable = false;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          std::optional<RedisReply> reply = co_await try_command(client, behind);
          behind_unavailable = !reply.has_value();
        },
        asio::detached);

    std::vector<std::string> ping{"PING"};
    auto start = Clock::now();
    std::string why;
    auto unanswered = co_await try_command(client, ping, &why);
    CHECK_FALSE(unanswered.has_value());
    CHECK(elapsed_ms(start) >= 200);
    CHECK(elapsed_ms(start) < 1000);
    CHECK(why.find("timed out") != std::string::npos);
    co_await sleep_for(10ms);
    CHECK(behind_unavailable);
    CHECK_FALSE(client.connected());
    CHECK(held.size() == 1);

    // With a password to send, the connection waits for AUTH's answer, bounded by
    // connect_timeout however long command_timeout is.
    RedisEndpoint with_password = endpoint;
    with_password.password = "pw";
    RedisOptions patient;
    patient.connect_timeout = 100ms;
    patient.command_timeout = 5s;
    RedisClient authenticating(io.get_executor(), with_password, patient);
    start = Clock::now();
    auto no_auth_answer = co_await try_command(authenticating, ping, &why);
    CHECK_FALSE(no_auth_answer.has_value());
    CHECK(elapsed_ms(start) >= 100);
    CHECK(elapsed_ms(start) < 1000);
    CHECK(why.find("timed out connecting") != std::string::npos);
    CHECK(held.size() == 2);

    silent.close();
  });
}

TEST_CASE("redis: a cancelled caller's late reply does not reach the next caller", "[redis]") {
  RedisTestServer server;
  run_test([&](asio::io_context& io) -> asio::awaitable<void> {
    RedisClient client(io.get_executor(), server.endpoint());
    std::vector<std::string> set{"SET", "k", "value"};
    co_await client.command(set);

    // BLPOP answers nil after 300 ms; its caller gives up after 50 ms.
    std::vector<std::string> slow{"BLPOP", "empty-list", "0.3"};
    auto race = client.command(slow) || sleep_for(50ms);
    auto winner = co_await std::move(race);
    CHECK(winner.index() == 1);

    std::vector<std::string> get{"GET", "k"};
    RedisReply value = co_await client.command(get);
    CHECK(value.str == "value");
    CHECK(client.connected());
  });
}

TEST_CASE("redis: close() fails waiting calls and later ones, and leaves no work behind",
          "[redis]") {
  RedisTestServer server;
  run_test([&](asio::io_context& io) -> asio::awaitable<void> {
    RedisOptions options;
    options.command_timeout = 10s;  // BLPOP below waits for close(), not for the timeout
    RedisClient client(io.get_executor(), server.endpoint(), options);
    std::vector<std::string> block{"BLPOP", "never-filled", "0"};
    int unavailable = 0;
    for (int i = 0; i < 3; ++i) {
      asio::co_spawn(
          io,
          [&]() -> asio::awaitable<void> {
            std::optional<RedisReply> reply = co_await try_command(client, block);
            if (!reply) ++unavailable;
          },
          asio::detached);
    }
    co_await sleep_for(100ms);
    CHECK(client.connected());
    auto start = Clock::now();
    client.close();
    co_await sleep_for(10ms);
    CHECK(unavailable == 3);
    CHECK(elapsed_ms(start) < 500);
    CHECK_FALSE(client.connected());

    std::vector<std::string> ping{"PING"};
    auto after_close = co_await try_command(client, ping);
    CHECK_FALSE(after_close.has_value());
  });
  // run_test checked that the io_context ran out of work: nothing outlived close().
}

TEST_CASE("redis: destroying the client while calls wait fails them safely", "[redis]") {
  RedisTestServer server;
  run_test([&](asio::io_context& io) -> asio::awaitable<void> {
    RedisOptions options;
    options.command_timeout = 10s;
    auto client = std::make_unique<RedisClient>(io.get_executor(), server.endpoint(), options);
    std::vector<std::string> block{"BLPOP", "never-filled", "0"};
    bool unavailable = false;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          try {
            co_await client->command(block);
          } catch (const RedisUnavailable&) {
            unavailable = true;
          }
        },
        asio::detached);
    co_await sleep_for(100ms);
    client.reset();
    co_await sleep_for(10ms);
    CHECK(unavailable);
  });
}
