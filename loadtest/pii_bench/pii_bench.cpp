// pii_bench: scan throughput of the pii scanner per core on chat-like bodies, every
// built-in entity on (issue 15: >= 1 GB/s). One thread, so the figure is per core.
//   pii-bench [--seconds S] [--runs R] [--body-bytes N] [--pii-every N]
//             [--numeric-share F] [--only ENTITY]
// Bodies are made from a fixed seed: prose, code and JSON, with a share of pieces holding
// dates, versions, prices and order numbers, and one value to find every --pii-every bytes
// (2048; 0: none). Two mixes by default: the realistic one (25% of pieces with numbers,
// the headline figure) and a number-heavy one (100%); --numeric-share F runs one.
// Each mix runs R times (3) for S seconds (2) and reports the best run: the machine may be
// shared. Throughput is bytes per second of this thread's CPU time (what one core does
// when it has the core to itself); the wall-clock figure is printed beside it.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "policies/pii/actions.h"
#include "policies/pii/scanner.h"

using namespace tollgate::policies::pii;

namespace {

struct Options {
  double seconds = 2;
  int runs = 3;
  std::size_t body_bytes = 4096;
  std::size_t pii_every = 2048;
  std::string only;                    // one entity alone, to see what each costs
  std::vector<double> numeric_shares;  // of the filler pieces, those with numbers
};

// Chat text without numbers, and the numbers chats do hold (dates, versions, prices,
// order and invoice numbers, ids): every one of the latter wakes the numeric extractors.
constexpr const char* kProse[] = {
    "Could you help me refactor this function so it handles the empty case? ",
    "Please write a polite reply declining the invitation, but keep the door open. ",
    "Translate the following paragraph into German and keep the technical terms. ",
    "```cpp\nstd::vector<int> values{first, second};\nfor (auto& v : values) v.reset();\n```\n",
    "{\"role\": \"user\", \"content\": \"summarise the meeting notes from Tuesday\"} ",
    "The assistant should answer briefly, cite its sources and avoid speculation. ",
    "Explain the difference between a mutex and a semaphore with a short example. ",
    "Rewrite this paragraph in plain English for a non-technical audience, please. ",
};
constexpr const char* kNumeric[] = {
    "Here is the stack trace from the staging server after the deploy on 2024-01-15: ",
    "The order ORD-2024-001234 shipped on 15.01.2024 and costs $1,299.99 including tax. ",
    "We upgraded to version 10.15.7 and Python 3.11.4, then ran 1532 tests in 93.4 s. ",
    "Request id 550e8400-e29b-41d4-a716-446655440000 failed at 12:30:45 with code 503. ",
    "The quarterly numbers are up 12.5% and the churn fell to 3.2% this month. ",
    "Invoice 5657 0182 6945 1421 was paid; the next one is due in 30 days. ",
    "SELECT id, name FROM users WHERE created_at > '2023-11-05' ORDER BY id LIMIT 50; ",
};

constexpr const char* kValues[] = {
    "jane.doe@example.com",
    "+1 415 555 2671",
    "4111 1111 1111 1111",
    "DE89 3704 0044 0532 0130 00",
    "123-45-6789",
    "192.168.1.10",
    "2001:db8::1",
    "sk-abc123DEF456ghi789JKL012mno345PQR678stu901",
    "postgres://app:pa55word@db.internal/app",
};

std::vector<std::string> make_bodies(const Options& options, double numeric_share,
                                     std::size_t total) {
  std::mt19937_64 random(15);
  std::vector<std::string> bodies;
  std::size_t made = 0;
  std::size_t since_value = 0;
  while (made < total) {
    std::string body;
    while (body.size() < options.body_bytes) {
      if (options.pii_every != 0 && since_value >= options.pii_every) {
        body += "Contact ";
        body += kValues[random() % std::size(kValues)];
        body += " today. ";
        since_value = 0;
      }
      bool numeric = static_cast<double>(random() % 1000) < numeric_share * 1000;
      const char* piece =
          numeric ? kNumeric[random() % std::size(kNumeric)] : kProse[random() % std::size(kProse)];
      body += piece;
      since_value += std::strlen(piece);
    }
    made += body.size();
    bodies.push_back(std::move(body));
  }
  return bodies;
}

Options parse(int argc, char** argv) {
  Options options;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string_view flag = argv[i];
    std::string_view value = argv[i + 1];
    if (flag == "--seconds") {
      options.seconds = std::atof(value.data());
    } else if (flag == "--runs") {
      options.runs = std::max(1, std::atoi(value.data()));
    } else if (flag == "--body-bytes") {
      options.body_bytes = std::strtoul(value.data(), nullptr, 10);
    } else if (flag == "--pii-every") {
      options.pii_every = std::strtoul(value.data(), nullptr, 10);
    } else if (flag == "--numeric-share") {
      options.numeric_shares = {std::atof(value.data())};
    } else if (flag == "--only") {
      options.only = value;
    } else {
      std::fprintf(stderr, "pii-bench: unknown option %s\n", argv[i]);
      std::exit(2);
    }
  }
  if (options.numeric_shares.empty()) options.numeric_shares = {0.25, 1.0};
  return options;
}

