// The connection and its pipeline. A Connection is made per TCP connection and never
// reused: after a loss the client drops it and a later call makes a new one, so a coroutine
// still holding the old one only ever sees it `broken` and stops.
#include "state/redis/redis_client.h"

#include <array>
#include <deque>
#include <tuple>
#include <utility>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/system/system_error.hpp>

#include "state/redis/resp.h"

namespace tollgate::state {

namespace asio = boost::asio;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

// One caller waiting for its reply. Its timer is both the wake-up (cancelled once the
// outcome is stored) and the command timeout (when it expires first).
struct Waiter {
  explicit Waiter(const asio::any_io_executor& executor) : wake(executor) {}

  void succeed(RedisReply&& got) {
    reply = std::move(got);
    done = true;
    wake.cancel();
  }
  void fail(const std::string& why) {
    failure = why;
    done = true;
    wake.cancel();
  }

  asio::steady_timer wake;
  bool done = false;
  std::optional<RedisReply> reply;  // unset once done: failed, see `failure`
  std::string failure;
};

enum class ConnectionState { connecting, ready, broken };

struct Connection {
  explicit Connection(const asio::any_io_executor& executor)
      : resolver(executor), socket(executor), connect_deadline(executor) {}

  // For a host given by name. Asio runs getaddrinfo on a thread of its own; a cancel
  // cannot stop a lookup already running, only ignore its answer.
  tcp::resolver resolver;
  tcp::socket socket;
  // Bounds name lookup, connect, AUTH and SELECT together; cancels the lookup and closes
  // the socket when it expires.
  asio::steady_timer connect_deadline;
  bool connect_timed_out = false;
  ConnectionState state = ConnectionState::connecting;
  RespReader reader;
  // Commands not written yet, in call order. Written only once ready, so that AUTH and
  // SELECT have succeeded before any caller's command reaches the server.
  std::string outbox;
  bool writing = false;
  // One per command queued or written, in the same order: replies complete them in turn.
  std::deque<std::shared_ptr<Waiter>> waiters;
};

std::string without(const std::string& text, const std::string& secret) {
  if (secret.empty() || text.find(secret) == std::string::npos) return text;
  return "(message withheld: it quotes the password)";
}

}  // namespace

struct RedisClient::Impl : std::enable_shared_from_this<Impl> {
  Impl(asio::any_io_executor executor_in, RedisEndpoint endpoint_in, RedisOptions options_in)
      : executor(std::move(executor_in)),
        endpoint(std::move(endpoint_in)),
        options(options_in),
        where(endpoint.describe()) {}

  // The connection a new command goes on: the current one (connecting or ready), or a new
  // one when none is up and the backoff has passed. Throws RedisUnavailable otherwise.
  std::shared_ptr<Connection> connection_for_command() {
    if (closed) throw RedisUnavailable("redis client for " + where + " is closed");
    if (connection) return connection;
    if (Clock::now() < retry_after) {
      throw RedisUnavailable("redis at " + where + " is unavailable (" + last_failure +
                             "); not retrying yet");
    }
    auto fresh = std::make_shared<Connection>(executor);
    connection = fresh;
    std::shared_ptr<Impl> self = shared_from_this();
    asio::co_spawn(executor, run_connection(self, fresh), asio::detached);
    return fresh;
  }

  // Ends `conn` for good and fails everything waiting on it: once a reply is missing or
  // the stream is cut, later replies could not be matched to their callers.
  void break_connection(std::shared_ptr<Connection> conn, const std::string& why) {
    if (conn->state == ConnectionState::broken) return;
    conn->state = ConnectionState::broken;
    boost::system::error_code ignored;
    conn->socket.close(ignored);
    conn->connect_deadline.cancel();
    conn->outbox.clear();
    std::deque<std::shared_ptr<Waiter>> failed;
    failed.swap(conn->waiters);
    for (const auto& waiter : failed) waiter->fail(why);
    if (connection == conn) {
      connection.reset();
      retry_after = Clock::now() + options.reconnect_backoff;
      last_failure = why;
    }
  }

  void start_writing(const std::shared_ptr<Connection>& conn) {
    if (conn->state != ConnectionState::ready || conn->writing || conn->outbox.empty()) return;
    conn->writing = true;
    std::shared_ptr<Impl> self = shared_from_this();
    asio::co_spawn(executor, write_outbox(self, conn), asio::detached);
  }

  // command(), run with the Impl kept alive by the caller.
  asio::awaitable<RedisReply> send(const std::vector<std::string>& argv) {
    std::shared_ptr<Connection> conn = connection_for_command();
    auto waiter = std::make_shared<Waiter>(executor);
    append_resp_command(conn->outbox, argv);
    conn->waiters.push_back(waiter);
    auto budget = options.command_timeout;
    if (conn->state != ConnectionState::ready) budget += options.connect_timeout;
    waiter->wake.expires_after(budget);
    start_writing(conn);

    boost::system::error_code ec;
    if (!waiter->done) std::tie(ec) = co_await waiter->wake.async_wait(tuple_awaitable);
    if (waiter->reply) co_return std::move(*waiter->reply);
    if (waiter->done) throw RedisUnavailable(waiter->failure);
    if (ec == asio::error::operation_aborted) {
      // Our caller was cancelled. The command stays in the pipeline and its reply, when it
      // comes, is dropped, so the replies after it still reach the right callers.
      throw boost::system::system_error(ec);
    }
    std::string why = "redis command timed out after " +
                      std::to_string(options.command_timeout.count()) + " ms on " + where;
    break_connection(conn, why);
    throw RedisUnavailable(why);
  }

