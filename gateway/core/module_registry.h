// What this build can put in a pipeline and what it runs for the whole process, each
// filled by one registration line in the folder that brings it (policies/auth,
// observability/, a new top-level folder...): the loader asks it which config sections
// and keys exist, main makes every module, build_runtime makes the stages of a snapshot.
//
//   const core::Registration kRegistration{core::StageSpec<MySettings>{
//       .name = "my_stage", .position = 350,
//       .sections = {{.name = "my_stage", .keys = {"enabled", "limit"}}},
//       .read = read_my_settings,   // (ConfigReader, Config) → MySettings; file:line:key errors
//       .make = make_my_stage}};    // (const MySettings&, const Services&) → unique_ptr<Stage>
//
// Reading a section (pure, per config snapshot, also what `--check` validates) is kept
// apart from building (a stage per snapshot; a module's services once per process), so a
// reload can read and refuse a new config before anything is built from it.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gateway/core/admin_endpoint.h"
#include "gateway/core/config.h"
#include "gateway/core/config_reader.h"
#include "gateway/core/services.h"
#include "gateway/core/stage.h"

namespace tollgate::core {

// A top-level config section a stage or module owns, with the keys it may hold: the
// loader refuses any other top-level section, and any other key here, with file:line:key.
struct ConfigSection {
  enum class Shape {
    map,  // `name: {key: ...}`
    list  // `name: [{key: ...}, ...]`: `keys` are each item's
  };
  std::string name;
  Shape shape = Shape::map;
  std::vector<std::string> keys{};  // empty: any key, the reader checks them
  // A reload may change it (the module's reconfigure applies it); otherwise a change is
  // refused with "takes a restart".
  bool reloadable = false;
  // Keys of a section that is not reloadable which a reload may still change (each
  // snapshot's stages read them, or the module's reconfigure applies them):
  // `audit.include_bodies`, `audit.fsync_interval`, `audit.rotate`.
  std::vector<std::string> reloadable_keys{};
};

// The process-lifetime part of a feature: made once at startup (before the first
// snapshot's stages), it owns what its stages share across config snapshots (a store, a
// registry), publishes it through Services, serves admin endpoints, and flushes at
// shutdown. Modules are made in position order and flushed in reverse.
class Module {
 public:
  virtual ~Module() = default;
  virtual std::vector<AdminEndpoint*> admin_endpoints() { return {}; }
  // A reload succeeded: apply what changed in this module's reloadable sections (the
  // others are unchanged, or the reload was refused). Called once the new snapshot is
  // built and before it serves; must not fail (the sections were read and checked).
  virtual void reconfigure(const ConfigReader&, const Config&) {}
  // Shutdown, after the last request: write out what is pending.
  virtual void flush() {}
};

// Builds a stage for one snapshot from what its reader read; null leaves it out.
using StageBuilder = std::function<std::unique_ptr<Stage>(const Services&)>;
// Builds a module from what its reader read; it may provide services for later ones.
using ModuleBuilder = std::function<std::unique_ptr<Module>(Services&)>;

struct StageEntry {
  std::string name;  // as written in `pipeline:`
  // The default pipeline runs every stage by position, low first (so the lowest's
  // on_complete runs last). Declared in each registration, not in a central list, so a
  // stage in a new folder needs no edit elsewhere; the slots leave room between them:
  //   0 observe · 100 auth · 200 geo · 300 sanitize · 400 pii · 500 limits · 600 cache
  int position = 0;
  // Non-empty: a `pipeline:` that leaves the stage out is refused with this reason.
  std::string required_because;
  std::vector<ConfigSection> sections;
  // Reads and checks the sections of `config`; throws ConfigError.
  std::function<StageBuilder(const ConfigReader&, const Config&)> read;
};

struct ModuleEntry {
  std::string name;
  // Made low first: a module may `get` what a lower one provides (state 0, observability
  // 100, policies 200).
  int position = 0;
  std::vector<ConfigSection> sections;
  std::function<ModuleBuilder(const ConfigReader&, const Config&)> read;
};

class ModuleRegistry {
 public:
  // Throw std::logic_error for a name or section registered twice.
  void add_stage(StageEntry entry);
  void add_module(ModuleEntry entry);

  const std::vector<StageEntry>& stages() const { return stages_; }     // by position
  const std::vector<ModuleEntry>& modules() const { return modules_; }  // by position
  const StageEntry* find_stage(std::string_view name) const;
  // Every section a stage or module owns.
  std::vector<const ConfigSection*> sections() const;
  // The stage names in position order: the pipeline when the config has no `pipeline:`.
  std::vector<std::string> default_pipeline() const;

 private:
  void claim(const std::vector<ConfigSection>& sections, const std::string& owner);

  std::vector<StageEntry> stages_;
  std::vector<ModuleEntry> modules_;
};

// The process's registry, filled by the registrations below before main runs.
ModuleRegistry& module_registry();

struct NoSettings {};

// A stage's registration, typed: `read` turns its sections into Settings, `make` builds
// the stage from them (a stage with no section leaves `read` out).
template <typename Settings>
struct StageSpec {
  std::string name;
  int position = 0;
  std::string required_because{};
  std::vector<ConfigSection> sections{};
  std::function<Settings(const ConfigReader&, const Config&)> read{};
  std::function<std::unique_ptr<Stage>(const Settings&, const Services&)> make;
};

template <typename Settings>
struct ModuleSpec {
  std::string name;
  int position = 0;
  std::vector<ConfigSection> sections{};
  std::function<Settings(const ConfigReader&, const Config&)> read{};
  std::function<std::unique_ptr<Module>(const Settings&, Services&)> make;
};

namespace detail {

// A typed (read, make) pair as the registry keeps it: read now, build later from what
// was read (shared, immutable).
template <typename Settings, typename Built, typename Context>
std::function<std::function<Built(Context)>(const ConfigReader&, const Config&)> read_then_make(
    std::function<Settings(const ConfigReader&, const Config&)> read,
    std::function<Built(const Settings&, Context)> make) {
  return [read = std::move(read), make = std::move(make)](
             const ConfigReader& r, const Config& config) -> std::function<Built(Context)> {
    auto settings = std::make_shared<const Settings>(read ? read(r, config) : Settings{});
    return [settings, make](Context context) { return make(*settings, context); };
  };
}

}  // namespace detail

// A static object of this registers a stage or a module at startup:
// `const Registration kRegistration{StageSpec<Settings>{...}};`. A folder's library is
// linked whole (tollgate_module() in CMake), so the object stays.
class Registration {
 public:
  template <typename Settings>
  explicit Registration(StageSpec<Settings> spec, ModuleRegistry& registry = module_registry()) {
    registry.add_stage({std::move(spec.name), spec.position, std::move(spec.required_because),
                        std::move(spec.sections),
                        detail::read_then_make(std::move(spec.read), std::move(spec.make))});
  }
  template <typename Settings>
  explicit Registration(ModuleSpec<Settings> spec, ModuleRegistry& registry = module_registry()) {
    registry.add_module({std::move(spec.name), spec.position, std::move(spec.sections),
                         detail::read_then_make(std::move(spec.read), std::move(spec.make))});
  }
};

}  // namespace tollgate::core
