// `server.watch: true`: reloads when the config file or a file it includes changes (or a
// new file appears that an include glob matches), without a signal. One thread blocks on
// inotify over the directories of those files; a burst of changes (an editor's save, a
// `cp` of several files) makes one reload, 300 ms after the last event.
#pragma once

#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "gateway/core/config.h"

namespace tollgate::gateway::reload {

class ConfigWatch {
 public:
  // `reload` reloads and returns the configuration serving afterwards (whose files are
  // watched next). Throws std::runtime_error when inotify is not available.
  ConfigWatch(core::ConfigPtr config, std::function<core::ConfigPtr()> reload);
  ~ConfigWatch();
  ConfigWatch(const ConfigWatch&) = delete;
  ConfigWatch& operator=(const ConfigWatch&) = delete;

 private:
  // What one config makes us watch: directories, and in each the names or globs that matter.
  struct Watched {
    std::string directory;
    std::vector<std::string> patterns;  // fnmatch patterns of file names
  };
  static std::vector<Watched> watched_of(const core::Config& config);
  void rewatch(const core::Config& config);
  bool matters(int descriptor, const char* name) const;
  void run();

  std::function<core::ConfigPtr()> reload_;
  int inotify_ = -1;
  int stop_[2] = {-1, -1};  // a pipe: the destructor writes, the thread wakes
  std::vector<std::pair<int, Watched>> watches_;
  std::thread thread_;
};

}  // namespace tollgate::gateway::reload
