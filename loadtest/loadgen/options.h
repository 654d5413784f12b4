// The load generator's command line: what to send, where, how fast and for how long.
// Parsing is pure (no I/O), so it can be tested apart from the sockets.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tollgate::loadgen {

struct Url {
  bool tls = false;
  std::string host;       // without brackets for IPv6
  std::string port;       // always set (80/443 by default)
  std::string target;     // path and query, "/" at least
  std::string authority;  // the host header: host[:port] as written
};

struct Options {
  std::string url_text;
  Url url;
  std::optional<double> rate;           // open loop, requests per second
  std::optional<unsigned> concurrency;  // closed loop, connections each with one request
  std::chrono::nanoseconds duration = std::chrono::seconds(10);
  std::chrono::nanoseconds warmup{0};
  std::chrono::nanoseconds timeout = std::chrono::seconds(60);
  unsigned connections = 128;  // open loop
  unsigned threads = 1;
  std::string mix = "short-chat";
  std::string body_file;
  std::string model = "gpt-test";
  bool stream = false;
  std::vector<std::pair<std::string, std::string>> headers;  // as given, in order
  std::string key;
  std::string cacert;
  bool insecure = false;
  std::uint64_t max_requests = 0;  // 0: no limit
  std::string json_path;
  std::string label;
  bool quiet = false;

  bool open_loop() const { return rate.has_value(); }
  // Connections in use: --connections (open loop) or --concurrency (closed loop).
  unsigned connection_count() const { return rate ? connections : *concurrency; }
};

// Parses argv; on a bad argument returns the message to print above the usage text.
std::optional<std::string> parse_options(int argc, const char* const* argv, Options& out);
std::string_view usage();

// "500ms", "10s", "1.5s", "2m", "1h", "250us"; a bare number is seconds.
std::optional<std::chrono::nanoseconds> parse_duration(std::string_view text);
std::optional<Url> parse_url(std::string_view text);

}  // namespace tollgate::loadgen
