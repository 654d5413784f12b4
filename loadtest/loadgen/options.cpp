// Command-line parsing for the load generator (see options.h).
#include "loadtest/loadgen/options.h"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace tollgate::loadgen {

namespace {

constexpr std::string_view kUsage =
    R"(usage: loadgen --url http[s]://HOST:PORT/PATH (--rate R | --concurrency C) [options]
  --url URL               target, e.g. http://127.0.0.1:8080/v1/chat/completions
  --rate R                open loop: R requests/s on the schedule start + i/R, whatever
                          the answers do; latency counts from each request's scheduled time
  --concurrency C         closed loop: C connections, each sending its next request when
                          the last one ended
  --duration D            measured time after the warmup (default 10s); D like 500ms, 10s, 2m
  --warmup D              unmeasured time before it (default 0)
  --connections N         open loop: keep-alive connections (default 128)
  --threads T             threads, each with its own share of connections and rate (default 1)
  --mix NAME              short-chat | long-chat | pii | repeat | mixed (default short-chat)
  --body-file FILE        JSON Lines, one request body per line, used round-robin
  --model NAME            model in the built-in bodies (default gpt-test)
  --stream                built-in bodies ask for a stream (with usage)
  --header 'NAME: VALUE'  extra request header, repeatable
  --key K                 sends authorization: Bearer K (default Bearer tg-loadgen, unless
                          a --header gives authorization)
  --cacert FILE           https: trust this CA (default: the system's)
  --insecure              https: do not verify the server's certificate
  --timeout D             per request, from sending to the end of the answer (default 60s)
  --max-requests N        stop after N measured requests
  --json FILE             write the report as JSON there too
  --label TEXT            copied into the report
  --quiet                 no progress line on stderr
exit status: 0 the run completed, 1 no request succeeded, 2 bad arguments
)";

constexpr std::string_view kValueOptions[] = {
    "--url",         "--rate",    "--concurrency",  "--duration",  "--warmup", "--timeout",
    "--connections", "--threads", "--mix",          "--body-file", "--model",  "--header",
    "--key",         "--cacert",  "--max-requests", "--json",      "--label"};

constexpr std::string_view kMixes[] = {"short-chat", "long-chat", "pii", "repeat", "mixed"};

bool is_token_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

template <typename T>
std::optional<T> parse_number(std::string_view s) {
  T value{};
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return value;
}

std::string bad_value(std::string_view arg, std::string_view value) {
  return "bad value for " + std::string(arg) + ": '" + std::string(value) + "'";
}

// --header 'NAME: VALUE': NAME a token, VALUE on one line; the headers that frame the body
// are loadgen's own.
std::optional<std::string> take_header(std::string_view value, Options& out) {
  auto colon = value.find(':');
  if (colon == std::string_view::npos || colon == 0) return bad_value("--header", value);
  std::string_view name = value.substr(0, colon);
  std::string_view v = value.substr(colon + 1);
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  if (!std::all_of(name.begin(), name.end(), is_token_char)) return bad_value("--header", value);
  std::string lower(name);
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "content-length" || lower == "transfer-encoding")
    return std::string(lower) + " is set by loadgen itself";
  if (v.find_first_of("\r\n") != std::string_view::npos) return bad_value("--header", value);
  out.headers.emplace_back(std::string(name), std::string(v));
  return std::nullopt;
}

// --duration, --warmup and --timeout: a duration each, the measured time not zero and a
// timeout of at least a millisecond.
std::optional<std::string> take_duration(std::string_view arg, std::string_view value,
                                         Options& out) {
  auto d = parse_duration(value);
  if (!d) return bad_value(arg, value);
  if (arg == "--duration") {
    if (d->count() == 0) return bad_value(arg, value);
    out.duration = *d;
  } else if (arg == "--warmup") {
    out.warmup = *d;
  } else {
    if (*d < std::chrono::milliseconds(1)) return bad_value(arg, value);
    out.timeout = *d;
  }
  return std::nullopt;
}

// A count option: a whole number from 1 to `max`.
std::optional<std::string> take_count(std::string_view arg, std::string_view value, unsigned max,
                                      unsigned& out) {
  auto n = parse_number<unsigned>(value);
  if (!n || *n == 0 || *n > max) return bad_value(arg, value);
  out = *n;
  return std::nullopt;
}

// One option of kValueOptions with its value; the message when the value is refused.
std::optional<std::string> take_value(std::string_view arg, std::string_view value, Options& out) {
  auto bad = [&] { return bad_value(arg, value); };
  if (arg == "--url") {
    auto url = parse_url(value);
    if (!url) return bad();
    out.url_text = std::string(value);
    out.url = *url;
  } else if (arg == "--rate") {
    auto r = parse_number<double>(value);
    if (!r || !(*r > 0) || *r > 1e8) return bad();
    out.rate = *r;
  } else if (arg == "--concurrency") {
    unsigned c = 0;
    if (auto e = take_count(arg, value, 1000000, c)) return e;
    out.concurrency = c;
  } else if (arg == "--duration" || arg == "--warmup" || arg == "--timeout") {
    return take_duration(arg, value, out);
  } else if (arg == "--connections") {
    return take_count(arg, value, 1000000, out.connections);
  } else if (arg == "--threads") {
    return take_count(arg, value, 256, out.threads);
  } else if (arg == "--mix") {
    if (std::find(std::begin(kMixes), std::end(kMixes), value) == std::end(kMixes)) return bad();
    out.mix = std::string(value);
  } else if (arg == "--body-file") {
    out.body_file = std::string(value);
  } else if (arg == "--model") {
    if (value.empty()) return bad();
    out.model = std::string(value);
  } else if (arg == "--header") {
    return take_header(value, out);
  } else if (arg == "--key") {
    if (value.empty() || value.find_first_of("\r\n") != std::string_view::npos) return bad();
    out.key = std::string(value);
  } else if (arg == "--cacert") {
    out.cacert = std::string(value);
  } else if (arg == "--max-requests") {
    auto n = parse_number<std::uint64_t>(value);
    if (!n || *n == 0) return bad();
    out.max_requests = *n;
  } else if (arg == "--json") {
    out.json_path = std::string(value);
  } else if (arg == "--label") {
    out.label = std::string(value);
  } else {
    return "unknown option '" + std::string(arg) + "'";
  }
  return std::nullopt;
}

