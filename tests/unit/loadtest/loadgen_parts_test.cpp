// The load generator's response reader, request building and arguments.
#include <catch2/catch.hpp>

#include <cstdio>

#include <boost/json/parse.hpp>

#include "loadtest/loadgen/bodies.h"
#include "loadtest/loadgen/http_response.h"
#include "loadtest/loadgen/options.h"

using namespace tollgate::loadgen;

namespace {

// Feeds `bytes` in pieces of `step` (the way a socket might cut them), keeping unused
// head bytes like the engine does; returns bytes left over after the answer.
std::size_t feed_in_pieces(ResponseParser& p, const std::string& bytes, std::size_t step) {
  std::string pending;
  std::size_t at = 0;
  while (at < bytes.size() && !p.done() && !p.failed()) {
    pending += bytes.substr(at, step);
    at += step;
    std::size_t used = p.feed(pending.data(), pending.size());
    pending.erase(0, used);
  }
  return pending.size() + (at < bytes.size() ? bytes.size() - at : 0);
}

std::string chunk(const std::string& data, const std::string& ext = "") {
  char size[32];
  std::snprintf(size, sizeof size, "%zx", data.size());
  return size + ext + "\r\n" + data + "\r\n";
}

const std::string kSseBody1 = "data: {\"a\":1}\n\n";
const std::string kSseBody2 = ": comment\n\ndata: {\"b\":2}\r\n\r\n";
const std::string kSseBody3 = "data: [DONE]\n\n";
const std::string kSse =
    "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n" +
    chunk(kSseBody1) + chunk(kSseBody2, ";ext=1") + chunk(kSseBody3) + "0\r\nx-trailer: 1\r\n\r\n";

}  // namespace

TEST_CASE("content-length answers, however cut") {
  std::string answer = "HTTP/1.1 200 OK\r\ncontent-length: 5\r\nX: y\r\n\r\nhello";
  for (std::size_t step = 1; step <= answer.size(); ++step) {
    ResponseParser p;
    REQUIRE(feed_in_pieces(p, answer + "HTTP/1.1", step) >= 8);  // the next answer stays
    REQUIRE(p.done());
    REQUIRE(p.status() == 200);
    REQUIRE(p.keep_alive());
    REQUIRE(p.body_bytes() == 5);
    REQUIRE_FALSE(p.event_stream());
  }
}

TEST_CASE("chunked SSE answers count events, however cut") {
  for (std::size_t step = 1; step <= kSse.size(); ++step) {
    ResponseParser p;
    REQUIRE(feed_in_pieces(p, kSse, step) == 0);
    INFO("step " << step);
    REQUIRE(p.done());
    REQUIRE(p.event_stream());
    REQUIRE(p.events() == 3);  // the comment-only event does not count
    REQUIRE(p.body_bytes() == kSseBody1.size() + kSseBody2.size() + kSseBody3.size());
  }
}

TEST_CASE("interim answers, no-body statuses, close-delimited bodies") {
  ResponseParser p;
  std::string a = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n";
  REQUIRE(p.feed(a.data(), a.size()) == a.size());
  REQUIRE(p.done());
  REQUIRE(p.status() == 204);

  p.reset();
  std::string b = "HTTP/1.1 500 Oops\r\nConnection: close\r\n\r\nsome body";
  REQUIRE(p.feed(b.data(), b.size()) == b.size());
  REQUIRE_FALSE(p.done());
  p.eof();
  REQUIRE(p.done());
  REQUIRE(p.status() == 500);
  REQUIRE_FALSE(p.keep_alive());
  REQUIRE(p.body_bytes() == 9);

  p.reset();
  std::string c = "HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n";
  p.feed(c.data(), c.size());
  REQUIRE(p.done());
  REQUIRE_FALSE(p.keep_alive());
}

