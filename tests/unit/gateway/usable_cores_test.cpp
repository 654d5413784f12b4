// `threads: 0` under a cgroup CPU quota: the quota is found through the process's own
// proc files, on cgroup v2 and v1, at the cgroup or any parent, and caps the workers.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "gateway/server/usable_cores.h"

namespace fs = std::filesystem;
using tollgate::gateway::server::cgroup_cpu_quota;
using tollgate::gateway::server::cores_within;

namespace {

// A fake root: files written under a fresh temporary directory.
struct FakeRoot {
  fs::path dir = fs::temp_directory_path() /
                 ("tollgate-cgroup-test-" + std::to_string(std::random_device{}()));
  FakeRoot() { fs::create_directories(dir); }
  ~FakeRoot() { fs::remove_all(dir); }
  void write(const std::string& relative, const std::string& text) const {
    fs::path file = dir / relative;
    fs::create_directories(file.parent_path());
    std::ofstream(file) << text;
  }
};

}  // namespace

TEST_CASE("cgroup v2: the tightest cpu.max from the cgroup up to the mount") {
  FakeRoot root;
  root.write("proc/self/cgroup", "0::/kubepods/pod1/ctr\n");
  root.write("proc/self/mountinfo",
             "30 23 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n");
  root.write("sys/fs/cgroup/kubepods/cpu.max", "max 100000\n");
  root.write("sys/fs/cgroup/kubepods/pod1/cpu.max", "200000 100000\n");
  root.write("sys/fs/cgroup/kubepods/pod1/ctr/cpu.max", "max 100000\n");
  REQUIRE(cgroup_cpu_quota(root.dir) == Approx(2.0));
}

TEST_CASE("cgroup v2 in a cgroup namespace: the quota sits on the mount itself") {
  FakeRoot root;
  root.write("proc/self/cgroup", "0::/\n");
  root.write("proc/self/mountinfo", "30 23 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n");
  root.write("sys/fs/cgroup/cpu.max", "50000 100000\n");
  REQUIRE(cgroup_cpu_quota(root.dir) == Approx(0.5));
}

TEST_CASE("cgroup v1: cfs_quota_us over cfs_period_us of the cpu hierarchy") {
  FakeRoot root;
  root.write("proc/self/cgroup",
             "5:memory:/docker/abc\n4:cpu,cpuacct:/docker/abc\n0::/docker/abc\n");
  root.write("proc/self/mountinfo",
             "31 23 0:28 / /sys/fs/cgroup rw - tmpfs tmpfs rw\n"
             "32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n"
             "35 31 0:32 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"
             "41 31 0:38 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n");
  root.write("sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.cfs_quota_us", "150000\n");
  root.write("sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.cfs_period_us", "100000\n");
  root.write("sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us", "-1\n");
  root.write("sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us", "100000\n");
  REQUIRE(cgroup_cpu_quota(root.dir) == Approx(1.5));
}

TEST_CASE("no quota, or nothing readable, is no cap") {
  FakeRoot unlimited;
  unlimited.write("proc/self/cgroup", "1:cpu:/\n0::/\n");
  unlimited.write("proc/self/mountinfo",
                  "32 31 0:29 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n"
                  "41 31 0:38 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n");
  unlimited.write("sys/fs/cgroup/cpu/cpu.cfs_quota_us", "-1\n");
  unlimited.write("sys/fs/cgroup/cpu/cpu.cfs_period_us", "100000\n");
  REQUIRE_FALSE(cgroup_cpu_quota(unlimited.dir));
  FakeRoot empty;
  REQUIRE_FALSE(cgroup_cpu_quota(empty.dir));
}

TEST_CASE("workers: the affinity's cores, capped by the quota rounded up, at least one") {
  REQUIRE(cores_within(64, 2.0) == 2);
  REQUIRE(cores_within(64, 1.5) == 2);
  REQUIRE(cores_within(64, 0.5) == 1);
  REQUIRE(cores_within(4, 16.0) == 4);
  REQUIRE(cores_within(8, std::nullopt) == 8);
  REQUIRE(cores_within(0, std::nullopt) == 1);
}
