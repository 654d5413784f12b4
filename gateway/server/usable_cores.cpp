// Reads the cgroup CPU quota by hand: no Debian package does it (libcgroup manages
// cgroups, it does not answer "how many cores may I use"), and it is three small files.
#include "gateway/server/usable_cores.h"

#include <sched.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace tollgate::gateway::server {

namespace fs = std::filesystem;

namespace {

// A cgroup this process is in: its path, and on which hierarchy (v2, or v1 with "cpu").
struct Membership {
  bool v2 = false;
  std::string path;
};

// A cgroup hierarchy's mount: the directory it is mounted on, and which cgroup path that
// directory is (not "/" when a container sees only its own part of the hierarchy).
struct Mount {
  bool v2 = false;
  std::string cgroup_root;
  std::string directory;
};

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::stringstream in(text);
  for (std::string part; std::getline(in, part, separator);) parts.push_back(part);
  return parts;
}

bool has_cpu_controller(const std::string& list) {
  auto names = split(list, ',');
  return std::find(names.begin(), names.end(), "cpu") != names.end();
}

// proc/self/cgroup: "hierarchy-id:controllers:path"; v2's line is "0::path".
std::vector<Membership> memberships(const fs::path& root) {
  std::vector<Membership> out;
  std::ifstream in(root / "proc/self/cgroup");
  for (std::string line; std::getline(in, line);) {
    auto first = line.find(':');
    auto second = first == std::string::npos ? first : line.find(':', first + 1);
    if (second == std::string::npos) continue;
    std::string controllers = line.substr(first + 1, second - first - 1);
    std::string path = line.substr(second + 1);
    if (line.compare(0, first, "0") == 0 && controllers.empty()) {
      out.push_back({true, path});
    } else if (has_cpu_controller(controllers)) {
      out.push_back({false, path});
    }
  }
  return out;
}

// proc/self/mountinfo: "id parent dev root mountpoint options [tags] - fstype source super".
std::vector<Mount> cgroup_mounts(const fs::path& root) {
  std::vector<Mount> out;
  std::ifstream in(root / "proc/self/mountinfo");
  for (std::string line; std::getline(in, line);) {
    auto dash = line.find(" - ");
    if (dash == std::string::npos) continue;
    auto fields = split(line.substr(0, dash), ' ');
    auto after = split(line.substr(dash + 3), ' ');
    if (fields.size() < 5 || after.size() < 3) continue;
    if (after[0] == "cgroup2") {
      out.push_back({true, fields[3], fields[4]});
    } else if (after[0] == "cgroup" && has_cpu_controller(after[2])) {
      out.push_back({false, fields[3], fields[4]});
    }
  }
  return out;
}

// The numbers a file starts with (at most two); reading stops at anything else, such as
// cgroup v2's "max" (no quota).
std::vector<double> leading_numbers(const fs::path& file) {
  std::ifstream in(file);
  std::vector<double> out;
  for (double n = 0; out.size() < 2 && in >> n;) out.push_back(n);
  return out;
}

// The quota set on one cgroup directory, in cores: v2 writes "quota period" in cpu.max,
// v1 one number in each of two files (-1: no quota).
std::optional<double> quota_in(const fs::path& directory, bool v2) {
  std::vector<double> q = leading_numbers(directory / (v2 ? "cpu.max" : "cpu.cfs_quota_us"));
  if (!v2) {
    for (double period : leading_numbers(directory / "cpu.cfs_period_us")) q.push_back(period);
  }
  if (q.size() < 2 || q[0] <= 0 || q[1] <= 0) return std::nullopt;
  return q[0] / q[1];
}

}  // namespace

std::optional<double> cgroup_cpu_quota(const fs::path& root) {
  std::optional<double> tightest;
  auto mounts = cgroup_mounts(root);
  for (const Membership& member : memberships(root)) {
    for (const Mount& mount : mounts) {
      if (mount.v2 != member.v2) continue;
      // The cgroup's path below the mount's own cgroup path.
      std::string below = member.path;
      if (mount.cgroup_root != "/" && below.starts_with(mount.cgroup_root)) {
        below = below.substr(mount.cgroup_root.size());
      }
      fs::path top = root / fs::path(mount.directory).relative_path();
      fs::path relative = fs::path(below).relative_path();
      fs::path directory = relative.empty() ? top : top / relative;
      // Every level counts: a parent's quota binds its children. Bounded by the depth.
      for (int depth = 0; depth < 64; ++depth) {
        if (auto quota = quota_in(directory, mount.v2);
            quota && (!tightest || *quota < *tightest)) {
          tightest = quota;
        }
        if (directory == top || !directory.has_parent_path()) break;
        directory = directory.parent_path();
      }
    }
  }
  return tightest;
}

unsigned cores_within(unsigned affinity, std::optional<double> quota) {
  unsigned cores = std::max(1u, affinity);
  if (quota) cores = std::min(cores, std::max(1u, static_cast<unsigned>(std::ceil(*quota))));
  return cores;
}

unsigned usable_cores() {
  cpu_set_t set;
  unsigned affinity = ::sched_getaffinity(0, sizeof set, &set) == 0
                          ? static_cast<unsigned>(CPU_COUNT(&set))
                          : std::thread::hardware_concurrency();
  return cores_within(affinity, cgroup_cpu_quota("/"));
}

}  // namespace tollgate::gateway::server