// What no single option can check: the options that must, or must not, come together.
std::optional<std::string> check_together(Options& out, bool mix_given) {
  if (out.url_text.empty()) return std::string("--url is required");
  if (out.rate.has_value() == out.concurrency.has_value())
    return std::string("give exactly one of --rate and --concurrency");
  if (mix_given && !out.body_file.empty())
    return std::string("--mix and --body-file exclude each other");
  if (!out.cacert.empty() && out.insecure)
    return std::string("--cacert and --insecure exclude each other");
  out.threads = std::min(out.threads, out.connection_count());
  return std::nullopt;
}

}  // namespace

std::string_view usage() {
  return kUsage;
}

std::optional<std::chrono::nanoseconds> parse_duration(std::string_view text) {
  std::size_t unit_at = 0;
  while (unit_at < text.size() &&
         ((text[unit_at] >= '0' && text[unit_at] <= '9') || text[unit_at] == '.'))
    ++unit_at;
  auto value = parse_number<double>(text.substr(0, unit_at));
  if (!value || !std::isfinite(*value) || *value < 0) return std::nullopt;
  std::string_view unit = text.substr(unit_at);
  double ns_per_unit;
  if (unit.empty() || unit == "s") {
    ns_per_unit = 1e9;
  } else if (unit == "ms") {
    ns_per_unit = 1e6;
  } else if (unit == "us") {
    ns_per_unit = 1e3;
  } else if (unit == "m") {
    ns_per_unit = 60e9;
  } else if (unit == "h") {
    ns_per_unit = 3600e9;
  } else {
    return std::nullopt;
  }
  double ns = *value * ns_per_unit;
  if (ns > 1e18) return std::nullopt;
  return std::chrono::nanoseconds(static_cast<std::int64_t>(std::llround(ns)));
}

std::optional<Url> parse_url(std::string_view text) {
  Url url;
  if (text.starts_with("http://")) {
    text.remove_prefix(7);
  } else if (text.starts_with("https://")) {
    url.tls = true;
    text.remove_prefix(8);
  } else {
    return std::nullopt;
  }
  std::size_t slash = text.find_first_of("/?");
  std::string_view authority = text.substr(0, slash);
  url.target = slash == std::string_view::npos ? "/" : std::string(text.substr(slash));
  if (url.target.front() == '?') url.target.insert(0, "/");
  if (authority.empty() || authority.find('@') != std::string_view::npos) return std::nullopt;
  url.authority = std::string(authority);
  std::string_view host = authority, port;
  if (authority.front() == '[') {
    std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    host = authority.substr(1, close - 1);
    std::string_view rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return std::nullopt;
      port = rest.substr(1);
    }
  } else if (std::size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty()) return std::nullopt;
  if (!port.empty()) {
    auto number = parse_number<unsigned>(port);
    if (!number || *number == 0 || *number > 65535) return std::nullopt;
  }
  url.host = std::string(host);
  url.port = port.empty() ? (url.tls ? "443" : "80") : std::string(port);
  for (char c : url.target)
    if (static_cast<unsigned char>(c) <= ' ') return std::nullopt;
  return url;
}

std::optional<std::string> parse_options(int argc, const char* const* argv, Options& out) {
  bool mix_given = false;
  for (int i = 1; i < argc; ++i) {  // bounded: argc
    std::string_view arg = argv[i];
    std::string_view value;
    bool has_inline = false;
    if (arg.starts_with("--")) {
      if (auto eq = arg.find('='); eq != std::string_view::npos) {
        value = arg.substr(eq + 1);
        arg = arg.substr(0, eq);
        has_inline = true;
      }
    }
    if (arg == "--help" || arg == "-h") return std::string();
    if (arg == "--stream" || arg == "--quiet" || arg == "--insecure") {
      if (has_inline) return std::string(arg) + " takes no value";
      if (arg == "--stream") out.stream = true;
      if (arg == "--quiet") out.quiet = true;
      if (arg == "--insecure") out.insecure = true;
      continue;
    }
    if (!arg.starts_with("--")) return "unexpected argument '" + std::string(arg) + "'";
    if (std::find(std::begin(kValueOptions), std::end(kValueOptions), arg) ==
        std::end(kValueOptions))
      return "unknown option '" + std::string(arg) + "'";
    if (!has_inline) {
      if (i + 1 >= argc) return std::string(arg) + " needs a value";
      value = argv[++i];
    }
    if (auto error = take_value(arg, value, out)) return error;
    if (arg == "--mix") mix_given = true;
  }
  return check_together(out, mix_given);
}

}  // namespace tollgate::loadgen
