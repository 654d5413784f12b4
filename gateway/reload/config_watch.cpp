#include "gateway/reload/config_watch.h"

#include <fcntl.h>
#include <fnmatch.h>
#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "gateway/core/log.h"

namespace tollgate::gateway::reload {

namespace {

constexpr int kSettleMs = 300;  // one reload for a burst of events
constexpr std::uint32_t kEvents =
    IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE | IN_ATTRIB;

std::pair<std::string, std::string> split(const std::string& path) {
  std::size_t slash = path.rfind('/');
  if (slash == std::string::npos) return {".", path};
  return {slash == 0 ? "/" : path.substr(0, slash), path.substr(slash + 1)};
}

}  // namespace

std::vector<ConfigWatch::Watched> ConfigWatch::watched_of(const core::Config& config) {
  std::vector<Watched> out;
  auto add = [&](const std::string& path) {
    auto [directory, name] = split(path);
    for (Watched& w : out) {
      if (w.directory == directory) {
        w.patterns.push_back(name);
        return;
      }
    }
    out.push_back({directory, {name}});
  };
  for (const auto& file : config.files) add(file.path);
  // New files an include glob will match (only the last part may hold wildcards here).
  if (const YAML::Node include = config.root["include"]; include) {
    if (include.IsScalar()) add(include.Scalar());
    if (include.IsSequence()) {
      for (const auto& pattern : include)
        if (pattern.IsScalar()) add(pattern.Scalar());
    }
  }
  return out;
}

ConfigWatch::ConfigWatch(core::ConfigPtr config, std::function<core::ConfigPtr()> reload)
    : reload_(std::move(reload)) {
  inotify_ = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
  if (inotify_ < 0 || pipe2(stop_, O_CLOEXEC) != 0) {
    if (inotify_ >= 0) close(inotify_);
    throw std::runtime_error(std::string("server.watch: cannot watch files: ") +
                             std::strerror(errno));
  }
  rewatch(*config);
  thread_ = std::thread([this] { run(); });
}

ConfigWatch::~ConfigWatch() {
  char byte = 0;
  if (write(stop_[1], &byte, 1) < 0) {
    // The thread then ends at its next event; nothing else to do.
  }
  if (thread_.joinable()) thread_.join();
  close(inotify_);
  close(stop_[0]);
  close(stop_[1]);
}

void ConfigWatch::rewatch(const core::Config& config) {
  for (const auto& [descriptor, watched] : watches_) inotify_rm_watch(inotify_, descriptor);
  watches_.clear();
  for (Watched& w : watched_of(config)) {
    int descriptor = inotify_add_watch(inotify_, w.directory.c_str(), kEvents);
    if (descriptor < 0) {
      core::log_warn("server.watch: cannot watch " + w.directory + ": " + std::strerror(errno));
      continue;
    }
    watches_.emplace_back(descriptor, std::move(w));
  }
}

bool ConfigWatch::matters(int descriptor, const char* name) const {
  for (const auto& [d, watched] : watches_) {
    if (d != descriptor) continue;
    for (const auto& pattern : watched.patterns) {
      if (fnmatch(pattern.c_str(), name, 0) == 0) return true;
    }
  }
  return false;
}

void ConfigWatch::run() {
  alignas(inotify_event) std::array<char, 8192> buffer{};
  bool pending = false;
  for (;;) {
    std::array<pollfd, 2> fds{{{inotify_, POLLIN, 0}, {stop_[0], POLLIN, 0}}};
    int ready = poll(fds.data(), fds.size(), pending ? kSettleMs : -1);
    if (ready < 0 && errno != EINTR) return;
    if (fds[1].revents != 0) return;
    if (ready == 0 && pending) {  // settled: one reload for the burst
      pending = false;
      if (core::ConfigPtr now = reload_()) rewatch(*now);
      continue;
    }
    if ((fds[0].revents & POLLIN) == 0) continue;
    ssize_t n = read(inotify_, buffer.data(), buffer.size());
    for (ssize_t at = 0; n > 0 && at < n;) {
      const auto* event = reinterpret_cast<const inotify_event*>(buffer.data() + at);
      if (event->len > 0 && matters(event->wd, event->name)) pending = true;
      at += static_cast<ssize_t>(sizeof(inotify_event) + event->len);
    }
  }
}

}  // namespace tollgate::gateway::reload
