// cache_bench: the cache's lookups on one core (issue 16: a semantic lookup, embedding
// included, <= 50 µs at 100k entries) and the memory an entry takes.
//   cache-bench [--entries N] [--queries Q] [--answer-bytes B] [--index-above N]
//               [--index lsh|hnsw]
// Prompts are made from a fixed seed (8 to 20 words of a 2,000-word vocabulary), all in
// ONE context (one tenant, one system prompt: the worst case, every vector in one index);
// queries are stored prompts reworded (case, a word dropped, punctuation) and unrelated
// prompts, half each.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "cache/memory_store.h"

using namespace tollgate::cache;
using Clock = std::chrono::steady_clock;

namespace {

struct Options {
  std::size_t entries = 100000;
  std::size_t queries = 20000;
  std::size_t answer_bytes = 600;
  std::size_t index_above = 2048;
  IndexKind kind = IndexKind::lsh;
};

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::size_t v = std::strtoull(argv[i + 1], nullptr, 10);
    if (!std::strcmp(argv[i], "--entries"))
      o.entries = v;
    else if (!std::strcmp(argv[i], "--queries"))
      o.queries = v;
    else if (!std::strcmp(argv[i], "--answer-bytes"))
      o.answer_bytes = v;
    else if (!std::strcmp(argv[i], "--index-above"))
      o.index_above = v;
    else if (!std::strcmp(argv[i], "--index"))
      o.kind = !std::strcmp(argv[i + 1], "hnsw") ? IndexKind::hnsw : IndexKind::lsh;
    else {
      std::fprintf(stderr, "cache-bench: unknown option %s\n", argv[i]);
      std::exit(2);
    }
  }
  return o;
}

std::size_t rss_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::size_t pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * 4096;
}

std::vector<std::string> vocabulary(std::mt19937& rng) {
  std::vector<std::string> words;
  std::uniform_int_distribution<int> len(2, 10), letter('a', 'z');
  for (int i = 0; i < 2000; ++i) {
    std::string w;
    for (int n = len(rng); n > 0; --n) w.push_back(static_cast<char>(letter(rng)));
    words.push_back(w);
  }
  return words;
}

std::string prompt(std::mt19937& rng, const std::vector<std::string>& words) {
  std::uniform_int_distribution<std::size_t> count(8, 20), pick(0, words.size() - 1);
  std::string p;
  for (std::size_t n = count(rng); n > 0; --n) p += words[pick(rng)] + " ";
  p.back() = '?';
  return p;
}

// A stored prompt as a user might write it again: capitals, a word fewer, no '?'.
std::string reword(std::string p) {
  p[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(p[0])));
  auto space = p.find(' ', p.size() / 2);
  auto next = p.find(' ', space + 1);
  if (space != std::string::npos && next != std::string::npos) p.erase(space, next - space);
  if (p.back() == '?') p.pop_back();
  return p;
}

double percentile(std::vector<double>& v, double q) {
  std::sort(v.begin(), v.end());
  return v[static_cast<std::size_t>(q * static_cast<double>(v.size() - 1))];
}

}  // namespace

int main(int argc, char** argv) {
  Options o = parse(argc, argv);
  std::mt19937 rng(16);
  auto words = vocabulary(rng);
  std::vector<std::string> prompts;
  prompts.reserve(o.entries);
  for (std::size_t i = 0; i < o.entries; ++i) prompts.push_back(prompt(rng, words));

  MemoryStore store(std::uint64_t{64} << 30, o.entries + 1, o.index_above, o.kind);
  CachedAnswer answer;
  answer.text = std::string(o.answer_bytes, 'a');
  answer.body = R"({"choices":[{"index":0,"message":{"content":")" + answer.text + "\"}}]}";
  answer.convertible = true;
  std::size_t rss_before = rss_bytes();
  auto t0 = Clock::now();
  for (std::size_t i = 0; i < o.entries; ++i) {
    SemanticPart part{"context", {}, std::chrono::hours(1)};
    embed_builtin(prompts[i], part.vector);
    store.insert("key" + std::to_string(i), answer, std::chrono::hours(1), {"k", "", ""}, &part);
  }
  double insert_s = std::chrono::duration<double>(Clock::now() - t0).count();
  std::size_t rss_after = rss_bytes();

  std::vector<double> embed_us, lookup_us, exact_us;
  std::size_t hits = 0, wrong = 0, reworded = 0;
  std::uniform_int_distribution<std::size_t> pick(0, o.entries - 1);
  for (std::size_t q = 0; q < o.queries; ++q) {
    bool known = q % 2 == 0;
    std::size_t i = pick(rng);
    std::string text = known ? reword(prompts[i]) : prompt(rng, words);
    reworded += known ? 1 : 0;
    auto a = Clock::now();
    Embedding v;
    embed_builtin(text, v);
    auto b = Clock::now();
    auto hit = store.find_similar("context", v, 0.92f);
    auto c = Clock::now();
    store.find("key" + std::to_string(i), false);
    auto d = Clock::now();
    embed_us.push_back(std::chrono::duration<double, std::micro>(b - a).count());
    lookup_us.push_back(std::chrono::duration<double, std::micro>(c - a).count());
    exact_us.push_back(std::chrono::duration<double, std::micro>(d - c).count());
    if (hit && known) ++hits;
    if (hit && !known) ++wrong;
  }
  std::printf("cache-bench: %zu entries in one context (answers of %zu bytes), %zu queries, %s\n",
              o.entries, o.answer_bytes, o.queries,
              o.index_above >= o.entries ? "flat scan"
              : o.kind == IndexKind::lsh ? "lsh"
                                         : "hnsw");
  std::printf("  insert (embed + store + index): %.1f µs an entry\n", insert_s * 1e6 / o.entries);
  std::printf("  embed (builtin):                p50 %.1f µs, p99 %.1f µs\n",
              percentile(embed_us, 0.5), percentile(embed_us, 0.99));
  std::printf("  semantic lookup (embed + find): p50 %.1f µs, p99 %.1f µs  (target <= 50 µs)\n",
              percentile(lookup_us, 0.5), percentile(lookup_us, 0.99));
  std::printf("  exact lookup (copy out):        p50 %.2f µs, p99 %.2f µs\n",
              percentile(exact_us, 0.5), percentile(exact_us, 0.99));
  std::printf("  reworded prompts found: %zu/%zu (%.1f%%); unrelated prompts hit: %zu\n", hits,
              reworded, 100.0 * static_cast<double>(hits) / static_cast<double>(reworded), wrong);
  std::printf(
      "  memory: %.0f bytes an entry (process RSS), of which vectors and graph %.0f,"
      " answer and bookkeeping %.0f\n",
      static_cast<double>(rss_after - rss_before) / static_cast<double>(o.entries),
      static_cast<double>(store.vectors().bytes()) / static_cast<double>(o.entries),
      static_cast<double>(store.bytes()) / static_cast<double>(o.entries));
  return 0;
}
