// Redis URLs and script hashes: no server needed.
#include <catch2/catch.hpp>

#include "state/redis/redis_client.h"

using tollgate::state::RedisEndpoint;
using tollgate::state::RedisScript;

namespace {

// The parse error's message, or "" when the URL parsed.
std::string parse_error(std::string_view url) {
  try {
    RedisEndpoint::parse(url);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("redis URLs give host, port, db and credentials", "[redis]") {
  RedisEndpoint plain = RedisEndpoint::parse("redis://10.1.2.3");
  CHECK(plain.host == "10.1.2.3");
  CHECK(plain.port == 6379);
  CHECK(plain.db == 0);
  CHECK(plain.username.empty());
  CHECK(plain.password.empty());
  CHECK(plain.describe() == "10.1.2.3:6379/0");

  RedisEndpoint full = RedisEndpoint::parse("redis://app:s3cret@127.0.0.1:6380/4");
  CHECK(full.host == "127.0.0.1");
  CHECK(full.port == 6380);
  CHECK(full.db == 4);
  CHECK(full.username == "app");
  CHECK(full.password == "s3cret");
  CHECK(full.describe() == "127.0.0.1:6380/4");

  RedisEndpoint password_only = RedisEndpoint::parse("redis://:pw@localhost/");
  CHECK(password_only.host == "localhost");
  CHECK(password_only.username.empty());
  CHECK(password_only.password == "pw");
  CHECK(password_only.db == 0);

  // A raw '@', ':' or '/' in the password: the last '@' ends the credentials.
  RedisEndpoint odd = RedisEndpoint::parse("redis://:p@ss:w/rd@127.0.0.1:7000");
  CHECK(odd.password == "p@ss:w/rd");
  CHECK(odd.port == 7000);
  CHECK(RedisEndpoint::parse("redis://u%3Ax:a%40b%2Fc@127.0.0.1").password == "a@b/c");
  CHECK(RedisEndpoint::parse("redis://u%3Ax:a%40b%2Fc@127.0.0.1").username == "u:x");

  // A service name, as Kubernetes and Compose give them: looked up when connecting.
  RedisEndpoint named = RedisEndpoint::parse("redis://redis-0.cache.svc.cluster.local:6379/1");
  CHECK(named.host == "redis-0.cache.svc.cluster.local");
  CHECK(named.describe() == "redis-0.cache.svc.cluster.local:6379/1");

  RedisEndpoint v6 = RedisEndpoint::parse("redis://[::1]:6390/2");
  CHECK(v6.host == "::1");
  CHECK(v6.port == 6390);
  CHECK(v6.describe() == "[::1]:6390/2");
}

TEST_CASE("bad redis URLs are refused without quoting the password", "[redis]") {
  for (std::string_view url : {
           "http://127.0.0.1:6379",
           "rediss://127.0.0.1",
           "redis://",
           "redis://:6379",
           "redis://127.0.0.1:0",
           "redis://127.0.0.1:65536",
           "redis://127.0.0.1:x",
           "redis://127.0.0.1/-1",
           "redis://127.0.0.1/one",
           "redis://[::1",
           "redis://[::1]x",
           "redis://cache_internal:6379",
           "redis://-cache:6379",
           "redis://cache-:6379",
           "redis://cache..internal:6379",
           "redis://cache internal:6379",
       }) {
    INFO(url);
    CHECK_FALSE(parse_error(url).empty());
  }
  // Wherever the secret lands in a broken URL, the message does not show it.
  for (std::string_view url : {
           "redis://user:hunter2@127.0.0.1:port",
           "redis://user:hunter2@host/db",
           "redis://user:hunter2",  // no '@': the secret reads as a port
           "redis://hunter2@127.0.0.1",
           "redis://:hunter2%zz@127.0.0.1",
           "redis://:hunter2@127.0.0.1/hunter2",
           "ftp://:hunter2@127.0.0.1",
       }) {
    INFO(url);
    std::string error = parse_error(url);
    CHECK_FALSE(error.empty());
    CHECK(error.find("hunter2") == std::string::npos);
  }
}

TEST_CASE("a redis script is named by the lowercase SHA1 of its source", "[redis]") {
  CHECK(RedisScript("return 1").sha1 == "e0e1f9fabfc9d4800c877a703b823ac0578ff8db");
  CHECK(RedisScript("").sha1 == "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  CHECK(RedisScript("return 1").source == "return 1");
}
