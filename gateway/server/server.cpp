// Startup and graceful shutdown. On a signal every worker stops accepting and closes
// idle connections; requests in flight (streams too) finish, up to drain_timeout.
#include "gateway/server/server.h"

#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "gateway/core/background_work.h"
#include "gateway/core/log.h"
#include "gateway/server/admin_handler.h"
#include "gateway/server/usable_cores.h"
#include "gateway/server/worker.h"

namespace tollgate::gateway::server {

namespace asio = boost::asio;

namespace {

std::unique_ptr<asio::ssl::context> make_server_tls(const core::TlsFiles& files) {
  auto ctx = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
  ctx->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                   asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                   asio::ssl::context::no_tlsv1_1 | asio::ssl::context::single_dh_use);
  ctx->use_certificate_chain_file(files.cert);
  ctx->use_private_key_file(files.key, asio::ssl::context::pem);
  return ctx;
}

std::string describe(const core::HostPort& a) {
  bool v6 = a.host.find(':') != std::string::npos;
  return (v6 ? "[" + a.host + "]" : a.host) + ":" + std::to_string(a.port);
}

}  // namespace

// Every open stream holds two sockets (client and provider), and the default soft limit
// (often 1024) would refuse connections long before memory runs out: take the hard
// limit, as nginx's worker_rlimit_nofile does, and say what we got.
static std::uint64_t raise_file_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return 0;
  if (limit.rlim_cur < limit.rlim_max) {
    rlimit wanted = limit;
    wanted.rlim_cur = limit.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &wanted) == 0) limit = wanted;
  }
  return limit.rlim_cur;
}

int run_server(core::ConfigPtr config, const core::HandlerFactory& make_proxy,
               core::ConnectionObserver& observer,
               std::vector<core::AdminEndpoint*> admin_endpoints) {
  std::uint64_t file_limit = raise_file_limit();
  const core::ServerConfig& server = config->server;
  const unsigned cores = usable_cores();
  unsigned threads = server.threads != 0 ? server.threads : cores;

  std::vector<std::unique_ptr<asio::ssl::context>> tls_contexts;
  std::vector<asio::ssl::context*> listener_tls;
  for (const auto& listen : server.listen) {
    if (listen.tls) {
      tls_contexts.push_back(make_server_tls(*listen.tls));
      listener_tls.push_back(tls_contexts.back().get());
    } else {
      listener_tls.push_back(nullptr);
    }
  }

  std::vector<std::unique_ptr<Worker>> workers;
  for (unsigned i = 0; i < threads; ++i) {
    workers.push_back(std::make_unique<Worker>(i, server, observer, make_proxy));
    for (std::size_t l = 0; l < server.listen.size(); ++l) {
      workers.back()->listen(server.listen[l].address, listener_tls[l], *workers.back()->handler());
    }
  }
  for (std::size_t l = 0; l < server.listen.size(); ++l) {
    core::log_info("listening on " + std::string(listener_tls[l] ? "https://" : "http://") +
                   describe(server.listen[l].address));
  }

  std::atomic<bool> draining{false};
  // The admin listener lives on a thread of its own, so health checks answer even when
  // every worker is busy.
  asio::io_context control{1};
  std::unique_ptr<Worker> admin_worker;
  std::unique_ptr<AdminHandler> admin;
  if (server.admin) {
    admin_worker = std::make_unique<Worker>(threads, server, observer, core::HandlerFactory{});
    admin = std::make_unique<AdminHandler>([config] { return config; },
                                           [&draining] { return draining.load(); },
                                           std::move(admin_endpoints));
    admin_worker->listen(*server.admin, nullptr, *admin);
    core::log_info("admin listening on http://" + describe(*server.admin));
  }

  // SIGHUP's default action ends the process: `systemctl reload`, `kill -HUP` or a closed
  // terminal took the gateway down with no drain. Caught and logged until hot reload
  // exists; the configuration in force keeps serving.
  asio::signal_set hangups(control, SIGHUP);
  std::function<void()> await_hangup = [&] {
    hangups.async_wait([&](boost::system::error_code ec, int) {
      if (ec) return;
      core::log_warn(
          "received SIGHUP: reloading the configuration is not supported yet; the running "
          "configuration stays in force (restart to apply a change)");
      await_hangup();
    });
  };
  await_hangup();

  int exit_code = 0;
  asio::signal_set signals(control, SIGTERM, SIGINT);
  asio::steady_timer drain_timer(control);
  auto drain_deadline = std::chrono::steady_clock::now();
  std::function<void()> check_drained = [&] {
    int open = 0;
    for (auto& w : workers) open += w->open_sessions();
    // Work requests left running (usage on its way to Redis) counts as open too.
    open += core::background_work_count().load(std::memory_order_acquire);
    if (open == 0 || std::chrono::steady_clock::now() >= drain_deadline) {
      if (open != 0) {
        core::log_warn("drain timeout: closing " + std::to_string(open) + " connection(s)");
      }
      for (auto& w : workers) w->io().stop();
      if (admin_worker) admin_worker->io().stop();
      return;
    }
    drain_timer.expires_after(std::chrono::milliseconds(20));
    drain_timer.async_wait([&](boost::system::error_code) { check_drained(); });
  };
  signals.async_wait([&](boost::system::error_code ec, int signal) {
    if (ec) return;
    core::log_info(std::string("received ") + (signal == SIGTERM ? "SIGTERM" : "SIGINT") +
                   ": draining (up to " + std::to_string(server.drain_timeout.count()) + " ms)");
    draining.store(true);
    // SIGHUP stays caught (a signal_set queues what arrives while no wait is pending),
    // but no longer keeps the control loop alive once drained.
    hangups.cancel();
    drain_deadline = std::chrono::steady_clock::now() + server.drain_timeout;
    for (auto& w : workers) w->begin_drain();
    check_drained();
  });

  std::vector<std::thread> pool;
  for (auto& w : workers) {
    pool.emplace_back([&w] { w->run(); });
  }
  if (admin_worker) {
    pool.emplace_back([&admin_worker] {
      auto guard = asio::make_work_guard(admin_worker->io());
      admin_worker->io().run();
    });
  }
  // Idle polling keeps cores busy; an operator reading the log should see it is on, and
  // that workers polling on shared cores take turns instead of answering.
  const auto idle_poll = server.idle_poll.count();
  if (idle_poll != 0 && threads > cores) {
    core::log_warn("idle_poll_us with " + std::to_string(threads) + " worker threads on " +
                   std::to_string(cores) +
                   " usable core(s): polling workers take CPU from each other; use no more "
                   "threads than cores");
  }
  core::log_info("tollgate ready: " + std::to_string(threads) + " worker thread(s)" +
                 (idle_poll != 0 ? " polling " + std::to_string(idle_poll) + " us when idle" : "") +
                 ", " + std::to_string(config->models.size()) + " model(s), up to " +
                 std::to_string(file_limit) + " open files");
  control.run();
  for (auto& t : pool) t.join();
  core::log_info("stopped");
  return exit_code;
}

}  // namespace tollgate::gateway::server
