// pii_bench: scan throughput of the pii scanner per core on chat-like bodies, every
// built-in entity on (issue 15: >= 1 GB/s). One thread, so the figure is per core.
//   pii-bench [--seconds S] [--body-bytes N] [--pii-every N] [--numeric-share F]
//             [--only ENTITY]
// Bodies are made from a fixed seed: prose, code and JSON, with a share F (0.25) of pieces
// holding dates, versions, prices and order numbers, and one value to find every
// --pii-every bytes (0: none).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "policies/pii/actions.h"
#include "policies/pii/scanner.h"

using namespace tollgate::policies::pii;

namespace {

struct Options {
  double seconds = 3;
  std::size_t body_bytes = 4096;
  std::size_t pii_every = 2048;
  std::string only;             // one entity alone, to see what each costs
  double numeric_share = 0.25;  // of the filler pieces, those with numbers
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

std::vector<std::string> make_bodies(const Options& options, std::size_t total) {
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
      bool numeric = static_cast<double>(random() % 1000) < options.numeric_share * 1000;
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
    } else if (flag == "--body-bytes") {
      options.body_bytes = std::strtoul(value.data(), nullptr, 10);
    } else if (flag == "--pii-every") {
      options.pii_every = std::strtoul(value.data(), nullptr, 10);
    } else if (flag == "--numeric-share") {
      options.numeric_share = std::atof(value.data());
    } else if (flag == "--only") {
      options.only = value;
    } else {
      std::fprintf(stderr, "pii-bench: unknown option %s\n", argv[i]);
      std::exit(2);
    }
  }
  return options;
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

  // 32 MiB of bodies: past the caches, as a busy gateway's bodies are.
  std::vector<std::string> bodies = make_bodies(options, 32u << 20);
  std::vector<Finding> findings;
  std::string out;
  std::size_t bytes = 0;
  std::size_t found = 0;
  std::size_t rewritten = 0;
  auto start = std::chrono::steady_clock::now();
  double elapsed = 0;
  while (elapsed < options.seconds) {
    Pseudonyms pseudonyms;  // one request's worth of bodies shares a map
    for (const std::string& body : bodies) {
      scanner.scan(body, findings);
      bytes += body.size();
      found += findings.size();
      if (!findings.empty()) {
        rewritten +=
            apply_actions(body, findings, scanner.entities(), policy, pseudonyms, out).changed;
      }
    }
    elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  std::printf(
      "pii-bench: %zu-byte bodies, %.0f%% of pieces with numbers, a value every %zu bytes, "
      "%s, 1 thread\n"
      "pii-bench: %.2f GB in %.2f s = %.2f GB/s per core (scan + actions); %zu findings, "
      "%zu bodies rewritten\n",
      options.body_bytes, options.numeric_share * 100, options.pii_every,
      options.only.empty() ? "every built-in entity on" : options.only.c_str(), bytes / 1e9,
      elapsed, bytes / 1e9 / elapsed, found, rewritten);
  return 0;
}
