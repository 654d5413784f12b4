// The load generator's engine: worker threads, each with its own io_context and share of
// the connections (and of the open-loop schedule), and the progress line on stderr.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include "loadtest/loadgen/bodies.h"
#include "loadtest/loadgen/options.h"
#include "loadtest/loadgen/report.h"

namespace tollgate::loadgen {

struct Target {
  boost::asio::ip::tcp::endpoint endpoint;
  boost::asio::ssl::context* tls = nullptr;  // https: a client context, verification set up
  std::string tls_host;                      // for SNI and the certificate's name
};

struct Result {
  Stats stats;
  RunInfo run;  // the times and interruption filled in; the rest from the options
};

// Runs the whole load: connects, warms up, measures, drains. Blocks until done.
Result run_load(const Options& options, const RequestSet& requests, const Target& target);

// Stops the run early (from a signal handler: only sets an atomic flag).
void interrupt_load();

}  // namespace tollgate::loadgen
