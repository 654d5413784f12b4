// Name → factory tables for the two extension points. Filled once at startup by
// routing/providers/builtin.cpp and policies/builtin.cpp: adding a provider or a
// stage is one folder and one line there.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "gateway/core/provider.h"
#include "gateway/core/stage.h"

namespace tollgate::core {

// Keeps registration order: for stages it is the default pipeline order.
template <typename Factory>
class Registry {
 public:
  void add(std::string name, Factory factory) {
    for (auto& entry : factories_) {
      if (entry.first == name) {
        entry.second = std::move(factory);
        return;
      }
    }
    factories_.emplace_back(std::move(name), std::move(factory));
  }
  const Factory* find(const std::string& name) const {
    for (const auto& entry : factories_) {
      if (entry.first == name) return &entry.second;
    }
    return nullptr;
  }
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const auto& entry : factories_) out.push_back(entry.first);
    return out;
  }

 private:
  std::vector<std::pair<std::string, Factory>> factories_;
};

using ProviderRegistry = Registry<ProviderFactory>;
using StageRegistry = Registry<StageFactory>;

}  // namespace tollgate::core
