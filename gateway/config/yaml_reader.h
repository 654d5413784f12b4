// Internal to gateway/config: core::ConfigReader plus the load options (env lookup,
// known provider kinds) that the core sections need.
#pragma once

#include <string>

#include "gateway/config/config_loader.h"
#include "gateway/core/config_reader.h"

namespace tollgate::gateway::config {

using core::join_key;

class Reader : public core::ConfigReader {
 public:
  Reader(std::string file, const LoadOptions& options)
      : core::ConfigReader(std::move(file)), options_(options) {}

  const LoadOptions& options() const { return options_; }

 private:
  const LoadOptions& options_;
};

// Replaces ${VAR} and ${VAR:-default} in every scalar value below `root`, in place, so that
// Config::root holds the expanded document (env_expansion.cpp).
void expand_document(const Reader& r, YAML::Node root);

}  // namespace tollgate::gateway::config