TEST_CASE("broken answers fail") {
  for (std::string bad :
       {std::string("HTTP/2 200\r\n\r\n"), std::string("HTTP/1.1 2x0 OK\r\n\r\n"),
        std::string("HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n"),
        std::string("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"),
        std::string("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n")}) {
    ResponseParser p;
    p.feed(bad.data(), bad.size());
    INFO(bad);
    REQUIRE(p.failed());
  }
  ResponseParser p;
  std::string cut = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc";
  p.feed(cut.data(), cut.size());
  p.eof();
  REQUIRE(p.failed());
}

TEST_CASE("built-in mixes are valid chat requests with their counter in place") {
  for (std::string mix : {"short-chat", "long-chat", "pii", "repeat", "mixed"}) {
    for (bool stream : {false, true}) {
      Options o;
      const char* argv[] = {"loadgen", "--url",    "http://127.0.0.1:9/v1/chat/completions",
                            "--rate",  "10",       "--key",
                            "sk-1",    "--header", "x-a: b"};
      REQUIRE_FALSE(parse_options(9, argv, o));
      std::vector<std::uint32_t> order;
      auto bodies = mix_bodies(mix, "gpt-test", stream, order);
      RequestSet set = build_requests(o, bodies, order);
      std::size_t repeats = 0;
      for (std::uint64_t n = 0; n < order.size(); ++n) {
        const RequestTemplate& t = set.pick(n);
        std::string bytes = t.bytes;
        if (t.counter_at != std::string::npos) write_counter(bytes.data() + t.counter_at, n + 123);
        auto split = bytes.find("\r\n\r\n");
        std::string head = bytes.substr(0, split + 4), body = bytes.substr(split + 4);
        REQUIRE(head.find("content-length: " + std::to_string(body.size()) + "\r\n") !=
                std::string::npos);
        REQUIRE(head.find("authorization: Bearer sk-1\r\n") != std::string::npos);
        REQUIRE(head.find("x-a: b\r\n") != std::string::npos);
        REQUIRE(head.starts_with("POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1:9\r\n"));
        auto json = boost::json::parse(body).as_object();
        REQUIRE(json.at("model").as_string() == "gpt-test");
        REQUIRE(json.at("messages").as_array().size() >= 1);
        REQUIRE(json.contains("stream") == stream);
        if (t.counter_at != std::string::npos)
          REQUIRE(body.find(std::string(kCounterDigits - 3, '0') + std::to_string(n + 123)) !=
                  std::string::npos);
        else
          ++repeats;
        if (t.kind == "long") REQUIRE(body.size() > 8000);
      }
      if (mix == "mixed") REQUIRE(repeats * 10 == order.size());
    }
  }
}

TEST_CASE("arguments") {
  REQUIRE(parse_duration("500ms") == std::chrono::milliseconds(500));
  REQUIRE(parse_duration("10s") == std::chrono::seconds(10));
  REQUIRE(parse_duration("2m") == std::chrono::minutes(2));
  REQUIRE(parse_duration("1.5s") == std::chrono::milliseconds(1500));
  REQUIRE_FALSE(parse_duration("10x"));
  REQUIRE_FALSE(parse_duration("-1s"));
  auto u = parse_url("https://[::1]:8443/v1/chat/completions?x=1");
  REQUIRE(u);
  REQUIRE(u->tls);
  REQUIRE(u->host == "::1");
  REQUIRE(u->port == "8443");
  REQUIRE(u->target == "/v1/chat/completions?x=1");
  REQUIRE(parse_url("http://localhost")->port == "80");
  REQUIRE_FALSE(parse_url("ftp://x/"));
  Options o;
  const char* both[] = {"loadgen",       "--url", "http://127.0.0.1:9/", "--rate", "1",
                        "--concurrency", "2"};
  REQUIRE(parse_options(7, both, o));
  const char* none[] = {"loadgen", "--url", "http://127.0.0.1:9/"};
  REQUIRE(parse_options(3, none, o));
  const char* ok[] = {
      "loadgen", "--url=http://127.0.0.1:9/", "--concurrency", "4", "--threads", "8", "--duration",
      "1s"};
  Options o2;
  REQUIRE_FALSE(parse_options(8, ok, o2));
  REQUIRE(o2.threads == 4);  // never more threads than connections
}
