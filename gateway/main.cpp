// tollgate's entry point: parse the command line, load and check the configuration,
// build the runtime, and serve until a signal drains it.
#include <csignal>
#include <cstdio>
#include <iostream>
#include <optional>

#include "gateway/cli.h"
#include "gateway/config/config_loader.h"
#include "gateway/core/health_sources.h"
#include "gateway/core/log.h"
#include "gateway/core/module_registry.h"
#include "gateway/core/provider_registry.h"
#include "gateway/embedded_config.h"
#include "gateway/pipeline/proxy_handler.h"
#include "gateway/pipeline/runtime.h"
#include "gateway/pipeline/runtime_switch.h"
#include "gateway/reload/config_endpoints.h"
#include "gateway/reload/config_watch.h"
#include "gateway/reload/reloader.h"
#include "gateway/server/server.h"
#include "gateway/upstream/http_upstream.h"
#include "gateway/version.h"
#include "observability/audit/audit_log.h"
#include "policies/auth/key_material.h"
#include "routing/providers/builtin.h"

namespace tg = tollgate;

namespace {

// Every target's circuit breaker in the runtime being served, for /metrics. Holds it
// weakly: what is served is main's to keep.
class RuntimeBreakers final : public tg::core::BreakerSource {
 public:
  void serve(const tg::gateway::pipeline::RuntimePtr& runtime) { runtime_ = runtime; }
  std::vector<tg::core::BreakerView> breakers() const override {
    std::vector<tg::core::BreakerView> out;
    tg::gateway::pipeline::RuntimePtr runtime = runtime_.lock();
    if (!runtime) return out;
    for (const auto& model : runtime->config->models) {
      for (std::size_t i = 0; i < model.targets.size(); ++i) {
        const tg::routing::TargetHealth* health = runtime->router->health(model.name, i);
        if (health == nullptr) continue;
        out.push_back({model.name, model.targets[i].provider, model.targets[i].model,
                       static_cast<int>(health->state())});
      }
    }
    return out;
  }

