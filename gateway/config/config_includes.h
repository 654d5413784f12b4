// `include:` in the main config file: globs of files whose routes, models, keys, users,
// teams and pricing merge into the document, so operators keep rules, keys and prices in
// files of their own. Lists append; a pricing entry named twice is an error naming both
// files and lines (a model, key or team named twice is caught by its section's reader,
// which names both places through the origins); errors inside an included file point at
// that file's own lines. A glob that matches nothing is fine.
#pragma once

#include <memory>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "gateway/config/yaml_reader.h"
#include "gateway/core/config.h"

namespace tollgate::gateway::config {

struct Included {
  std::vector<core::ConfigFile> files;         // in the order they were merged
  std::shared_ptr<core::NodeOrigins> origins;  // null when nothing was included
};

// Merges the files `root["include"]` names into `root` (each expanded for ${VAR} first).
// Relative patterns are read from the working directory, like every other path in the
// config. Throws ConfigError.
// `r` names the included files in its errors from then on.
Included merge_includes(Reader& r, YAML::Node root);

}  // namespace tollgate::gateway::config
