// A non-blocking Redis client for one io_context: the socket and timers stay in Asio,
// hiredis only parses RESP replies (and formats commands). Boost.Redis would do this but
// is not in Boost 1.81. Concurrent callers on the same thread share one connection and
// are pipelined: commands go out in order and replies are matched first in, first out.
// Not thread-safe: make one client per worker thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

namespace tollgate::state {

// Where the server is: redis://[[user]:password@]host[:port][/db]. Only tcp.
struct RedisEndpoint {
  std::string host = "127.0.0.1";
  std::uint16_t port = 6379;
  int db = 0;
  std::string username;  // empty: AUTH with the password only
  std::string password;  // a secret: never logged

  // Throws std::invalid_argument with a message that never echoes the password.
  static RedisEndpoint parse(std::string_view url);
  // host:port/db for logs, without credentials.
  std::string describe() const;
};

// One RESP reply, copied out of hiredis's redisReply.
struct RedisReply {
  enum class Type { nil, string, integer, array, status, error, double_value, boolean };
  Type type = Type::nil;
  std::string str;                   // string, status, error, double (as sent), verbatim
  long long integer = 0;             // integer, boolean
  std::vector<RedisReply> elements;  // array (also RESP3 map/set, flattened)

  bool is_error() const { return type == Type::error; }
  bool is_nil() const { return type == Type::nil; }
};

// Thrown when no reply can be had: not connected and cannot connect now, the connection
// was lost with the command outstanding, or the command timed out. The caller decides
// what that means (fail open or closed). The message never contains a secret.
class RedisUnavailable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A Lua script sent by EVALSHA, falling back to EVAL (which also loads it) on NOSCRIPT.
struct RedisScript {
  explicit RedisScript(std::string source);
  std::string source;
  std::string sha1;  // lowercase hex, computed at construction
};

struct RedisOptions {
  // Bounds TCP connect, AUTH and SELECT together.
  std::chrono::milliseconds connect_timeout{500};
  // How long a reply may take. A command that had to wait for the connection gets
  // connect_timeout on top. A timeout closes the connection (later replies could not be
  // matched to their callers) and fails every command on it, so blocking commands (BLPOP)
  // must block for less than this.
  std::chrono::milliseconds command_timeout{500};
  // After a failed connect or a lost connection, calls fail at once (RedisUnavailable)
  // until this much time has passed; then the next call tries to connect again.
  std::chrono::milliseconds reconnect_backoff{250};
};

class RedisClient {
 public:
  RedisClient(boost::asio::any_io_executor executor, RedisEndpoint endpoint,
              RedisOptions options = {});
  ~RedisClient();  // safe while calls are outstanding: they fail with RedisUnavailable
  RedisClient(const RedisClient&) = delete;
  RedisClient& operator=(const RedisClient&) = delete;

  // Sends one command and waits for its reply. Connects (AUTH, SELECT) on first use and
  // again after a loss, subject to reconnect_backoff. A Redis error reply is returned,
  // not thrown (RedisReply::is_error). Throws RedisUnavailable as above, and
  // std::invalid_argument for an empty argv.
  // `argv` must stay alive until the call completes (pass a named vector). A cancelled
  // caller (e.g. the losing side of `||`) gets boost::system::system_error; its command
  // may still run, and its reply is dropped.
  boost::asio::awaitable<RedisReply> command(const std::vector<std::string>& argv);

  // EVALSHA sha numkeys keys... args..., and EVAL on a NOSCRIPT error.
  boost::asio::awaitable<RedisReply> eval(const RedisScript& script,
                                          const std::vector<std::string>& keys,
                                          const std::vector<std::string>& args);

  // True while a connection is up (it may still fail on the next command).
  bool connected() const;
  // Closes the connection and fails every outstanding command with RedisUnavailable;
  // later calls throw it too. Afterwards the client leaves no work on the executor, so
  // io_context::run() can return. The destructor does the same.
  void close();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace tollgate::state