 private:
  std::weak_ptr<const tg::gateway::pipeline::Runtime> runtime_;
};

// `tollgate audit verify`: 0 intact; 1 broken or unreadable; 3 intact, but gap records
// say that records were lost (a full disk, say): not tampering, but never silent.
int verify_audit(const std::vector<std::string>& files) {
  tg::observability::VerifyResult result;
  try {
    result = tg::observability::verify_audit_files(files);
  } catch (const std::exception& e) {
    std::cerr << "tollgate: audit verify FAILED: " << e.what() << "\n";
    return 1;
  }
  std::cout << "tollgate: audit chain intact";
  if (!result.gaps.empty()) {
    std::cout << ", with " << result.gaps.size() << " gap(s) totalling " << result.lost_records
              << " lost record(s)";
  }
  std::cout << ": " << result.lines << " line(s) in " << files.size() << " file(s); last hash "
            << result.last_hash << (result.torn_tail ? " (a torn last line was ignored)" : "")
            << "\n";
  for (const auto& gap : result.gaps) {
    std::cout << "  gap at " << gap.where << ": " << gap.lost_records << " record(s) lost between "
              << gap.first_lost_at << " and " << gap.last_lost_at << "\n";
  }
  return result.gaps.empty() ? 0 : 3;
}

// `tollgate --key-hash`: the key comes on stdin, never as an argument (it would show in
// `ps` and the shell's history).
int print_key_hash() {
  std::string key;
  std::getline(std::cin, key);
  while (!key.empty() && (key.back() == '\r' || key.back() == ' ')) key.pop_back();
  if (key.empty()) {
    std::cerr << "tollgate: key hash: no key on stdin\n";
    return 2;
  }
  std::cout << "hash: sha256:" << tg::policies::auth::sha256_hex(key) << "\n";
  return 0;
}

// The command lines that do something other than serve; nullopt: serve.
std::optional<int> run_command(const tg::gateway::CommandLine& cl) {
  if (!cl.error.empty()) {
    std::cerr << "tollgate: " << cl.error << "\n" << tg::gateway::usage_text();
    return 2;
  }
  if (cl.help) {
    std::cout << tg::gateway::usage_text();
    return 0;
  }
  if (cl.version) {
    std::cout << "tollgate " << tg::gateway::kVersion << "\n";
    return 0;
  }
  if (cl.key_hash) return print_key_hash();
  if (!cl.audit_verify.empty()) return verify_audit(cl.audit_verify);
  return std::nullopt;
}

// Serves `runtime` until a signal drains the server; reloads swap in new runtimes.
int serve(tg::gateway::pipeline::RuntimePtr runtime, const std::optional<std::string>& config_path,
          const tg::gateway::config::LoadOptions& options,
          const tg::core::ProviderRegistry& providers, tg::core::Services& services,
          const std::vector<std::unique_ptr<tg::core::Module>>& modules,
          RuntimeBreakers& breakers) {
  const tg::core::ModuleRegistry& registry = tg::core::module_registry();
  // Each worker reads the runtime from its own slot; a reload posts a new one to each.
  tg::gateway::pipeline::RuntimeSwitch runtimes(runtime);
  breakers.serve(runtime);
  tg::gateway::reload::Reloader reloader({
      .path = config_path,
      .options = options,
      .providers = &providers,
      .registry = &registry,
      .services = &services,
      .modules = &modules,
      .runtimes = &runtimes,
      .on_swap =
          [&breakers](const tg::gateway::pipeline::RuntimePtr& next) { breakers.serve(next); },
  });
  tg::gateway::reload::ConfigEndpoints config_endpoints(reloader);
  std::unique_ptr<tg::gateway::reload::ConfigWatch> watch;
  if (runtime->config->server.watch && config_path) {
    watch = std::make_unique<tg::gateway::reload::ConfigWatch>(runtime->config, [&reloader] {
      reloader.reload("a config file changed");
      return reloader.loaded().config;
    });
  }
  std::vector<tg::core::AdminEndpoint*> endpoints{&config_endpoints};
  for (const auto& module : modules) {
    for (auto* endpoint : module->admin_endpoints()) endpoints.push_back(endpoint);
  }
  // Each worker gets its own proxy handler over its own upstream pool.
  tg::core::HandlerFactory make_proxy =
      [&runtimes](
          const boost::asio::any_io_executor& executor) -> std::unique_ptr<tg::core::HttpHandler> {
    return std::make_unique<tg::gateway::pipeline::ProxyHandler>(
        runtimes.attach(executor), tg::gateway::upstream::make_http_upstream(executor));
  };
  // Whoever counts open connections and streams (the metrics), else nobody.
  tg::core::ConnectionObserver nobody;
  tg::core::ConnectionObserver* observer = services.find<tg::core::ConnectionObserver>();
  int code = tg::gateway::server::run_server(runtime->config, make_proxy,
                                             observer != nullptr ? *observer : nobody, endpoints,
                                             [&reloader] { reloader.reload("SIGHUP"); });
  runtime.reset();
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  tg::gateway::CommandLine cl = tg::gateway::parse_command_line(args);
  if (std::optional<int> code = run_command(cl)) return *code;
  // A client that hangs up must not kill the process through SIGPIPE.
  std::signal(SIGPIPE, SIG_IGN);

  tg::core::ProviderRegistry providers;
  tg::routing::providers::register_builtin_providers(providers);
  const tg::core::ModuleRegistry& registry = tg::core::module_registry();

  tg::gateway::config::LoadOptions options;
  options.providers = &providers;

  // What every module may find: the build, and the circuit breakers of the runtime served.
  tg::core::Services services;
  tg::core::BuildInfo build{std::string(tg::gateway::kVersion), std::string(tg::gateway::kCommit)};
  services.provide(build);
  RuntimeBreakers breakers;
  services.provide<tg::core::BreakerSource>(breakers);

  std::string source = cl.config_path.value_or("<embedded conf/tollgate.yaml>");
  std::vector<std::unique_ptr<tg::core::Module>> modules;  // by position; flushed in reverse
  tg::gateway::pipeline::RuntimePtr runtime;               // its stages use the modules' services
  try {
    tg::core::ConfigPtr config =
        cl.config_path ? tg::gateway::config::load_config_file(*cl.config_path, options)
                       : tg::gateway::config::load_config_text(
                             tg::gateway::embedded_default_config(), source, options);
    tg::core::ConfigReader reader(*config);
    std::vector<tg::core::ModuleBuilder> builders;
    for (const auto& module : registry.modules()) builders.push_back(module.read(reader, *config));
    for (const auto& build_module : builders) modules.push_back(build_module(services));
    runtime = tg::gateway::pipeline::build_runtime(config, providers, registry, services);
  } catch (const std::exception& e) {
    std::cerr << "tollgate: invalid configuration: " << e.what() << "\n";
    return 1;
  }
  if (cl.check) {
    std::cout << "tollgate: " << source << " is valid (" << runtime->config->providers.size()
              << " provider(s), " << runtime->config->models.size() << " model(s))\n";
    return 0;
  }
  tg::core::log_info("tollgate " + std::string(tg::gateway::kVersion) + " starting with " + source);
  try {
    int code =
        serve(std::move(runtime), cl.config_path, options, providers, services, modules, breakers);
    for (auto it = modules.rbegin(); it != modules.rend(); ++it) (*it)->flush();
    return code;
  } catch (const std::exception& e) {
    tg::core::log_error(std::string("cannot start: ") + e.what());
    return 1;
  }
}
