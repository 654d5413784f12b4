// The registry's bookkeeping: position order and one owner per name and section.
#include "gateway/core/module_registry.h"

#include <algorithm>
#include <stdexcept>

namespace tollgate::core {

namespace {

template <typename Entry>
void insert_by_position(std::vector<Entry>& entries, Entry entry) {
  // Equal positions keep name order, so the order never depends on link order.
  auto at = std::find_if(entries.begin(), entries.end(), [&](const Entry& e) {
    return e.position > entry.position || (e.position == entry.position && e.name > entry.name);
  });
  entries.insert(at, std::move(entry));
}

}  // namespace

void ModuleRegistry::claim(const std::vector<ConfigSection>& sections, const std::string& owner) {
  for (const auto& section : sections) {
    for (const ConfigSection* taken : this->sections()) {
      if (taken->name == section.name) {
        throw std::logic_error("config section '" + section.name + "' registered twice (again by " +
                               owner + ")");
      }
    }
  }
}

void ModuleRegistry::add_stage(StageEntry entry) {
  if (find_stage(entry.name) != nullptr) {
    throw std::logic_error("stage '" + entry.name + "' registered twice");
  }
  claim(entry.sections, "stage '" + entry.name + "'");
  insert_by_position(stages_, std::move(entry));
}

void ModuleRegistry::add_module(ModuleEntry entry) {
  for (const auto& m : modules_) {
    if (m.name == entry.name)
      throw std::logic_error("module '" + entry.name + "' registered twice");
  }
  claim(entry.sections, "module '" + entry.name + "'");
  insert_by_position(modules_, std::move(entry));
}

const StageEntry* ModuleRegistry::find_stage(std::string_view name) const {
  for (const auto& s : stages_) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

std::vector<const ConfigSection*> ModuleRegistry::sections() const {
  std::vector<const ConfigSection*> out;
  for (const auto& m : modules_) {
    for (const auto& s : m.sections) out.push_back(&s);
  }
  for (const auto& st : stages_) {
    for (const auto& s : st.sections) out.push_back(&s);
  }
  return out;
}

std::vector<std::string> ModuleRegistry::default_pipeline() const {
  std::vector<std::string> out;
  for (const auto& s : stages_) out.push_back(s.name);
  return out;
}

ModuleRegistry& module_registry() {
  static ModuleRegistry registry;
  return registry;
}

}  // namespace tollgate::core
