// Startup and graceful shutdown. On a signal every worker stops accepting and closes
// idle connections; requests in flight (streams too) finish, up to drain_timeout.
#include "gateway/server/server.h"

#include <sys/resource.h>
#include <systemd/sd-daemon.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <thread>
#include <vector>

#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "gateway/core/background_work.h"
#include "gateway/core/log.h"
#include "gateway/server/admin_handler.h"
#include "gateway/server/free_memory.h"
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

namespace {

// One run of the server, from the listeners to the last thread joined. Its parts are
// members, so each step of the start and of the drain is a method of its own.
class RunningServer {
 public:
  RunningServer(core::ConfigPtr config, core::ConnectionObserver& observer,
                std::function<void()> on_hangup)
      : config_(std::move(config)),
        server_(config_->server),
        observer_(observer),
        on_hangup_(std::move(on_hangup)),
        cores_(usable_cores()),
        threads_(server_.threads != 0 ? server_.threads : cores_) {}

  void start_workers(const core::HandlerFactory& make_proxy);
  void start_admin(std::vector<core::AdminEndpoint*> endpoints);
  // SIGHUP reloads, SIGTERM and SIGINT drain.
  void handle_signals();
  // Runs every worker on its thread until drained; returns the exit code.
  int run(std::uint64_t file_limit);

 private:
  void await_hangup();
  void check_drained();
  void log_ready(std::uint64_t file_limit) const;

