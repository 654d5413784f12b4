// Text and JSON reports of a load generator run (see report.h).
#include "loadtest/loadgen/report.h"

#include <cstdio>

#include "gateway/core/errors.h"

namespace tollgate::loadgen {

namespace {

std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string bytes_text(std::uint64_t n) {
  double v = static_cast<double>(n);
  if (v >= 1e9) return fixed(v / 1e9, 2) + " GB";
  if (v >= 1e6) return fixed(v / 1e6, 1) + " MB";
  if (v >= 1e3) return fixed(v / 1e3, 1) + " kB";
  return std::to_string(n) + " B";
}

std::string pad_left(const std::string& s, std::size_t width) {
  return s.size() >= width ? s : std::string(width - s.size(), ' ') + s;
}

std::string histogram_row(std::string_view name, const Histogram& h) {
  std::string row(name);
  row.resize(12, ' ');
  if (h.count() == 0) return row + pad_left("-", 10) + "\n";
  auto s = h.summary();
  row += pad_left(std::to_string(s.count), 10);
  for (double v :
       {s.mean, double(s.p50), double(s.p90), double(s.p99), double(s.p999), double(s.max)})
    row += pad_left(format_us(v), 10);
  return row + "\n";
}

void json_histogram(std::string& out, const Histogram& h, bool null_when_empty) {
  if (h.count() == 0 && null_when_empty) {
    out += "null";
    return;
  }
  auto s = h.summary();
  out += R"({"count":)" + std::to_string(s.count) + R"(,"mean":)" + fixed(s.mean, 1) +
         R"(,"p50":)" + std::to_string(s.p50) + R"(,"p90":)" + std::to_string(s.p90) +
         R"(,"p99":)" + std::to_string(s.p99) + R"(,"p999":)" + std::to_string(s.p999) +
         R"(,"max":)" + std::to_string(s.max) + "}";
}

}  // namespace

std::uint64_t Stats::errors() const {
  std::uint64_t n = connect + reset + timeout + protocol;
  for (auto c : status) n += c;
  return n;
}

void Stats::merge(const Stats& o) {
  requests += o.requests;
  ok += o.ok;
  connect += o.connect;
  reset += o.reset;
  timeout += o.timeout;
  protocol += o.protocol;
  reconnects += o.reconnects;
  bytes_received += o.bytes_received;
  for (std::size_t i = 0; i < status.size(); ++i) status[i] += o.status[i];
  latency.merge(o.latency);
  ttft.merge(o.ttft);
  gap.merge(o.gap);
}

double rate_achieved(const RunInfo& run, const Stats& stats) {
  return run.duration_s > 0 ? static_cast<double>(stats.requests) / run.duration_s : 0.0;
}

std::string format_us(double us) {
  if (us < 1000) return fixed(us, 0) + "us";
  if (us < 1e6) return fixed(us / 1e3, us < 1e4 ? 2 : 1) + "ms";
  return fixed(us / 1e6, 2) + "s";
}

std::string text_report(const RunInfo& run, const Stats& stats) {
  std::string out = "loadgen: ";
  if (run.open_loop) {
    out += "open loop at " + fixed(*run.rate, *run.rate < 10 ? 2 : 0) + " req/s, " +
           std::to_string(run.connections) + " connections";
  } else {
    out += "closed loop, " + std::to_string(run.connections) + " connections";
  }
  out += ", " + std::to_string(run.threads) + (run.threads == 1 ? " thread" : " threads");
  out += ", " + (run.mix == "body-file" ? "bodies from " + run.body_file : "mix " + run.mix);
  if (run.stream) out += ", stream";
  if (!run.label.empty()) out += "  [" + run.label + "]";
  out += "\n  url        " + run.url + "\n";
  out += "  time       " + fixed(run.duration_s, 2) + " s measured";
  if (run.warmup_s > 0) out += " after " + fixed(run.warmup_s, 2) + " s warmup";
  out += ", " + fixed(run.elapsed_s, 2) + " s in all";
  if (run.interrupted) out += " (interrupted)";
  out += "\n";
  double achieved = rate_achieved(run, stats);
  out += "  requests   " + std::to_string(stats.requests) + ", ok " + std::to_string(stats.ok) +
         ", " + fixed(achieved, achieved < 100 ? 1 : 0) + " req/s, received " +
         bytes_text(stats.bytes_received) + "\n";
  out += "  errors     ";
  if (stats.errors() == 0) {
    out += "none";
  } else {
    bool any_status = false;
    for (std::size_t code = 0; code < stats.status.size(); ++code) {
      if (stats.status[code] == 0) continue;
      out += (any_status ? ", " : "status ") + std::to_string(code) + ": " +
             std::to_string(stats.status[code]);
      any_status = true;
    }
    if (any_status) out += "; ";
    out += "connect " + std::to_string(stats.connect) + ", reset " + std::to_string(stats.reset) +
           ", timeout " + std::to_string(stats.timeout);
    if (stats.protocol) out += ", protocol " + std::to_string(stats.protocol);
  }
  out += "; reconnects " + std::to_string(stats.reconnects) + "\n";
  if (run.open_loop && achieved < 0.95 * *run.rate)
    out +=
        "  warning    achieved rate is below the requested one: the server or loadgen "
        "fell behind\n";
  out += std::string(12, ' ');
  for (const char* column : {"count", "mean", "p50", "p90", "p99", "p99.9", "max"})
    out += pad_left(column, 10);
  out += "\n";
  out += histogram_row("  latency", stats.latency);
  if (stats.ttft.count() > 0 || run.stream) {
    out += histogram_row("  ttft", stats.ttft);
    out += histogram_row("  event gap", stats.gap);
  }
  return out;
}

std::string json_report(const RunInfo& run, const Stats& stats) {
  using core::append_json_string;
  std::string out = R"({"label":)";
  append_json_string(out, run.label);
  out += R"(,"url":)";
  append_json_string(out, run.url);
  out += R"(,"mode":)";
  out += run.open_loop ? R"("open")" : R"("closed")";
  out += R"(,"rate_requested":)" + (run.rate ? fixed(*run.rate, 3) : std::string("null"));
  out += R"(,"concurrency":)" +
         (run.concurrency ? std::to_string(*run.concurrency) : std::string("null"));
  out += R"(,"connections":)" + std::to_string(run.connections);
  out += R"(,"threads":)" + std::to_string(run.threads);
  out += R"(,"stream":)" + std::string(run.stream ? "true" : "false");
  out += R"(,"mix":)";
  append_json_string(out, run.mix);
  if (!run.body_file.empty()) {
    out += R"(,"body_file":)";
    append_json_string(out, run.body_file);
  }
  out += R"(,"duration_s":)" + fixed(run.duration_s, 3);
  out += R"(,"warmup_s":)" + fixed(run.warmup_s, 3);
  out += R"(,"elapsed_s":)" + fixed(run.elapsed_s, 3);
  out += R"(,"interrupted":)" + std::string(run.interrupted ? "true" : "false");
  out += R"(,"requests":)" + std::to_string(stats.requests);
  out += R"(,"ok":)" + std::to_string(stats.ok);
  out += R"(,"rate_achieved":)" + fixed(rate_achieved(run, stats), 3);
  out += R"(,"errors":{"status":{)";
  bool first = true;
  for (std::size_t code = 0; code < stats.status.size(); ++code) {
    if (stats.status[code] == 0) continue;
    if (!first) out += ",";
    first = false;
    out += "\"" + std::to_string(code) + "\":" + std::to_string(stats.status[code]);
  }
  out += R"(},"connect":)" + std::to_string(stats.connect);
  out += R"(,"reset":)" + std::to_string(stats.reset);
  out += R"(,"timeout":)" + std::to_string(stats.timeout);
  out += R"(,"protocol":)" + std::to_string(stats.protocol);
  out += R"(},"reconnects":)" + std::to_string(stats.reconnects);
  out += R"(,"bytes_received":)" + std::to_string(stats.bytes_received);
  out += R"(,"latency_us":)";
  json_histogram(out, stats.latency, false);
  out += R"(,"ttft_us":)";
  json_histogram(out, stats.ttft, true);
  out += R"(,"stream_gap_us":)";
  json_histogram(out, stats.gap, true);
  out += "}\n";
  return out;
}

}  // namespace tollgate::loadgen
