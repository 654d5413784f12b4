// tollgate's entry point: parse the command line, load and check the configuration,
// build the runtime, and serve until a signal drains it.
#include <csignal>
#include <cstdio>
#include <iostream>

#include "gateway/cli.h"
#include "gateway/config/config_loader.h"
#include "gateway/core/log.h"
#include "gateway/core/registry.h"
#include "gateway/embedded_config.h"
#include "gateway/pipeline/proxy_handler.h"
#include "gateway/pipeline/runtime.h"
#include "gateway/server/server.h"
#include "gateway/upstream/http_upstream.h"
#include "gateway/version.h"
#include "observability/audit/audit_log.h"
#include "observability/builtin.h"
#include "policies/auth/key_material.h"
#include "policies/builtin.h"
#include "routing/providers/builtin.h"
#include "state/state_readiness.h"

namespace tg = tollgate;

namespace {

// Every target's circuit breaker, for tollgate_circuit_breaker_state.
std::vector<tg::observability::BreakerSample> breaker_samples(
    const tg::gateway::pipeline::Runtime& runtime) {
  std::vector<tg::observability::BreakerSample> out;
  for (const auto& model : runtime.config->models) {
    for (std::size_t i = 0; i < model.targets.size(); ++i) {
      const tg::routing::TargetHealth* health = runtime.router->health(model.name, i);
      if (health == nullptr) continue;
      out.push_back({model.name, model.targets[i].provider, model.targets[i].model,
                     static_cast<int>(health->state())});
    }
  }
  return out;
}

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

// The state file's health, for the tollgate_state_* series.
tg::observability::StateWriteSample state_sample(const tg::state::StateServices& state) {
  tg::state::StoreHealth health = state.sqlite_health();
  tg::observability::StateWriteSample out;
  for (std::size_t i = 0; i < tg::state::kWriteFailureKinds; ++i) {
    out.write_errors.emplace_back(
        std::string(tg::state::to_string(static_cast<tg::state::WriteFailure>(i))),
        health.write_errors[i]);
  }
  out.writable = health.writable;
  out.unwritten_usage_rows = health.unwritten_usage_rows;
  out.dropped_usage_rows = health.dropped_usage_rows;
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  tg::gateway::CommandLine cl = tg::gateway::parse_command_line(args);
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
  if (cl.key_hash) {
    // The key comes on stdin, never as an argument (it would show in `ps` and history).
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
  if (!cl.audit_verify.empty()) return verify_audit(cl.audit_verify);
  // A client that hangs up must not kill the process through SIGPIPE.
  std::signal(SIGPIPE, SIG_IGN);

  tg::core::ProviderRegistry providers;
  tg::routing::providers::register_builtin_providers(providers);
  tg::core::StageRegistry stages;

  tg::gateway::config::LoadOptions options;
  options.provider_kinds = providers.names();
  options.extra_sections = tg::policies::BuiltinPolicies::config_sections();
  for (const auto& s : tg::observability::Observability::config_sections()) {
    options.extra_sections.push_back(s);
  }
  options.extra_sections.push_back("pipeline");

  std::string source = cl.config_path.value_or("<embedded conf/tollgate.yaml>");
  tg::gateway::pipeline::RuntimePtr runtime;
  std::unique_ptr<tg::policies::BuiltinPolicies> policies;
  std::unique_ptr<tg::observability::Observability> observability;
  try {
    tg::core::ConfigPtr config =
        cl.config_path ? tg::gateway::config::load_config_file(*cl.config_path, options)
                       : tg::gateway::config::load_config_text(
                             tg::gateway::embedded_default_config(), source, options);
    observability = std::make_unique<tg::observability::Observability>(
        *config, std::string(tg::gateway::kVersion), std::string(tg::gateway::kCommit));
    observability->register_stages(stages);  // first: its on_complete sees every decision
    policies = std::make_unique<tg::policies::BuiltinPolicies>(*config);
    policies->register_stages(stages);
    runtime = tg::gateway::pipeline::build_runtime(config, providers, stages);
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
    std::vector<tg::core::AdminEndpoint*> endpoints = policies->admin_endpoints();
    for (auto* e : observability->admin_endpoints()) endpoints.push_back(e);
    observability->metrics().set_breaker_source([runtime] { return breaker_samples(*runtime); });
    tg::state::StateReadiness state_readiness(policies->state());
    endpoints.push_back(&state_readiness);
    observability->metrics().set_state_source(
        [&state = policies->state()] { return state_sample(state); });
    // Each worker thread gets its own proxy handler over its own upstream pool.
    tg::core::HandlerFactory make_proxy = [runtime](const boost::asio::any_io_executor& executor)
        -> std::unique_ptr<tg::core::HttpHandler> {
      return std::make_unique<tg::gateway::pipeline::ProxyHandler>(
          runtime, tg::gateway::upstream::make_http_upstream(executor));
    };
    int code = tg::gateway::server::run_server(runtime->config, make_proxy,
                                               observability->metrics().live(), endpoints);
    runtime.reset();
    policies->flush();
    observability->flush();
    return code;
  } catch (const std::exception& e) {
    tg::core::log_error(std::string("cannot start: ") + e.what());
    return 1;
  }
}