  core::ConfigPtr config_;
  const core::ServerConfig& server_;
  core::ConnectionObserver& observer_;
  std::function<void()> on_hangup_;
  const unsigned cores_;
  const unsigned threads_;
  std::vector<std::unique_ptr<asio::ssl::context>> tls_contexts_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::atomic<bool> draining_{false};
  asio::io_context control_{1};
  // The admin listener lives on a thread of its own, so health checks answer even when
  // every worker is busy.
  std::unique_ptr<Worker> admin_worker_;
  std::unique_ptr<AdminHandler> admin_;
  asio::signal_set hangups_{control_, SIGHUP};
  asio::signal_set stops_{control_, SIGTERM, SIGINT};
  asio::steady_timer drain_timer_{control_};
  std::chrono::steady_clock::time_point drain_deadline_;
};

void RunningServer::start_workers(const core::HandlerFactory& make_proxy) {
  std::vector<asio::ssl::context*> listener_tls;
  for (const auto& listen : server_.listen) {
    if (listen.tls) {
      tls_contexts_.push_back(make_server_tls(*listen.tls));
      listener_tls.push_back(tls_contexts_.back().get());
    } else {
      listener_tls.push_back(nullptr);
    }
  }
  for (unsigned i = 0; i < threads_; ++i) {
    workers_.push_back(std::make_unique<Worker>(i, server_, observer_, make_proxy));
    for (std::size_t l = 0; l < server_.listen.size(); ++l) {
      workers_.back()->listen(server_.listen[l].address, listener_tls[l],
                              *workers_.back()->handler());
    }
  }
  for (std::size_t l = 0; l < server_.listen.size(); ++l) {
    core::log_info("listening on " + std::string(listener_tls[l] ? "https://" : "http://") +
                   describe(server_.listen[l].address));
  }
}

void RunningServer::start_admin(std::vector<core::AdminEndpoint*> endpoints) {
  if (!server_.admin) return;
  admin_worker_ = std::make_unique<Worker>(threads_, server_, observer_, core::HandlerFactory{});
  admin_ =
      std::make_unique<AdminHandler>([config = config_] { return config; },
                                     [this] { return draining_.load(); }, std::move(endpoints));
  admin_worker_->listen(*server_.admin, nullptr, *admin_);
  core::log_info("admin listening on http://" + describe(*server_.admin));
}

// SIGHUP reloads the configuration (`systemctl reload`, `kill -HUP`), on this control
// thread while the workers go on serving; its default action would end the process.
void RunningServer::await_hangup() {
  hangups_.async_wait([this](boost::system::error_code ec, int) {
    if (ec) return;
    if (on_hangup_) {
      on_hangup_();
    } else {
      core::log_warn("received SIGHUP: nothing reloads the configuration here; it stays in force");
    }
    await_hangup();
  });
}

void RunningServer::handle_signals() {
  await_hangup();
  stops_.async_wait([this](boost::system::error_code ec, int signal) {
    if (ec) return;
    core::log_info(std::string("received ") + (signal == SIGTERM ? "SIGTERM" : "SIGINT") +
                   ": draining (up to " + std::to_string(server_.drain_timeout.count()) + " ms)");
    draining_.store(true);
    // Under systemd (Type=notify) the unit shows "deactivating" from here on.
    ::sd_notify(0, "STOPPING=1\nSTATUS=draining");
    // SIGHUP stays caught (a signal_set queues what arrives while no wait is pending),
    // but no longer keeps the control loop alive once drained.
    hangups_.cancel();
    drain_deadline_ = std::chrono::steady_clock::now() + server_.drain_timeout;
    for (auto& w : workers_) w->begin_drain();
    check_drained();
  });
}

void RunningServer::check_drained() {
  int open = 0;
  for (auto& w : workers_) open += w->open_sessions();
  // Work requests left running (usage on its way to Redis) counts as open too.
  open += core::background_work_count().load(std::memory_order_acquire);
  if (open == 0 || std::chrono::steady_clock::now() >= drain_deadline_) {
    if (open != 0) {
      core::log_warn("drain timeout: closing " + std::to_string(open) + " connection(s)");
    }
    for (auto& w : workers_) w->io().stop();
    if (admin_worker_) admin_worker_->io().stop();
    return;
  }
  drain_timer_.expires_after(std::chrono::milliseconds(20));
  drain_timer_.async_wait([this](boost::system::error_code) { check_drained(); });
}

void RunningServer::log_ready(std::uint64_t file_limit) const {
  // Idle polling keeps cores busy; an operator reading the log should see it is on, and
  // that workers polling on shared cores take turns instead of answering.
  const auto idle_poll = server_.idle_poll.count();
  if (idle_poll != 0 && threads_ > cores_) {
    core::log_warn("idle_poll_us with " + std::to_string(threads_) + " worker threads on " +
                   std::to_string(cores_) +
                   " usable core(s): polling workers take CPU from each other; use no more "
                   "threads than cores");
  }
  core::log_info("tollgate ready: " + std::to_string(threads_) + " worker thread(s)" +
                 (idle_poll != 0 ? " polling " + std::to_string(idle_poll) + " us when idle" : "") +
                 ", " + std::to_string(config_->models.size()) + " model(s), up to " +
                 std::to_string(file_limit) + " open files");
  return_free_memory();  // what loading the config freed, before the first request
  // Type=notify units (deploy/systemd/) start once this arrives: every listener is bound.
  // Without $NOTIFY_SOCKET it does nothing.
  ::sd_notify(0, "READY=1\nSTATUS=serving");
}

int RunningServer::run(std::uint64_t file_limit) {
  std::vector<std::thread> pool;
  for (auto& w : workers_) {
    pool.emplace_back([&w] { w->run(); });
  }
  if (admin_worker_) {
    pool.emplace_back([this] {
      auto guard = asio::make_work_guard(admin_worker_->io());
      admin_worker_->io().run();
    });
  }
  log_ready(file_limit);
  control_.run();
  for (auto& t : pool) t.join();
  core::log_info("stopped");
  return 0;
}

}  // namespace

int run_server(core::ConfigPtr config, const core::HandlerFactory& make_proxy,
               core::ConnectionObserver& observer,
               std::vector<core::AdminEndpoint*> admin_endpoints, std::function<void()> on_hangup) {
  std::uint64_t file_limit = raise_file_limit();
  RunningServer server(std::move(config), observer, std::move(on_hangup));
  server.start_workers(make_proxy);
  server.start_admin(std::move(admin_endpoints));
  server.handle_signals();
  return server.run(file_limit);
}

}  // namespace tollgate::gateway::server
