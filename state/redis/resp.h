// RESP, the Redis wire format, done by hiredis: commands are formatted and replies parsed
// here, and nowhere else is hiredis used (its own networking blocks, so the socket stays in
// Asio). Replies come out as RedisReply copies, so no hiredis object leaves this file pair.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "state/redis/redis_client.h"

struct redisReader;

namespace tollgate::state {

// Appends `argv` to `out` as one RESP command (an array of bulk strings, binary-safe).
// Throws std::invalid_argument on an empty argv: Redis answers nothing to an empty command,
// which would shift every later reply onto the wrong caller.
void append_resp_command(std::string& out, const std::vector<std::string>& argv);

// The server sent bytes that are not RESP: the connection cannot be trusted any more.
class RespProtocolError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Turns the bytes read from one connection into replies, in order. Keeps a partial reply
// between feeds, so feed whatever arrived and take replies until there is none.
class RespReader {
 public:
  RespReader();
  ~RespReader();
  RespReader(const RespReader&) = delete;
  RespReader& operator=(const RespReader&) = delete;

  void feed(const char* data, std::size_t size);
  // The next whole reply, or nothing until more bytes are fed. Throws RespProtocolError.
  std::optional<RedisReply> next();

 private:
  struct FreeReader {
    void operator()(redisReader* reader) const;
  };
  std::unique_ptr<redisReader, FreeReader> reader_;
};

}  // namespace tollgate::state
