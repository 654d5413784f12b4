// A real redis-server for the Redis client tests: started on a free loopback port, without
// persistence, stopped by pid. It can be stopped and started again on the same port, which
// is how the tests play a Redis restart.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "state/redis/redis_client.h"

namespace tollgate::test {

// The first redis-server on PATH, else Debian's; empty when there is none.
inline std::string find_redis_server() {
  std::vector<std::string> candidates;
  if (const char* path = std::getenv("PATH")) {
    std::string dirs = path;
    std::size_t start = 0;
    while (start <= dirs.size()) {
      std::size_t end = dirs.find(':', start);
      if (end == std::string::npos) end = dirs.size();
      if (end > start) candidates.push_back(dirs.substr(start, end - start) + "/redis-server");
      start = end + 1;
    }
  }
  candidates.push_back("/usr/bin/redis-server");
  for (const std::string& candidate : candidates) {
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return {};
}

// A loopback port nothing listens on right now (the kernel's pick for port 0).
inline std::uint16_t free_loopback_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("socket() failed");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t size = sizeof address;
  bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
            ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) == 0;
  ::close(fd);
  if (!ok) throw std::runtime_error("cannot pick a free loopback port");
  return ntohs(address.sin_port);
}

inline bool accepts_connections(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(port);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  ::close(fd);
  return ok;
}

class RedisTestServer {
 public:
  // `extra_args` are more redis-server options, e.g. {"--requirepass", "secret"}.
  explicit RedisTestServer(std::vector<std::string> extra_args = {})
      : binary_(find_redis_server()), extra_args_(std::move(extra_args)) {
    if (binary_.empty()) {
      throw std::runtime_error(
          "redis-server is not installed: the Redis client tests need it "
          "(apt-get install redis-server, or scripts/install-deps.sh with the test tools)");
    }
    // Another process may take the picked port before redis binds it: pick again.
    for (int attempt = 0; attempt < 5; ++attempt) {
      port_ = free_loopback_port();
      if (try_start()) return;
    }
    throw std::runtime_error("redis-server did not start on a free loopback port (5 tries)");
  }
  ~RedisTestServer() { stop(); }
  RedisTestServer(const RedisTestServer&) = delete;
  RedisTestServer& operator=(const RedisTestServer&) = delete;

  std::uint16_t port() const { return port_; }
  state::RedisEndpoint endpoint() const {
    state::RedisEndpoint endpoint;
    endpoint.host = "127.0.0.1";
    endpoint.port = port_;
    return endpoint;
  }

  // Starts again on the same port after stop().
  void start() {
    if (pid_ > 0) return;
    if (!try_start()) {
      throw std::runtime_error("redis-server did not start again on port " + std::to_string(port_));
    }
  }

  // SIGTERM, then SIGKILL if it has not exited within 5 s; always reaped.
  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    bool exited = wait_for_exit(std::chrono::seconds(5));
    if (!exited) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    pid_ = -1;
  }

 private:
  bool try_start() {
    std::vector<std::string> args = {
        binary_,        "--port", std::to_string(port_), "--bind", "127.0.0.1",  "--save", "",
        "--appendonly", "no",     "--daemonize",         "no",     "--loglevel", "warning"};
    args.insert(args.end(), extra_args_.begin(), extra_args_.end());
    std::vector<char*> argv;
    for (std::string& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);

    pid_t parent = ::getpid();
    pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork() failed");
    if (pid == 0) {
      // Only async-signal-safe calls between fork and exec. The server dies with the test
      // binary even if the binary crashes before stop().
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) ::_exit(127);
      int null = ::open("/dev/null", O_RDWR);
      if (null >= 0) {
        ::dup2(null, STDIN_FILENO);
        ::dup2(null, STDOUT_FILENO);
        ::dup2(null, STDERR_FILENO);
      }
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    pid_ = pid;

    // Up when it accepts a connection; gone when it exited (the port was taken).
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
        pid_ = -1;
        return false;
      }
      if (accepts_connections(port_)) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    stop();
    return false;
  }

  bool wait_for_exit(std::chrono::milliseconds limit) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      if (::waitpid(pid_, nullptr, WNOHANG) == pid_) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return false;
  }

  std::string binary_;
  std::vector<std::string> extra_args_;
  std::uint16_t port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace tollgate::test
