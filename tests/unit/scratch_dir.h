// Fresh folders for tests that write files (SQLite, audit logs): each under one folder per
// test process, removed when the process exits, so a run leaves nothing in /tmp (every
// run used to leave dozens of folders behind). TOLLGATE_TEST_KEEP=1 keeps them.
#pragma once

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <string>

namespace tollgate::testing {

inline std::filesystem::path scratch_dir() {
  struct Root {
    std::filesystem::path path =
        std::filesystem::temp_directory_path() / ("tollgate-unit-" + std::to_string(::getpid()));
    ~Root() {
      std::error_code ignored;
      if (!std::getenv("TOLLGATE_TEST_KEEP")) std::filesystem::remove_all(path, ignored);
    }
  };
  static Root root;
  static std::atomic<unsigned> next{0};
  auto dir = root.path / std::to_string(next++);
  std::filesystem::create_directories(dir);
  return dir;
}

}  // namespace tollgate::testing