  void close() {
    closed = true;
    if (connection) break_connection(connection, "redis client for " + where + " was closed");
  }

  // Writes whatever is queued in one go, and again for what was queued meanwhile, so
  // concurrent callers share writes. Runs only while there is something to write.
  static asio::awaitable<void> write_outbox(std::shared_ptr<Impl> self,
                                            std::shared_ptr<Connection> conn) {
    std::string sending;
    while (conn->state == ConnectionState::ready && !conn->outbox.empty()) {
      sending.clear();
      sending.swap(conn->outbox);
      auto [ec, written] =
          co_await asio::async_write(conn->socket, asio::buffer(sending), tuple_awaitable);
      if (conn->state != ConnectionState::ready) break;
      if (ec) {
        self->break_connection(conn, read_or_write_failure(*self, *conn, ec));
        break;
      }
    }
    conn->writing = false;
  }

  // Connects, authenticates, selects the database, then reads replies until the connection
  // ends. Errors end the connection, never the process.
  static asio::awaitable<void> run_connection(std::shared_ptr<Impl> self,
                                              std::shared_ptr<Connection> conn) {
    try {
      bool connected = co_await connect_socket(*self, conn);
      if (!connected) co_return;
      std::deque<std::string> handshake_steps;
      bool sent = co_await send_handshake(*self, conn, handshake_steps);
      if (!sent) co_return;
      co_await read_replies(*self, conn, handshake_steps);
    } catch (const std::exception& e) {
      self->break_connection(conn, "redis connection to " + self->where +
                                       " failed: " + without(e.what(), self->endpoint.password));
    }
  }

  static asio::awaitable<bool> connect_socket(Impl& self, const std::shared_ptr<Connection>& conn) {
    std::weak_ptr<Connection> watched = conn;
    conn->connect_deadline.expires_after(self.options.connect_timeout);
    conn->connect_deadline.async_wait([watched](boost::system::error_code wait_ec) {
      if (wait_ec) return;  // cancelled: the handshake finished in time
      if (auto expired = watched.lock(); expired && expired->state == ConnectionState::connecting) {
        expired->connect_timed_out = true;
        expired->resolver.cancel();
        boost::system::error_code ignored;
        expired->socket.close(ignored);
      }
    });

    // An IP address is used as it is; a name ("localhost", "redis.cache.svc") is looked
    // up on every (re)connect, so a service that moves is found again.
    std::vector<tcp::endpoint> peers;
    boost::system::error_code ec;
    asio::ip::address address = asio::ip::make_address(self.endpoint.host, ec);
    if (!ec) {
      peers.emplace_back(address, self.endpoint.port);
    } else {
      // Named first: GCC 12 mishandles temporaries inside a co_await expression.
      const std::string service = std::to_string(self.endpoint.port);
      auto [resolve_ec, found] =
          co_await conn->resolver.async_resolve(self.endpoint.host, service, tuple_awaitable);
      if (conn->state == ConnectionState::broken) co_return false;
      if (resolve_ec || conn->connect_timed_out) {
        self.break_connection(
            conn, conn->connect_timed_out
                      ? "timed out looking up redis at " + self.where
                      : "cannot look up redis at " + self.where + ": " + resolve_ec.message());
        co_return false;
      }
      for (const auto& entry : found) peers.push_back(entry.endpoint());
    }

    // Each address in turn, until one accepts.
    auto [connect_ec, peer] = co_await asio::async_connect(conn->socket, peers, tuple_awaitable);
    if (conn->state == ConnectionState::broken) co_return false;
    if (connect_ec) {
      self.break_connection(
          conn, conn->connect_timed_out
                    ? "timed out connecting to redis at " + self.where
                    : "cannot connect to redis at " + self.where + ": " + connect_ec.message());
      co_return false;
    }
    conn->socket.set_option(tcp::no_delay(true), ec);
    co_return true;
  }

