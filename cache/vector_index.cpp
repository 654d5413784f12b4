#include "cache/vector_index.h"

#include <algorithm>
#include <map>
#include <vector>

#include <hnswlib/hnswlib.h>

#include "cache/lsh_bands.h"
#include "cache/simd_dot.h"

namespace tollgate::cache {

namespace {

// hnswlib picks its SIMD inner product when a space is made; one space per dimension
// serves all graphs of it. Made once, never freed: a few words each, and dimensions are
// bounded (kMaxDims; in practice one or two per process).
hnswlib::InnerProductSpace& space(std::size_t dims) {
  if (dims == kBuiltinDims) {  // every new context's bucket: no lock that threads share
    static hnswlib::InnerProductSpace builtin(kBuiltinDims);
    return builtin;
  }
  static std::mutex mutex;
  static std::map<std::size_t, std::unique_ptr<hnswlib::InnerProductSpace>> spaces;
  std::lock_guard lock(mutex);
  auto& made = spaces[dims];
  if (!made) made = std::make_unique<hnswlib::InnerProductSpace>(dims);
  return *made;
}

constexpr std::size_t kNeighbours = 16;  // HNSW's M
constexpr std::size_t kEfConstruction = 100;
constexpr std::size_t kEfSearch = 48;
constexpr std::size_t kCandidates = 8;  // best few from the graph (a slot may be dead)
// LSH candidates compared in one lookup at most, those sharing the most bands first:
// prompts written from one template (names, places, no numbers) are alike enough to
// share bands without being alike enough to hit, and would otherwise all be compared.
constexpr std::size_t kMaxCompared = 512;

}  // namespace

DotProduct::DotProduct(std::size_t dims) : dims_(dims) {
  hnswlib::InnerProductSpace& s = space(dims);
  fn_ = s.get_dist_func();  // 1 - a·b
  param_ = s.get_dist_func_param();
}

// One context's vectors, all of one dimension (the first vector's: one of another is
// neither stored nor compared). Slots are addressed by index. Flat and LSH keep the vectors in
// `flat` and reuse freed slots; a graph holds its own copy, never reuses a label, and is
// rebuilt when half of it is dead.
struct VectorIndex::Bucket {
  explicit Bucket(std::size_t d) : dims(d), dot(d) {}
  enum class Mode { flat, lsh, hnsw };
  std::size_t dims;
  DotProduct dot;
  Mode mode = Mode::flat;
  std::vector<float> flat;  // slot * dims; empty while the graph holds the vectors
  std::vector<std::string> keys;
  std::unordered_map<std::string, std::size_t> slot_of;
  std::vector<std::size_t> free;
  std::unique_ptr<LshBands> bands;
  std::vector<LshBands::Codes> codes;  // per slot, with `bands`
  std::unique_ptr<hnswlib::HierarchicalNSW<float>> graph;
  // Slots already met in this lookup (a slot may share several bands) and how many bands
  // they share; the shard's mutex is held during a lookup, so one set per bucket is enough.
  mutable std::vector<std::uint32_t> seen;
  mutable std::vector<std::uint8_t> votes;
  mutable std::uint32_t epoch = 0;

  std::size_t live() const { return slot_of.size(); }

  const float* vector_at(std::size_t slot, std::vector<float>& scratch) const {
    if (!graph) return flat.data() + slot * dims;
    scratch = graph->getDataByLabel<float>(slot);
    return scratch.data();
  }

  std::size_t new_slot() {
    if (!graph && !free.empty()) {
      std::size_t slot = free.back();
      free.pop_back();
      return slot;
    }
    keys.emplace_back();
    if (!graph) flat.resize(keys.size() * dims);
    if (bands) codes.emplace_back();
    return keys.size() - 1;
  }

  void add(const std::string& key, const float* v) {
    std::size_t slot = new_slot();
    keys[slot] = key;
    slot_of[key] = slot;
    if (graph) {
      if (graph->cur_element_count >= graph->max_elements_) {
        graph->resizeIndex(graph->max_elements_ * 2);
      }
      graph->addPoint(v, slot);
      return;
    }
    std::copy(v, v + dims, flat.begin() + static_cast<std::ptrdiff_t>(slot * dims));
    if (bands) {
      codes[slot] = bands->codes_of(v);
      bands->add(static_cast<std::uint32_t>(slot), codes[slot]);
    }
  }

