// How many cores this process may really use, for `threads: 0`: the cores its CPU
// affinity allows (taskset, cpusets), capped by the CPU quota of its cgroups rounded up
// (Kubernetes CPU limits, `docker --cpus`), as Go 1.25 sizes GOMAXPROCS. A pod limited to
// 2 CPUs on a 64-core node that started 64 workers would spend its quota in the first
// few milliseconds of each period and then be throttled for the rest.
#pragma once

#include <filesystem>
#include <optional>

namespace tollgate::gateway::server {

unsigned usable_cores();

// The tightest CPU quota, in cores, of the cgroups this process is in, read from the
// files under `root` ("/" in production, a directory tree in tests):
// proc/self/cgroup names the cgroup, proc/self/mountinfo says where its hierarchy is
// mounted; every level from the cgroup up to the mount is read: cgroup v2's cpu.max, v1's
// cpu.cfs_quota_us over cpu.cfs_period_us. nullopt when there is no quota or it cannot
// be read.
std::optional<double> cgroup_cpu_quota(const std::filesystem::path& root);

// The number of workers for `affinity` cores under `quota` cores: at least one.
unsigned cores_within(unsigned affinity, std::optional<double> quota);

}  // namespace tollgate::gateway::server
