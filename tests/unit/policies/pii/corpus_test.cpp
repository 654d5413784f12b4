// The labelled corpus (corpus/*.txt): every built-in entity on, precision and recall per
// entity printed and held at 0.95 or more. A finding counts only with the exact span and
// entity of a label; anything else it finds is a false positive.
#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "policies/pii/scanner.h"

using namespace tollgate::policies::pii;

namespace {

struct Label {
  std::string entity;
  std::size_t begin;
  std::size_t end;
  auto operator<=>(const Label&) const = default;
};

struct Text {
  std::string file_line;
  std::string text;
  std::vector<Label> labels;
};

std::string unescape(const std::string& line) {
  std::string out;
  for (std::size_t i = 0; i < line.size(); ++i) {
    if (line[i] == '\\' && i + 1 < line.size() && line[i + 1] == 'n') {
      out += '\n';
      ++i;
    } else {
      out += line[i];
    }
  }
  return out;
}

// "Mail {{email:a@b.io}} now" → the text "Mail a@b.io now" and one label.
Text parse_line(const std::string& raw, const std::string& where) {
  Text t{where, "", {}};
  std::string line = unescape(raw);
  std::size_t i = 0;
  while (i < line.size()) {
    std::size_t open = line.find("{{", i);
    if (open == std::string::npos) break;
    std::size_t colon = line.find(':', open);
    std::size_t close = line.find("}}", open);
    REQUIRE(colon != std::string::npos);
    REQUIRE(close != std::string::npos);
    t.text += line.substr(i, open - i);
    std::string entity = line.substr(open + 2, colon - open - 2);
    std::string value = line.substr(colon + 1, close - colon - 1);
    t.labels.push_back({entity, t.text.size(), t.text.size() + value.size()});
    t.text += value;
    i = close + 2;
  }
  t.text += line.substr(i);
  return t;
}

// __FILE__ is relative to the build directory under Ninja: try it from here, from the
// build directory (the binary is build/tests/unit_tests) and from the source root.
std::filesystem::path corpus_dir() {
  namespace fs = std::filesystem;
  fs::path here = fs::path(__FILE__).parent_path() / "corpus";
  std::error_code ec;
  fs::path build = fs::read_symlink("/proc/self/exe", ec).parent_path().parent_path();
  for (const fs::path& dir :
       {here, build / here, fs::current_path() / "tests/unit/policies/pii/corpus"}) {
    if (fs::exists(dir / "handwritten.txt", ec)) return dir;
  }
  return here;
}

std::vector<Text> read_corpus() {
  std::vector<Text> texts;
  auto dir = corpus_dir();
  for (const char* name : {"handwritten.txt", "generated.txt"}) {
    std::ifstream in(dir / name);
    REQUIRE(in.good());
    std::string line;
    int number = 0;
    while (std::getline(in, line)) {
      ++number;
      if (line.empty() || line[0] == '#') continue;
      texts.push_back(parse_line(line, std::string(name) + ":" + std::to_string(number)));
    }
  }
  return texts;
}

struct Score {
  int tp = 0;
  int fp = 0;
  int fn = 0;
  double precision() const { return tp + fp == 0 ? 1.0 : double(tp) / (tp + fp); }
  double recall() const { return tp + fn == 0 ? 1.0 : double(tp) / (tp + fn); }
};

ScannerSpec every_builtin() {
  ScannerSpec spec;
  for (std::size_t i = 0; i < kBuiltinCount; ++i) spec.builtins.push_back(static_cast<Builtin>(i));
  return spec;
}

}  // namespace

TEST_CASE("pii corpus: precision and recall per entity are at least 0.95", "[pii]") {
  std::vector<Text> texts = read_corpus();
  REQUIRE(texts.size() >= 300);
  Scanner scanner = Scanner::build(every_builtin());
  std::map<std::string, Score> scores;
  for (std::size_t i = 0; i < kBuiltinCount; ++i) scores[std::string(builtin_name(Builtin(i)))];
  std::vector<Finding> findings;
  for (const Text& t : texts) {
    scanner.scan(t.text, findings);
    std::set<Label> found;
    for (const Finding& f : findings) {
      found.insert({scanner.entities()[f.entity].name, f.begin, f.end});
    }
    std::set<Label> expected(t.labels.begin(), t.labels.end());
    for (const Label& l : found) {
      bool hit = expected.count(l) > 0;
      (hit ? scores[l.entity].tp : scores[l.entity].fp)++;
      if (!hit) {
        std::printf("pii corpus: false %s at %s: \"%s\"\n", l.entity.c_str(), t.file_line.c_str(),
                    t.text.substr(l.begin, l.end - l.begin).c_str());
      }
    }
    for (const Label& l : expected) {
      if (found.count(l) == 0) {
        scores[l.entity].fn++;
        std::printf("pii corpus: missed %s at %s: \"%s\"\n", l.entity.c_str(), t.file_line.c_str(),
                    t.text.substr(l.begin, l.end - l.begin).c_str());
      }
    }
  }
  std::printf("pii corpus: %zu texts\n%-16s %5s %5s %5s %9s %7s\n", texts.size(), "entity", "tp",
              "fp", "fn", "precision", "recall");
  for (const auto& [entity, s] : scores) {
    std::printf("%-16s %5d %5d %5d %9.3f %7.3f\n", entity.c_str(), s.tp, s.fp, s.fn, s.precision(),
                s.recall());
  }
  for (const auto& [entity, s] : scores) {
    INFO(entity);
    CHECK(s.tp > 0);
    CHECK(s.precision() >= 0.95);
    CHECK(s.recall() >= 0.95);
  }
}
