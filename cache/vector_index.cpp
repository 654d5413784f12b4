#include "cache/vector_index.h"

#include <vector>

#include <hnswlib/hnswlib.h>

namespace tollgate::cache {

namespace {

// hnswlib picks its SIMD inner product when a space is made; one space serves all graphs.
hnswlib::InnerProductSpace& space() {
  static hnswlib::InnerProductSpace s(kDims);
  return s;
}

float similarity(const float* a, const float* b) {
  static const hnswlib::DISTFUNC<float> distance = space().get_dist_func();
  return 1.0f - distance(a, b, space().get_dist_func_param());
}

constexpr std::size_t kNeighbours = 16;  // HNSW's M
constexpr std::size_t kEfConstruction = 100;
constexpr std::size_t kEfSearch = 48;
constexpr std::size_t kCandidates = 8;  // best few from the graph, then numbers are checked

}  // namespace

// One context's vectors. Slots are addressed by index; a freed slot is reused while the
// vectors are flat; a graph never reuses a label, and is rebuilt when half of it is dead.
struct VectorIndex::Bucket {
  std::vector<float> flat;  // slot * kDims; empty once the graph holds the vectors
  std::vector<std::string> keys;
  std::vector<std::string> numbers;
  std::unordered_map<std::string, std::size_t> slot_of;
  std::vector<std::size_t> free;
  std::unique_ptr<hnswlib::HierarchicalNSW<float>> graph;

  std::size_t live() const { return slot_of.size(); }

  const float* vector_at(std::size_t slot, std::vector<float>& scratch) const {
    if (!graph) return flat.data() + slot * kDims;
    scratch = graph->getDataByLabel<float>(slot);
    return scratch.data();
  }

  std::size_t add(const std::string& key, const float* v, const std::string& nums) {
    std::size_t slot;
    if (!graph && !free.empty()) {
      slot = free.back();
      free.pop_back();
    } else {
      slot = keys.size();
      keys.emplace_back();
      numbers.emplace_back();
      if (!graph) flat.resize(keys.size() * kDims);
    }
    keys[slot] = key;
    numbers[slot] = nums;
    slot_of[key] = slot;
    if (graph) {
      if (graph->cur_element_count >= graph->max_elements_) {
        graph->resizeIndex(graph->max_elements_ * 2);
      }
      graph->addPoint(v, slot);
    } else {
      std::copy(v, v + kDims, flat.begin() + static_cast<std::ptrdiff_t>(slot * kDims));
    }
    return slot;
  }

  void remove(const std::string& key) {
    auto it = slot_of.find(key);
    if (it == slot_of.end()) return;
    std::size_t slot = it->second;
    slot_of.erase(it);
    keys[slot].clear();
    numbers[slot].clear();
    if (graph) {
      graph->markDelete(slot);
    } else {
      free.push_back(slot);
    }
  }

  // Flat ↔ graph as the live count crosses `hnsw_above`; a graph more than half dead is
  // built again from its live vectors. Bounded by the bucket's size.
  void reshape(std::size_t hnsw_above) {
    // Hysteresis: a graph stays until the bucket shrinks to half the bound.
    bool want_graph = graph ? live() > hnsw_above / 2 : live() > hnsw_above;
    bool dead_heavy = graph && keys.size() > 2 * live() + 64;
    if (want_graph == static_cast<bool>(graph) && !dead_heavy) return;
    std::vector<float> vectors;
    std::vector<std::string> old_keys, old_numbers;
    std::vector<float> scratch;
    vectors.reserve(live() * kDims);
    for (std::size_t slot = 0; slot < keys.size(); ++slot) {
      if (keys[slot].empty()) continue;
      const float* v = vector_at(slot, scratch);
      vectors.insert(vectors.end(), v, v + kDims);
      old_keys.push_back(std::move(keys[slot]));
      old_numbers.push_back(std::move(numbers[slot]));
    }
    flat.clear();
    keys.clear();
    numbers.clear();
    slot_of.clear();
    free.clear();
    graph.reset();
    if (want_graph) {
      graph = std::make_unique<hnswlib::HierarchicalNSW<float>>(&space(), old_keys.size() * 2 + 16,
                                                                kNeighbours, kEfConstruction);
      graph->setEf(kEfSearch);
    }
    for (std::size_t i = 0; i < old_keys.size(); ++i) {
      add(old_keys[i], vectors.data() + i * kDims, old_numbers[i]);
    }
  }

  std::size_t bytes() const {
    std::size_t n = flat.capacity() * sizeof(float) + sizeof(Bucket);
    for (const auto& k : keys) n += sizeof(std::string) + k.capacity();
    for (const auto& k : numbers) n += sizeof(std::string) + k.capacity();
    n += slot_of.size() * (sizeof(std::string) + 64 + 32);
    if (graph) {
      n += graph->max_elements_ * (graph->size_data_per_element_ + sizeof(void*) + 8);
    }
    return n;
  }
};

VectorIndex::VectorIndex(std::size_t max_entries, std::size_t hnsw_above)
    : max_entries_(max_entries), hnsw_above_(hnsw_above) {
  space();
}

VectorIndex::~VectorIndex() = default;

VectorIndex::Shard& VectorIndex::shard_of(const std::string& context) const {
  return shards_[std::hash<std::string>{}(context) % kShards];
}

bool VectorIndex::add(const std::string& context, const std::string& key, const Embedding& vector,
                      const std::string& numbers) {
  Shard& s = shard_of(context);
  std::lock_guard lock(s.mutex);
  auto& bucket = s.buckets[context];
  if (!bucket) bucket = std::make_unique<Bucket>();
  if (bucket->slot_of.contains(key)) {
    bucket->remove(key);
    size_.fetch_sub(1, std::memory_order_relaxed);
  }
  if (size_.load(std::memory_order_relaxed) >= max_entries_) {
    if (bucket->live() == 0) s.buckets.erase(context);
    return false;
  }
  bucket->add(key, vector.data(), numbers);
  size_.fetch_add(1, std::memory_order_relaxed);
  bucket->reshape(hnsw_above_);
  return true;
}

std::optional<VectorMatch> VectorIndex::find(const std::string& context, const Embedding& vector,
                                             const std::string& numbers, float threshold) const {
  Shard& s = shard_of(context);
  std::lock_guard lock(s.mutex);
  auto it = s.buckets.find(context);
  if (it == s.buckets.end()) return std::nullopt;
  const Bucket& b = *it->second;
  std::optional<VectorMatch> best;
  auto consider = [&](std::size_t slot, float sim) {
    if (sim < threshold || b.keys[slot].empty() || b.numbers[slot] != numbers) return;
    if (!best || sim > best->similarity) best = VectorMatch{b.keys[slot], sim};
  };
  if (b.graph) {
    auto found = b.graph->searchKnn(vector.data(), kCandidates);
    while (!found.empty()) {
      consider(found.top().second, 1.0f - found.top().first);
      found.pop();
    }
    return best;
  }
  for (std::size_t slot = 0; slot < b.keys.size(); ++slot) {
    consider(slot, similarity(vector.data(), b.flat.data() + slot * kDims));
  }
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
    it->second->reshape(hnsw_above_);
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