  void remove(const std::string& key) {
    auto it = slot_of.find(key);
    if (it == slot_of.end()) return;
    std::size_t slot = it->second;
    slot_of.erase(it);
    keys[slot].clear();
    if (graph) {
      graph->markDelete(slot);
      return;
    }
    if (bands) bands->remove(static_cast<std::uint32_t>(slot), codes[slot]);
    free.push_back(slot);
  }

  // Flat ↔ indexed as the live count crosses `above` (with hysteresis: an index stays
  // until the bucket shrinks to half the bound); a graph more than half dead is built
  // again from its live vectors. Bounded by the bucket's size.
  void reshape(std::size_t above, IndexKind kind) {
    bool indexed = mode != Mode::flat;
    bool want_index = indexed ? live() > above / 2 : live() > above;
    Mode want = !want_index ? Mode::flat : kind == IndexKind::hnsw ? Mode::hnsw : Mode::lsh;
    bool dead_heavy = graph && keys.size() > 2 * live() + 64;
    if (want == mode && !dead_heavy) return;
    std::vector<float> vectors;
    std::vector<std::string> old_keys;
    std::vector<float> scratch;
    vectors.reserve(live() * dims);
    for (std::size_t slot = 0; slot < keys.size(); ++slot) {
      if (keys[slot].empty()) continue;
      const float* v = vector_at(slot, scratch);
      vectors.insert(vectors.end(), v, v + dims);
      old_keys.push_back(std::move(keys[slot]));
    }
    *this = Bucket(dims);
    mode = want;
    if (want == Mode::hnsw) {
      graph = std::make_unique<hnswlib::HierarchicalNSW<float>>(
          &space(dims), old_keys.size() * 2 + 16, kNeighbours, kEfConstruction);
      graph->setEf(kEfSearch);
    }
    if (want == Mode::lsh) bands = std::make_unique<LshBands>(dims);
    for (std::size_t i = 0; i < old_keys.size(); ++i) {
      add(old_keys[i], vectors.data() + i * dims);
    }
  }

  // Calls consider(slot, similarity) for the slots worth comparing.
  template <typename Fn>
  void search(const Embedding& vector, Fn consider) const {
    if (graph) {
      auto found = graph->searchKnn(vector.data(), kCandidates);
      for (; !found.empty(); found.pop()) consider(found.top().second, 1.0f - found.top().first);
      return;
    }
    if (!bands) {
      for (std::size_t slot = 0; slot < keys.size(); ++slot) {
        consider(slot, dot(vector.data(), flat.data() + slot * dims));
      }
      return;
    }
    if (seen.size() < keys.size()) {
      seen.resize(keys.size(), 0);
      votes.resize(keys.size(), 0);
    }
    if (++epoch == 0) std::fill(seen.begin(), seen.end(), epoch++);
    // The candidates first, then their vectors compared with the next ones prefetched:
    // each is a kilobyte somewhere in memory, and the misses overlap this way.
    thread_local std::vector<std::uint32_t> slots;
    slots.clear();
    bands->candidates(bands->codes_of(vector.data()), [&](std::uint32_t slot) {
      if (seen[slot] == epoch) {
        ++votes[slot];
        return;
      }
      seen[slot] = epoch;
      votes[slot] = 1;
      slots.push_back(slot);
    });
    if (slots.size() > kMaxCompared) {
      auto cut = slots.begin() + static_cast<std::ptrdiff_t>(kMaxCompared);
      std::nth_element(slots.begin(), cut, slots.end(),
                       [&](std::uint32_t a, std::uint32_t b) { return votes[a] > votes[b]; });
      slots.erase(cut, slots.end());
    }
    constexpr std::size_t kAhead = 4;
    auto prefetch = [&](std::uint32_t slot) {
      const char* p = reinterpret_cast<const char*>(flat.data() + std::size_t{slot} * dims);
      for (std::size_t line = 0; line < dims * sizeof(float); line += 64) {
        __builtin_prefetch(p + line);
      }
    };
    for (std::size_t i = 0; i < std::min(kAhead, slots.size()); ++i) prefetch(slots[i]);
    for (std::size_t i = 0; i < slots.size(); ++i) {
      if (i + kAhead < slots.size()) prefetch(slots[i + kAhead]);
      consider(slots[i], dot(vector.data(), flat.data() + std::size_t{slots[i]} * dims));
    }
  }

