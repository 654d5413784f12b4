// Model allow-lists are shell globs, matched with the C library's fnmatch.
#include "gateway/core/principal.h"

#include <fnmatch.h>

namespace tollgate::core {

bool Principal::allows_model(std::string_view model) const {
  if (models.empty()) return true;
  std::string name(model);
  for (const auto& pattern : models) {
    if (fnmatch(pattern.c_str(), name.c_str(), 0) == 0) return true;
  }
  return false;
}

}  // namespace tollgate::core
