// What a run measured (per thread, then merged) and the two ways it is reported: a text
// summary that fits one screen, and JSON for the benchmark scripts (times in µs).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "loadtest/loadgen/histogram.h"

namespace tollgate::loadgen {

struct Stats {
  std::uint64_t requests = 0;  // measured requests, whatever their outcome
  std::uint64_t ok = 0;        // 2xx answers read to their end
  std::uint64_t connect = 0;   // could not connect (or TLS handshake failed)
  std::uint64_t reset = 0;     // connection closed or reset before the answer ended
  std::uint64_t timeout = 0;   // no whole answer within --timeout
  std::uint64_t protocol = 0;  // an answer that is not HTTP/1.1 as we read it
  std::uint64_t reconnects = 0;
  std::uint64_t bytes_received = 0;
  std::array<std::uint64_t, 1000> status{};  // answers that were not 2xx, by status
  Histogram latency;                         // ok requests, µs
  Histogram ttft;                            // streamed ok requests: first event, µs
  Histogram gap;                             // between consecutive events, µs

  std::uint64_t errors() const;
  void merge(const Stats& other);
};

struct RunInfo {
  std::string label;
  std::string url;
  bool open_loop = false;
  std::optional<double> rate;
  std::optional<unsigned> concurrency;
  unsigned connections = 0;
  unsigned threads = 1;
  bool stream = false;
  std::string mix;        // a mix name, or "body-file"
  std::string body_file;  // when mix is body-file
  double duration_s = 0;  // the measured window
  double warmup_s = 0;
  double elapsed_s = 0;  // the whole run, connecting and draining included
  bool interrupted = false;
};

// Measured requests per second of the measured window.
double rate_achieved(const RunInfo& run, const Stats& stats);

std::string text_report(const RunInfo& run, const Stats& stats);
std::string json_report(const RunInfo& run, const Stats& stats);
// 812us, 1.23ms, 2.50s
std::string format_us(double us);

}  // namespace tollgate::loadgen