  // Writes AUTH and SELECT as needed and notes them in `steps`, whose replies come first.
  // Without either, the connection is ready at once.
  static asio::awaitable<bool> send_handshake(Impl& self, const std::shared_ptr<Connection>& conn,
                                              std::deque<std::string>& steps) {
    std::string handshake;
    if (!self.endpoint.password.empty()) {
      std::vector<std::string> auth{"AUTH"};
      if (!self.endpoint.username.empty()) auth.push_back(self.endpoint.username);
      auth.push_back(self.endpoint.password);
      append_resp_command(handshake, auth);
      steps.push_back("AUTH");
    }
    if (self.endpoint.db != 0) {
      std::vector<std::string> select{"SELECT", std::to_string(self.endpoint.db)};
      append_resp_command(handshake, select);
      steps.push_back("SELECT " + std::to_string(self.endpoint.db));
    }
    if (handshake.empty()) {
      become_ready(self, conn);
      co_return true;
    }
    auto [ec, written] =
        co_await asio::async_write(conn->socket, asio::buffer(handshake), tuple_awaitable);
    if (conn->state == ConnectionState::broken) co_return false;
    if (ec) {
      self.break_connection(conn, read_or_write_failure(self, *conn, ec));
      co_return false;
    }
    co_return true;
  }

  // The handshake's replies are checked here; every later reply belongs to the oldest
  // waiter.
  static asio::awaitable<void> read_replies(Impl& self, const std::shared_ptr<Connection>& conn,
                                            std::deque<std::string>& handshake_steps) {
    std::array<char, 16 * 1024> buffer;
    for (;;) {
      auto [ec, size] =
          co_await conn->socket.async_read_some(asio::buffer(buffer), tuple_awaitable);
      if (conn->state == ConnectionState::broken) co_return;
      if (ec) {
        self.break_connection(conn, read_or_write_failure(self, *conn, ec));
        co_return;
      }
      conn->reader.feed(buffer.data(), size);
      while (std::optional<RedisReply> reply = conn->reader.next()) {
        if (!handshake_steps.empty()) {
          if (reply->is_error()) {
            self.break_connection(conn, "redis at " + self.where + " refused " +
                                            handshake_steps.front() + ": " +
                                            without(reply->str, self.endpoint.password));
            co_return;
          }
          handshake_steps.pop_front();
          if (handshake_steps.empty()) become_ready(self, conn);
          continue;
        }
        if (conn->waiters.empty()) {
          self.break_connection(conn, "redis at " + self.where + " sent a reply nobody asked for");
          co_return;
        }
        std::shared_ptr<Waiter> waiter = std::move(conn->waiters.front());
        conn->waiters.pop_front();
        waiter->succeed(std::move(*reply));
      }
    }
  }

  static void become_ready(Impl& self, const std::shared_ptr<Connection>& conn) {
    conn->connect_deadline.cancel();
    conn->state = ConnectionState::ready;
    self.start_writing(conn);
  }

  static std::string read_or_write_failure(const Impl& self, const Connection& conn,
                                           const boost::system::error_code& ec) {
    if (conn.connect_timed_out) return "timed out connecting to redis at " + self.where;
    if (conn.state == ConnectionState::connecting) {
      return "redis at " + self.where +
             " dropped the connection during AUTH/SELECT: " + ec.message();
    }
    if (ec == asio::error::eof) return "redis at " + self.where + " closed the connection";
    return "lost the redis connection to " + self.where + ": " + ec.message();
  }

  asio::any_io_executor executor;
  RedisEndpoint endpoint;
  RedisOptions options;
  std::string where;                       // endpoint.describe(), for messages
  std::shared_ptr<Connection> connection;  // null: none up (idle, backing off or closed)
  Clock::time_point retry_after{};
  std::string last_failure;
  bool closed = false;
};

RedisClient::RedisClient(asio::any_io_executor executor, RedisEndpoint endpoint,
                         RedisOptions options)
    : impl_(std::make_shared<Impl>(std::move(executor), std::move(endpoint), options)) {}

// Outstanding calls keep Impl alive through their own shared_ptr and wake up failed.
RedisClient::~RedisClient() {
  impl_->close();
}

asio::awaitable<RedisReply> RedisClient::command(const std::vector<std::string>& argv) {
  // Held by this frame, not read through `this`: the client may be destroyed meanwhile.
  std::shared_ptr<Impl> impl = impl_;
  co_return co_await impl->send(argv);
}

asio::awaitable<RedisReply> RedisClient::eval(const RedisScript& script,
                                              const std::vector<std::string>& keys,
                                              const std::vector<std::string>& args) {
  std::vector<std::string> argv;
  argv.reserve(3 + keys.size() + args.size());
  argv.push_back("EVALSHA");
  argv.push_back(script.sha1);
  argv.push_back(std::to_string(keys.size()));
  argv.insert(argv.end(), keys.begin(), keys.end());
  argv.insert(argv.end(), args.begin(), args.end());
  std::shared_ptr<Impl> impl = impl_;  // see command()
  RedisReply reply = co_await impl->send(argv);
  if (!reply.is_error() || !reply.str.starts_with("NOSCRIPT")) co_return reply;
  // The server does not have it (first use, restart, SCRIPT FLUSH): EVAL also caches it.
  argv[0] = "EVAL";
  argv[1] = script.source;
  co_return co_await impl->send(argv);
}

bool RedisClient::connected() const {
  return impl_->connection && impl_->connection->state == ConnectionState::ready;
}

void RedisClient::close() {
  impl_->close();
}

}  // namespace tollgate::state