  std::size_t bytes() const {
    std::size_t n =
        flat.capacity() * sizeof(float) + sizeof(Bucket) + seen.capacity() * 4 + votes.capacity();
    for (const auto& k : keys) n += sizeof(std::string) + k.capacity();
    n += slot_of.size() * (sizeof(std::string) + 64 + 32);
    if (bands) n += bands->bytes() + codes.capacity() * sizeof(LshBands::Codes);
    if (graph) {
      n += graph->max_elements_ * (graph->size_data_per_element_ + sizeof(void*) + 8);
    }
    return n;
  }
};

VectorIndex::VectorIndex(std::size_t max_entries, std::size_t index_above, IndexKind kind)
    : max_entries_(max_entries), index_above_(index_above), kind_(kind) {}

VectorIndex::~VectorIndex() = default;

VectorIndex::Shard& VectorIndex::shard_of(const std::string& context) const {
  return shards_[std::hash<std::string>{}(context) % kShards];
}

bool VectorIndex::add(const std::string& context, const std::string& key, const Embedding& vector) {
  Shard& s = shard_of(context);
  std::lock_guard lock(s.mutex);
  if (vector.empty() || vector.size() > kMaxDims) return false;
  auto& bucket = s.buckets[context];
  if (!bucket) bucket = std::make_unique<Bucket>(vector.size());
  if (bucket->dims != vector.size()) return false;  // never empty: it has a live vector
  if (bucket->slot_of.contains(key)) {
    bucket->remove(key);
    size_.fetch_sub(1, std::memory_order_relaxed);
  }
  if (size_.load(std::memory_order_relaxed) >= max_entries_) {
    if (bucket->live() == 0) s.buckets.erase(context);
    return false;
  }
  bucket->add(key, vector.data());
  size_.fetch_add(1, std::memory_order_relaxed);
  bucket->reshape(index_above_, kind_);
  return true;
}

bool VectorIndex::holds(const std::string& context) const {
  Shard& s = shard_of(context);
  std::lock_guard lock(s.mutex);
  auto it = s.buckets.find(context);
  return it != s.buckets.end() && it->second->live() > 0;
}

std::optional<VectorMatch> VectorIndex::find(const std::string& context, const Embedding& vector,
                                             float threshold) const {
  Shard& s = shard_of(context);
  std::lock_guard lock(s.mutex);
  auto it = s.buckets.find(context);
  if (it == s.buckets.end()) return std::nullopt;
  const Bucket& b = *it->second;
  if (b.dims != vector.size()) return std::nullopt;
  std::optional<VectorMatch> best;
  auto consider = [&](std::size_t slot, float sim) {
    if (sim < threshold || b.keys[slot].empty()) return;
    if (!best || sim > best->similarity) best = VectorMatch{b.keys[slot], sim};
  };
  b.search(vector, consider);
  return best;
}

void VectorIndex::remove(const std::string& context, const std::string& key) {
  Shard& s = shard_of(context);
  std::lock_guard lock(s.mutex);
  auto it = s.buckets.find(context);
  if (it == s.buckets.end() || !it->second->slot_of.contains(key)) return;
  it->second->remove(key);
  size_.fetch_sub(1, std::memory_order_relaxed);
  if (it->second->live() == 0) {
    s.buckets.erase(it);
  } else {
    it->second->reshape(index_above_, kind_);
  }
}

void VectorIndex::clear() {
  for (auto& s : shards_) {
    std::lock_guard lock(s.mutex);
    s.buckets.clear();
  }
  size_.store(0, std::memory_order_relaxed);
}

std::size_t VectorIndex::bytes() const {
  std::size_t n = 0;
  for (auto& s : shards_) {
    std::lock_guard lock(s.mutex);
    for (const auto& [context, bucket] : s.buckets) n += context.capacity() + bucket->bytes();
  }
  return n;
}

}  // namespace tollgate::cache
