// Scanner::build: the spec checked, every pattern of every enabled entity gathered, and
// one Vectorscan database compiled. A refused custom pattern is reported with its entity,
// so the config reader can add the file and line.
#include <atomic>
#include <string>

#include "policies/pii/builtin_patterns.h"
#include "policies/pii/scanner_impl.h"
#include "policies/pii/word_list.h"

namespace tollgate::policies::pii {

namespace {

struct Expressions {
  std::vector<std::string> text;
  std::vector<unsigned> flags;
  std::vector<PatternRoute> routes;

  void add(std::string expression, unsigned flag, PatternRoute route) {
    text.push_back(std::move(expression));
    flags.push_back(flag);
    routes.push_back(route);
  }
};

struct CompileErrorDeleter {
  void operator()(hs_compile_error_t* error) const { hs_free_compile_error(error); }
};

std::string quoted(std::string_view s) {
  return "\"" + std::string(s) + "\"";
}

void check_custom(const ScannerSpec& spec, std::size_t index) {
  const CustomEntity& custom = spec.custom[index];
  std::string which = "pii custom entity " + quoted(custom.name) + ": ";
  if (!valid_entity_name(custom.name)) {
    throw SpecError(index, "pii custom entity " + quoted(custom.name) +
                               ": a name is lower-case letters, digits and '_', starting "
                               "with a letter, at most 64 bytes");
  }
  if (parse_builtin(custom.name)) {
    throw SpecError(index, which + "the name of a built-in entity");
  }
  for (std::size_t i = 0; i < index; ++i) {
    if (spec.custom[i].name == custom.name) throw SpecError(index, which + "named twice");
  }
  if (custom.pattern.empty() == custom.words.empty()) {
    throw SpecError(index, which + "needs a pattern or a word list, not both");
  }
  for (const std::string& word : custom.words) {
    if (word.empty()) throw SpecError(index, which + "an empty word");
  }
}

bool any_enabled(const Scanner::Impl& impl, std::span<const Probe> probes) {
  for (const Probe& probe : probes) {
    if (impl.entities[id_of(probe.entity)].enabled) return true;
  }
  return false;
}

// The digit pass's share: each digit pattern with an enabled probe, and those probes.
void gather_digit_patterns(Scanner::Impl& impl) {
  for (const DigitPattern& pattern : digit_patterns()) {
    auto& probes = impl.digit_probes[static_cast<std::size_t>(pattern.trigger)];
    for (const Probe& probe : pattern.probes) {
      if (impl.entities[id_of(probe.entity)].enabled) probes.push_back(probe);
    }
    if (!probes.empty()) impl.digit_triggers |= bit_of(pattern.trigger);
  }
}

// Ids in three runs (built-in, custom patterns, custom words) so the match callback tells a
// custom pattern by its id alone.
Expressions gather(const ScannerSpec& spec, Scanner::Impl& impl) {
  Expressions all;
  for (const BuiltinPattern& pattern : builtin_patterns()) {
    if (!any_enabled(impl, pattern.probes)) continue;
    all.add(pattern.expression, 0, {0, PatternRoute::Kind::builtin, &pattern, 0, 0});
  }
  impl.regex_begin = static_cast<unsigned>(all.text.size());
  for (std::size_t i = 0; i < spec.custom.size(); ++i) {
    if (spec.custom[i].pattern.empty()) continue;
    auto entity = static_cast<EntityId>(kBuiltinCount + i);
    all.add(spec.custom[i].pattern, HS_FLAG_SOM_LEFTMOST,
            {entity, PatternRoute::Kind::regex, nullptr, 0, i});
  }
  impl.regex_end = static_cast<unsigned>(all.text.size());
  for (std::size_t i = 0; i < spec.custom.size(); ++i) {
    auto entity = static_cast<EntityId>(kBuiltinCount + i);
    for (const std::string& word : spec.custom[i].words) {
      all.add(
          word_pattern(word), HS_FLAG_CASELESS,
          {entity, PatternRoute::Kind::word, nullptr, static_cast<std::uint32_t>(word.size()), i});
    }
  }
  return all;
}

[[noreturn]] void refused(const Expressions& all, const ScannerSpec& spec,
                          const hs_compile_error_t& error) {
  std::string reason = error.message ? error.message : "unknown error";
  if (error.expression < 0) throw SpecError(std::nullopt, "pii: Vectorscan refused: " + reason);
  const PatternRoute& route = all.routes[static_cast<std::size_t>(error.expression)];
  if (route.kind == PatternRoute::Kind::builtin) {
    throw SpecError(std::nullopt, "pii: a built-in pattern was refused (" + reason +
                                      "): " + all.text[static_cast<std::size_t>(error.expression)]);
  }
  const CustomEntity& custom = spec.custom[route.custom_index];
  std::string what = route.kind == PatternRoute::Kind::regex
                         ? "pattern " + quoted(custom.pattern)
                         : "word " + quoted(all.text[static_cast<std::size_t>(error.expression)]);
  throw SpecError(route.custom_index,
                  "pii custom entity " + quoted(custom.name) + ": " + what + ": " + reason);
}

}  // namespace

std::unique_ptr<Scanner::Impl> compile_scanner(const ScannerSpec& spec) {
  if (spec.custom.size() > 1000) throw SpecError(std::nullopt, "pii: over 1000 custom entities");
  auto impl = std::make_unique<Scanner::Impl>();
  for (std::size_t i = 0; i < kBuiltinCount; ++i) {
    std::string name(builtin_name(static_cast<Builtin>(i)));
    impl->entities.push_back({name, tag_of(name), false});
  }
  for (Builtin entity : spec.builtins) impl->entities.at(id_of(entity)).enabled = true;
  for (std::size_t i = 0; i < spec.custom.size(); ++i) {
    check_custom(spec, i);
    impl->entities.push_back({spec.custom[i].name, tag_of(spec.custom[i].name), true});
  }
  gather_digit_patterns(*impl);
  Expressions all = gather(spec, *impl);
  impl->routes = all.routes;
  if (all.text.empty()) return impl;  // nothing for Vectorscan (the digit pass may look)
  if (hs_valid_platform() != HS_SUCCESS) {
    throw SpecError(std::nullopt, "pii: this CPU lacks the instructions Vectorscan needs");
  }
  std::vector<const char*> expressions;
  std::vector<unsigned> ids;
  for (std::size_t i = 0; i < all.text.size(); ++i) {
    expressions.push_back(all.text[i].c_str());
    ids.push_back(static_cast<unsigned>(i));
  }
  hs_compile_error_t* raw_error = nullptr;
  hs_error_t rc = hs_compile_multi(expressions.data(), all.flags.data(), ids.data(),
                                   static_cast<unsigned>(expressions.size()), HS_MODE_BLOCK,
                                   nullptr, &impl->database, &raw_error);
  std::unique_ptr<hs_compile_error_t, CompileErrorDeleter> error(raw_error);
  if (rc != HS_SUCCESS) {
    if (!error) throw SpecError(std::nullopt, "pii: Vectorscan failed to compile");
    refused(all, spec, *error);
  }
  if (hs_alloc_scratch(impl->database, &impl->prototype) != HS_SUCCESS) {
    throw SpecError(std::nullopt, "pii: no memory for Vectorscan's scratch space");
  }
  static std::atomic<std::uint64_t> serials{0};
  impl->serial = ++serials;
  return impl;
}

}  // namespace tollgate::policies::pii
