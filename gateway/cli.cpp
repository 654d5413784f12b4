// Command-line parsing, kept apart from main() so tests can call it.
#include "gateway/cli.h"

namespace tollgate::gateway {

CommandLine parse_command_line(const std::vector<std::string>& args) {
  CommandLine cl;
  if (args.size() >= 2 && args[0] == "key") {
    if (args[1] != "hash" || args.size() > 2) {
      cl.error = "unknown command: key " + args[1] + " (did you mean `tollgate key hash`?)";
      return cl;
    }
    cl.key_hash = true;
    return cl;
  }
  if (!args.empty() && args[0] == "audit") {
    if (args.size() < 3 || args[1] != "verify") {
      cl.error = "usage: tollgate audit verify FILE... (oldest first)";
      return cl;
    }
    cl.audit_verify.assign(args.begin() + 2, args.end());
    return cl;
  }
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--config" || a == "-c") {
      if (i + 1 >= args.size()) {
        cl.error = a + " needs a file name";
        return cl;
      }
      cl.config_path = args[++i];
    } else if (a.starts_with("--config=")) {
      cl.config_path = a.substr(9);
    } else if (a == "--check") {
      cl.check = true;
    } else if (a == "--version" || a == "-V") {
      cl.version = true;
    } else if (a == "--help" || a == "-h") {
      cl.help = true;
    } else {
      cl.error = "unknown argument: " + a;
      return cl;
    }
  }
  return cl;
}

std::string usage_text() {
  return "usage: tollgate [--config FILE] [--check]\n"
         "       tollgate key hash < key.txt\n"
         "       tollgate audit verify FILE... (rotated files oldest first, then the current)\n"
         "       tollgate --version\n"
         "\n"
         "  --config FILE  the YAML configuration (default: the embedded conf/tollgate.yaml)\n"
         "  --check        validate the configuration and exit (0 when valid)\n"
         "  --version      print the version and exit\n"
         "  key hash       read an API key on stdin, print `hash: sha256:...` for `keys:`\n"
         "  audit verify   exit 0 intact, 1 broken, 3 intact but with gaps (lost records)\n";
}

}  // namespace tollgate::gateway