double thread_seconds() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) * 1e-9;
}

struct Run {
  std::size_t bytes = 0;
  double cpu_seconds = 0;
  double wall_seconds = 0;
  std::size_t bodies = 0;
  std::size_t found = 0;
  std::size_t rewritten = 0;
};

// Scans (and applies the actions to) the bodies over and over for `seconds` of CPU time.
Run run_once(const Scanner& scanner, const ActionPolicy& policy,
             const std::vector<std::string>& bodies, double seconds) {
  std::vector<Finding> findings;
  std::string out;
  Run run;
  double cpu_start = thread_seconds();
  auto wall_start = std::chrono::steady_clock::now();
  while (run.cpu_seconds < seconds) {
    Pseudonyms pseudonyms;  // one request's worth of bodies shares a map
    for (const std::string& body : bodies) {
      scanner.scan(body, findings);
      run.bytes += body.size();
      ++run.bodies;
      run.found += findings.size();
      if (!findings.empty()) {
        run.rewritten +=
            apply_actions(body, findings, scanner.entities(), policy, pseudonyms, out).changed;
      }
    }
    run.cpu_seconds = thread_seconds() - cpu_start;
  }
  run.wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  return run;
}

}  // namespace

int main(int argc, char** argv) {
  Options options = parse(argc, argv);
  ScannerSpec spec;
  for (std::size_t i = 0; i < kBuiltinCount; ++i) spec.builtins.push_back(static_cast<Builtin>(i));
  if (!options.only.empty()) spec.builtins = {parse_builtin(options.only).value()};
  Scanner scanner = Scanner::build(spec);
  ActionPolicy policy;
  policy.by_entity.assign(kBuiltinCount, Action::mask);
  policy.by_entity[id_of(Builtin::email)] = Action::pseudonymize;

  std::printf(
      "pii-bench: %s, %zu-byte bodies, a value every %zu bytes, 1 thread, scan + actions, "
      "best of %d runs of %.1f s\n",
      options.only.empty() ? "every built-in entity on" : options.only.c_str(), options.body_bytes,
      options.pii_every, options.runs, options.seconds);
  for (double share : options.numeric_shares) {
    // 32 MiB of bodies: past the caches, as a busy gateway's bodies are.
    std::vector<std::string> bodies = make_bodies(options, share, 32u << 20);
    Run best;
    for (int r = 0; r < options.runs; ++r) {
      Run run = run_once(scanner, policy, bodies, options.seconds);
      if (r == 0 || run.bytes / run.cpu_seconds > best.bytes / best.cpu_seconds) best = run;
    }
    const char* label = share == 0.25 ? "realistic" : share >= 1.0 ? "number-heavy" : "custom";
    std::printf(
        "pii-bench: %-12s (%3.0f%% of pieces with numbers): %.2f GB/s per core%s (wall clock "
        "%.2f GB/s); %.1f findings per 4 KiB, %.0f%% of bodies rewritten\n",
        label, share * 100, best.bytes / 1e9 / best.cpu_seconds,
        share == 0.25 ? " <- issue 15's headline, >= 1 GB/s" : "",
        best.bytes / 1e9 / best.wall_seconds,
        static_cast<double>(best.found) * 4096 / static_cast<double>(best.bytes),
        100.0 * static_cast<double>(best.rewritten) / static_cast<double>(best.bodies));
  }
  return 0;
}
