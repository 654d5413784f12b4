// The RESP layer over hiredis: command bytes and reply parsing, without a server.
#include <catch2/catch.hpp>

#include "state/redis/resp.h"

using tollgate::state::append_resp_command;
using tollgate::state::RedisReply;
using tollgate::state::RespProtocolError;
using tollgate::state::RespReader;
using namespace std::string_literals;

TEST_CASE("redis commands are written as arrays of binary-safe bulk strings", "[redis]") {
  std::string out;
  std::vector<std::string> set{"SET", "k", "v"};
  append_resp_command(out, set);
  CHECK(out == "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n");

  std::vector<std::string> binary{"SET", "key", "a\0\r\nb"s};
  append_resp_command(out, binary);  // appends: commands are queued back to back
  CHECK(out.ends_with("$5\r\na\0\r\nb\r\n"s));

  std::vector<std::string> none;
  CHECK_THROWS_AS(append_resp_command(out, none), std::invalid_argument);
}

TEST_CASE("redis replies are parsed whole, however the bytes are split", "[redis]") {
  const std::string wire =
      "+OK\r\n"
      "-ERR wrong type\r\n"
      ":-42\r\n"
      "$-1\r\n"
      "$5\r\na\0\r\nb\r\n"
      "*3\r\n$3\r\nfoo\r\n*1\r\n:7\r\n$-1\r\n"
      "*0\r\n"s;
  RespReader reader;
  std::vector<RedisReply> replies;
  for (char byte : wire) {  // one byte at a time: the worst split there is
    reader.feed(&byte, 1);
    while (auto reply = reader.next()) replies.push_back(std::move(*reply));
  }
  REQUIRE(replies.size() == 7);
  CHECK(replies[0].type == RedisReply::Type::status);
  CHECK(replies[0].str == "OK");
  CHECK(replies[1].is_error());
  CHECK(replies[1].str == "ERR wrong type");
  CHECK(replies[2].type == RedisReply::Type::integer);
  CHECK(replies[2].integer == -42);
  CHECK(replies[3].is_nil());
  CHECK(replies[4].type == RedisReply::Type::string);
  CHECK(replies[4].str == "a\0\r\nb"s);
  REQUIRE(replies[5].type == RedisReply::Type::array);
  REQUIRE(replies[5].elements.size() == 3);
  CHECK(replies[5].elements[0].str == "foo");
  REQUIRE(replies[5].elements[1].elements.size() == 1);
  CHECK(replies[5].elements[1].elements[0].integer == 7);
  CHECK(replies[5].elements[2].is_nil());
  CHECK(replies[6].type == RedisReply::Type::array);
  CHECK(replies[6].elements.empty());
  CHECK_FALSE(reader.next().has_value());
}

TEST_CASE("bytes that are not RESP are a protocol error", "[redis]") {
  RespReader reader;
  std::string garbage = "HTTP/1.1 400 Bad Request\r\n";
  reader.feed(garbage.data(), garbage.size());
  CHECK_THROWS_AS(reader.next(), RespProtocolError);
}
