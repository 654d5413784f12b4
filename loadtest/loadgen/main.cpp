// loadgen: an LLM-aware HTTP/1.1 load generator for tollgate's benchmarks.
//   loadgen --url http://127.0.0.1:PORT/v1/chat/completions (--rate R | --concurrency C)
//           --duration 10s [--warmup 1s] [--mix ...] [--stream] [--json FILE] ...
// Open or closed loop over keep-alive connections, built-in chat mixes or a body file,
// latency / time to first event / gaps between stream events in log histograms, and a
// text and JSON report. `loadgen --help` lists every option.
#include <sys/resource.h>

#include <csignal>
#include <fstream>
#include <iostream>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include "loadtest/loadgen/bodies.h"
#include "loadtest/loadgen/engine.h"
#include "loadtest/loadgen/options.h"
#include "loadtest/loadgen/report.h"

namespace asio = boost::asio;
using namespace tollgate::loadgen;

namespace {

// 10,000 streams need 10,000 sockets: take every file descriptor we may.
void raise_file_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);
  }
}

void on_interrupt(int) {
  interrupt_load();
  std::signal(SIGINT, SIG_DFL);  // a second Ctrl-C ends at once
  std::signal(SIGTERM, SIG_DFL);
}

int bad_arguments(const std::string& message) {
  std::cerr << "loadgen: " << message << "\n" << usage();
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  if (auto error = parse_options(argc, argv, options)) {
    if (error->empty()) {
      std::cout << usage();
      return 0;
    }
    return bad_arguments(*error);
  }

  std::vector<Body> bodies;
  std::vector<std::uint32_t> order;
  if (!options.body_file.empty()) {
    if (auto error = read_body_file(options.body_file, bodies)) return bad_arguments(*error);
    for (std::uint32_t i = 0; i < bodies.size(); ++i) order.push_back(i);
  } else {
    bodies = mix_bodies(options.mix, options.model, options.stream, order);
  }
  RequestSet requests = build_requests(options, bodies, std::move(order));

  Target target;
  target.tls_host = options.url.host;
  try {
    asio::io_context io;
    asio::ip::tcp::resolver resolver(io);
    auto results = resolver.resolve(options.url.host, options.url.port);
    target.endpoint = results.begin()->endpoint();
  } catch (const std::exception& e) {
    return bad_arguments("cannot resolve " + options.url.host + ": " + e.what());
  }
  std::unique_ptr<asio::ssl::context> tls;
  if (options.url.tls) {
    try {
      tls = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
      if (options.insecure) {
        tls->set_verify_mode(asio::ssl::verify_none);
      } else {
        tls->set_verify_mode(asio::ssl::verify_peer);
        if (options.cacert.empty()) {
          tls->set_default_verify_paths();
        } else {
          tls->load_verify_file(options.cacert);
        }
      }
    } catch (const std::exception& e) {
      return bad_arguments("TLS setup: " + std::string(e.what()));
    }
    target.tls = tls.get();
  }

  raise_file_limit();
  std::signal(SIGPIPE, SIG_IGN);
  std::signal(SIGINT, on_interrupt);
  std::signal(SIGTERM, on_interrupt);

  Result result = run_load(options, requests, target);
  RunInfo& run = result.run;
  run.label = options.label;
  run.url = options.url_text;
  run.open_loop = options.open_loop();
  run.rate = options.rate;
  run.concurrency = options.concurrency;
  run.connections = options.connection_count();
  run.threads = options.threads;
  run.stream = options.stream;
  run.mix = options.body_file.empty() ? options.mix : "body-file";
  run.body_file = options.body_file;

  std::cout << text_report(run, result.stats) << std::flush;
  if (!options.json_path.empty()) {
    std::ofstream out(options.json_path, std::ios::binary | std::ios::trunc);
    out << json_report(run, result.stats);
    if (!out.flush()) {
      std::cerr << "loadgen: cannot write " << options.json_path << "\n";
      return 1;
    }
  }
  return result.stats.ok > 0 ? 0 : 1;
}
