// Name → factory tables for the two extension points. Filled once at startup by
// routing/providers/builtin.cpp and policies/builtin.cpp: adding a provider or a
// stage is one folder and one line there.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "gateway/core/provider.h"
#include "gateway/core/stage.h"

namespace tollgate::core {

template <typename Factory>
class Registry {
 public:
  void add(std::string name, Factory factory) { factories_[std::move(name)] = std::move(factory); }
  const Factory* find(const std::string& name) const {
    auto it = factories_.find(name);
    return it == factories_.end() ? nullptr : &it->second;
  }
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const auto& [name, factory] : factories_) out.push_back(name);
    return out;
  }

 private:
  std::map<std::string, Factory> factories_;
};

using ProviderRegistry = Registry<ProviderFactory>;
using StageRegistry = Registry<StageFactory>;

}  // namespace tollgate::core
