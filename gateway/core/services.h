// The process-lifetime objects that modules share with each other and with their stages
// (the state store, the metrics registry, the key store...), found by type. Filled once
// at startup, before any config snapshot's stages are built, and read-only afterwards.
#pragma once

#include <stdexcept>
#include <string>
#include <typeindex>
#include <typeinfo>
#include <utility>
#include <vector>

namespace tollgate::core {

// What the binary says about itself (tollgate_build_info, /healthz).
struct BuildInfo {
  std::string version;
  std::string commit;
};

class Services {
 public:
  // `service` must outlive every stage and module that finds it.
  template <typename T>
  void provide(T& service) {
    for (auto& entry : entries_) {
      if (entry.first == std::type_index(typeid(T))) {
        entry.second = &service;
        return;
      }
    }
    entries_.emplace_back(std::type_index(typeid(T)), &service);
  }
  // Null when no module provides a T (an optional feature, or a test).
  template <typename T>
  T* find() const {
    for (const auto& entry : entries_) {
      if (entry.first == std::type_index(typeid(T))) return static_cast<T*>(entry.second);
    }
    return nullptr;
  }
  // Throws std::logic_error when no module provides a T: a module was registered without
  // the one it needs, or after it (see ModuleEntry::position).
  template <typename T>
  T& get() const {
    if (T* found = find<T>()) return *found;
    throw std::logic_error(std::string("no module provides ") + typeid(T).name());
  }

 private:
  std::vector<std::pair<std::type_index, void*>> entries_;
};

}  // namespace tollgate::core
