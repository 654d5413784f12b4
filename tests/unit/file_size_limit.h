// Makes the disk "full" for this process without root or a mount: RLIMIT_FSIZE refuses
// every write past `bytes` in any regular file (EFBIG), as a full disk refuses it with
// ENOSPC. SIGXFSZ, which would kill the process, is ignored meanwhile. Restored on scope
// exit (the soft limit may always go back up to the hard one).
#pragma once

#include <sys/resource.h>

#include <csignal>
#include <cstdint>

namespace tollgate::testing {

class FileSizeLimit {
 public:
  explicit FileSizeLimit(std::uint64_t bytes) {
    ::getrlimit(RLIMIT_FSIZE, &saved_);
    old_handler_ = std::signal(SIGXFSZ, SIG_IGN);
    rlimit limited = saved_;
    limited.rlim_cur = static_cast<rlim_t>(bytes);
    ::setrlimit(RLIMIT_FSIZE, &limited);
  }
  ~FileSizeLimit() { lift(); }
  FileSizeLimit(const FileSizeLimit&) = delete;
  FileSizeLimit& operator=(const FileSizeLimit&) = delete;

  void lift() {
    if (lifted_) return;
    ::setrlimit(RLIMIT_FSIZE, &saved_);
    std::signal(SIGXFSZ, old_handler_);
    lifted_ = true;
  }

 private:
  rlimit saved_{};
  void (*old_handler_)(int) = SIG_DFL;
  bool lifted_ = false;
};

}  // namespace tollgate::testing
