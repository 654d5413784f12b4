// Name → factory table for providers, filled once at startup by
// routing/providers/builtin.cpp: adding a provider is one folder and one line there.
// Stages and modules register in gateway/core/module_registry.h.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "gateway/core/provider.h"

namespace tollgate::core {

// Keeps registration order.
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

}  // namespace tollgate::core
