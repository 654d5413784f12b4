// The scanner's API: which entities it looks for, custom patterns and word lists, errors a
// config reader can place, the overlap rule, and scans from several threads at once.
#include <catch2/catch.hpp>

#include <string>
#include <thread>
#include <vector>

#include "policies/pii/resolve.h"
#include "policies/pii/scanner.h"
#include "policies/pii/word_list.h"

using namespace tollgate::policies::pii;

namespace {

std::vector<std::string> found(const Scanner& scanner, std::string_view text) {
  std::vector<Finding> findings;
  scanner.scan(text, findings);
  std::vector<std::string> out;
  for (const Finding& f : findings) {
    out.push_back(scanner.entities()[f.entity].name + "=" +
                  std::string(text.substr(f.begin, f.end - f.begin)));
  }
  return out;
}

}  // namespace

TEST_CASE("a scanner looks only for the entities it was built with", "[pii]") {
  Scanner scanner = Scanner::build({{Builtin::email}, {}});
  CHECK(found(scanner, "mail a@example.com or call 415-555-2671") ==
        std::vector<std::string>{"email=a@example.com"});
  CHECK(scanner.entities().size() == kBuiltinCount);
  CHECK(scanner.entities()[id_of(Builtin::email)].enabled);
  CHECK_FALSE(scanner.entities()[id_of(Builtin::phone)].enabled);
  CHECK(scanner.find("url_credentials") == id_of(Builtin::url_credentials));
}

TEST_CASE("an empty spec builds and finds nothing", "[pii]") {
  Scanner scanner = Scanner::build({});
  CHECK(found(scanner, "a@example.com").empty());
}

TEST_CASE("custom patterns and word lists are entities after the built-in ones", "[pii]") {
  ScannerSpec spec{{Builtin::email},
                   {{"employee_id", "EMP-[0-9]{6}", {}},
                    {"codename", "", parse_word_list("Blue Falcon\r\nnightjar\n\n  C++ \n")}}};
  Scanner scanner = Scanner::build(spec);
  REQUIRE(scanner.entities().size() == kBuiltinCount + 2);
  CHECK(scanner.entities()[kBuiltinCount].tag == "EMPLOYEE_ID");
  CHECK(scanner.entities()[kBuiltinCount + 1].tag == "CODENAME");
  CHECK(found(scanner, "EMP-123456 leads project blue falcon (NIGHTJAR too), in C++.") ==
        std::vector<std::string>{"employee_id=EMP-123456", "codename=blue falcon",
                                 "codename=NIGHTJAR", "codename=C++"});
  // Whole words only.
  CHECK(found(scanner, "nightjars and bluefalcon and EMP-12345").empty());
}

TEST_CASE("a custom pattern over non-ASCII bytes is widened to whole characters", "[pii]") {
  Scanner scanner = Scanner::build({{}, {{"greek", "\\xce", {}}}});
  std::vector<Finding> findings;
  std::string text = "x \xce\xb1 y";  // "x α y"
  scanner.scan(text, findings);
  REQUIRE(findings.size() == 1);
  CHECK(findings[0].begin == 2);
  CHECK(findings[0].end == 4);
}

TEST_CASE("a bad custom entity is refused with its index and a reason", "[pii]") {
  auto refused = [](ScannerSpec spec) -> SpecError {
    try {
      Scanner::build(spec);
    } catch (const SpecError& e) {
      return e;
    }
    FAIL("built");
    return SpecError(std::nullopt, "");
  };
  SpecError bad = refused({{}, {{"ok", "a+", {}}, {"employee_id", "EMP-[0-9", {}}}});
  CHECK(bad.custom_index() == 1);
  CHECK_THAT(bad.what(), Catch::Contains("employee_id") && Catch::Contains("EMP-[0-9"));
  CHECK(refused({{}, {{"Bad Name", "x", {}}}}).custom_index() == 0);
  CHECK(refused({{}, {{"email", "x", {}}}}).custom_index() == 0);
  CHECK(refused({{}, {{"a", "x", {}}, {"a", "y", {}}}}).custom_index() == 1);
  CHECK(refused({{}, {{"a", "", {}}}}).custom_index() == 0);
  CHECK(refused({{}, {{"a", "x", {"y"}}}}).custom_index() == 0);
  CHECK_THAT(refused({{}, {{"a", "x*", {}}}}).what(), Catch::Contains("\"a\""));
}

TEST_CASE("overlaps: the longest wins, then the earliest, then the lower entity", "[pii]") {
  std::vector<Finding> candidates = {{1, 0, 5},   {2, 3, 12},  {0, 10, 14},
                                     {3, 20, 24}, {0, 20, 24}, {4, 30, 30}};
  std::vector<Finding> out;
  resolve_overlaps(candidates, out);
  CHECK(out == std::vector<Finding>{{2, 3, 12}, {0, 20, 24}});
}

TEST_CASE("overlaps: many findings resolve the same past the linear limit", "[pii]") {
  std::vector<Finding> candidates;
  for (std::size_t i = 0; i < 500; ++i) {
    candidates.push_back({0, i * 10, i * 10 + 4});
    candidates.push_back({1, i * 10 + 2, i * 10 + 5});  // shorter, overlapping: dropped
  }
  std::vector<Finding> out;
  resolve_overlaps(candidates, out);
  REQUIRE(out.size() == 500);
  for (std::size_t i = 0; i < 500; ++i) CHECK(out[i] == Finding{0, i * 10, i * 10 + 4});
}

TEST_CASE("url credentials win over an address or token inside them", "[pii]") {
  ScannerSpec spec;
  for (std::size_t i = 0; i < kBuiltinCount; ++i) spec.builtins.push_back(static_cast<Builtin>(i));
  Scanner scanner = Scanner::build(spec);
  CHECK(found(scanner,
              "https://x-access-token:ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789@github.com/o/r") ==
        std::vector<std::string>{
            "url_credentials=x-access-token:ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789"});
}

TEST_CASE("one scanner scans from several threads at once", "[pii]") {
  Scanner scanner = Scanner::build({{Builtin::email, Builtin::card}, {}});
  Scanner other = Scanner::build({{Builtin::phone}, {{"w", "", {"zebra"}}}});
  std::string text = "a@example.com paid 4111 1111 1111 1111 ";
  std::vector<std::thread> threads;
  std::vector<int> good(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      std::vector<Finding> findings;
      for (int i = 0; i < 2000; ++i) {
        scanner.scan(text, findings);
        bool ok = findings.size() == 2;
        other.scan("zebra at 415-555-2671", findings);  // a second database, same scratch
        good[t] += ok && findings.size() == 2;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(good == std::vector<int>(4, 2000));
}
