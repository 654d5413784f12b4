// The command line: `tollgate [--config FILE] [--check]`, `tollgate --version`,
// `tollgate --help`. Hand-parsed: three flags do not justify Boost.Program_options,
// and later subcommands (`tollgate key hash`) fit this shape better.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace tollgate::gateway {

struct CommandLine {
  std::optional<std::string> config_path;  // none: the embedded default
  bool check = false;
  bool version = false;
  bool help = false;
  bool key_hash = false;  // `tollgate key hash`: stdin key → the config line to paste
  std::vector<std::string> audit_verify;  // `tollgate audit verify FILE...`
  std::string error;                      // set when the arguments are wrong
};

CommandLine parse_command_line(const std::vector<std::string>& args);
std::string usage_text();

}  // namespace tollgate::gateway
