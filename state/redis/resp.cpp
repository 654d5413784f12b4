#include "state/redis/resp.h"

#include <climits>
#include <new>

#include <hiredis/hiredis.h>

namespace tollgate::state {

namespace {

struct FreeCommand {
  void operator()(char* command) const { redisFreeCommand(command); }
};

struct FreeReply {
  void operator()(redisReply* reply) const { freeReplyObject(reply); }
};

RedisReply copy_reply(const redisReply& from) {
  RedisReply to;
  switch (from.type) {
    case REDIS_REPLY_STRING:
      to.type = RedisReply::Type::string;
      to.str.assign(from.str, from.len);
      break;
    case REDIS_REPLY_STATUS:
      to.type = RedisReply::Type::status;
      to.str.assign(from.str, from.len);
      break;
    case REDIS_REPLY_ERROR:
      to.type = RedisReply::Type::error;
      to.str.assign(from.str, from.len);
      break;
    case REDIS_REPLY_INTEGER:
      to.type = RedisReply::Type::integer;
      to.integer = from.integer;
      break;
    case REDIS_REPLY_ARRAY:
      to.type = RedisReply::Type::array;
      break;
      // RESP3 types exist only in hiredis >= 1.0, and only after HELLO 3, which is never sent;
      // they are mapped so that a newer hiredis still builds and behaves.
#ifdef REDIS_REPLY_DOUBLE
    case REDIS_REPLY_DOUBLE:
      to.type = RedisReply::Type::double_value;
      to.str.assign(from.str, from.len);
      break;
#endif
#ifdef REDIS_REPLY_BOOL
    case REDIS_REPLY_BOOL:
      to.type = RedisReply::Type::boolean;
      to.integer = from.integer;
      break;
#endif
#ifdef REDIS_REPLY_VERB
    case REDIS_REPLY_VERB:
      to.type = RedisReply::Type::string;
      to.str.assign(from.str, from.len);
      break;
#endif
#ifdef REDIS_REPLY_BIGNUM
    case REDIS_REPLY_BIGNUM:
      to.type = RedisReply::Type::string;
      to.str.assign(from.str, from.len);
      break;
#endif
#ifdef REDIS_REPLY_MAP
    case REDIS_REPLY_MAP:
    case REDIS_REPLY_SET:
    case REDIS_REPLY_PUSH:
    case REDIS_REPLY_ATTR:
      to.type = RedisReply::Type::array;
      break;
#endif
    default:  // REDIS_REPLY_NIL
      to.type = RedisReply::Type::nil;
      break;
  }
  if (to.type == RedisReply::Type::array) {
    to.elements.reserve(from.elements);
    for (std::size_t i = 0; i < from.elements; ++i) {
      to.elements.push_back(copy_reply(*from.element[i]));
    }
  }
  return to;
}

}  // namespace

void append_resp_command(std::string& out, const std::vector<std::string>& argv) {
  if (argv.empty()) throw std::invalid_argument("a redis command needs at least its name");
  if (argv.size() > static_cast<std::size_t>(INT_MAX)) {
    throw std::invalid_argument("a redis command has too many arguments");
  }
  std::vector<const char*> pointers;
  std::vector<std::size_t> lengths;
  pointers.reserve(argv.size());
  lengths.reserve(argv.size());
  for (const std::string& arg : argv) {
    pointers.push_back(arg.data());
    lengths.push_back(arg.size());
  }
  char* formatted = nullptr;
  int length = redisFormatCommandArgv(&formatted, static_cast<int>(argv.size()), pointers.data(),
                                      lengths.data());
  std::unique_ptr<char, FreeCommand> owned(formatted);
  if (length < 0 || formatted == nullptr) throw std::bad_alloc();
  out.append(formatted, static_cast<std::size_t>(length));
}

void RespReader::FreeReader::operator()(redisReader* reader) const {
  redisReaderFree(reader);
}

RespReader::RespReader() : reader_(redisReaderCreate()) {
  if (!reader_) throw std::bad_alloc();
}

RespReader::~RespReader() = default;

void RespReader::feed(const char* data, std::size_t size) {
  if (redisReaderFeed(reader_.get(), data, size) != REDIS_OK) {
    throw RespProtocolError(std::string("malformed redis reply: ") + reader_->errstr);
  }
}

std::optional<RedisReply> RespReader::next() {
  void* raw = nullptr;
  if (redisReaderGetReply(reader_.get(), &raw) != REDIS_OK) {
    throw RespProtocolError(std::string("malformed redis reply: ") + reader_->errstr);
  }
  if (raw == nullptr) return std::nullopt;
  std::unique_ptr<redisReply, FreeReply> reply(static_cast<redisReply*>(raw));
  return copy_reply(*reply);
}

}  // namespace tollgate::state
