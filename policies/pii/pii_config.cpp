#include "policies/pii/pii_config.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "policies/pii/word_list.h"

namespace tollgate::policies::pii {

namespace {

// One entity's action as written, kept with where it was written for later errors.
struct Written {
  std::string name;
  Action action;
  YAML::Node node;
  std::string key;
};

Action read_action(const core::ConfigReader& r, const YAML::Node& node, const std::string& key) {
  std::string name = r.string_of(node, key);
  auto action = parse_action(name);
  if (!action) r.fail(node, key, "must be mask, redact, hash, pseudonymize, block or detect");
  return *action;
}

// `entities: {email: pseudonymize, ...}`
std::vector<Written> read_entities(const core::ConfigReader& r, const YAML::Node& node,
                                   const std::string& key) {
  std::vector<Written> out;
  if (!r.has(node)) return out;
  r.require_map(node, key);
  for (auto it = node.begin(); it != node.end(); ++it) {
    std::string name = it->first.Scalar();
    std::string item_key = key + "." + name;
    out.push_back({name, read_action(r, it->second, item_key), it->second, item_key});
  }
  return out;
}

std::string read_file(const core::ConfigReader& r, const YAML::Node& node, const std::string& key) {
  std::string path = r.string_of(node, key);
  std::ifstream in(path);
  if (!in) r.fail(node, key, "cannot read '" + path + "'");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Whether a pattern can match only at the edge of a text: `^` or `$` outside a character
// class, or \A, \z, \Z. Cautious: a `\Q...\E` quote is not understood (an anchor
// character in it counts), which only costs a parse.
bool has_anchor(std::string_view pattern) {
  bool in_class = false;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    char c = pattern[i];
    if (c == '\\' && i + 1 < pattern.size()) {
      char next = pattern[++i];
      if (!in_class && (next == 'A' || next == 'z' || next == 'Z' || next == 'G')) return true;
    } else if (in_class) {
      if (c == ']') in_class = false;
    } else if (c == '[') {
      in_class = true;
      if (i + 1 < pattern.size() && pattern[i + 1] == '^') ++i;  // a negated class
      if (i + 1 < pattern.size() && pattern[i + 1] == ']') ++i;  // "[]...]": ']' is a member
    } else if (c == '^' || c == '$') {
      return true;
    }
  }
  return false;
}

// `custom: [{name, pattern | words_file, action}]`
void read_custom(const core::ConfigReader& r, const YAML::Node& node, ScannerSpec& spec,
                 std::vector<Written>& actions, std::vector<YAML::Node>& marks) {
  r.each(node, "pii.custom", [&](const YAML::Node& item, const std::string& key) {
    r.check_keys(item, key, {"name", "pattern", "words_file", "action"});
    CustomEntity entity;
    entity.name = r.required_string(item, "name", key);
    if (!valid_entity_name(entity.name)) {
      r.fail(item["name"], key + ".name",
             "must be lower-case letters, digits and '_' (employee_id)");
    }
    bool pattern = r.has(item["pattern"]);
    if (pattern == r.has(item["words_file"])) {
      r.fail(item, key, "needs either `pattern` or `words_file`, not both");
    }
    if (pattern) {
      entity.pattern = r.string_of(item["pattern"], key + ".pattern");
    } else {
      entity.words = parse_word_list(read_file(r, item["words_file"], key + ".words_file"));
    }
    if (!r.has(item["action"])) r.fail(item, key + ".action", "is required");
    actions.push_back({entity.name, read_action(r, item["action"], key + ".action"), item["action"],
                       key + ".action"});
    marks.push_back(item);
    spec.custom.push_back(std::move(entity));
  });
}

// The actions by entity id; an entity the scanner does not know is an error at its line.
ActionPolicy policy_of(const core::ConfigReader& r, const Scanner& scanner,
                       const std::vector<Written>& written, const ActionPolicy* base,
                       const std::string& hash_key) {
  ActionPolicy policy;
  policy.hash_key = hash_key;
  policy.by_entity = base != nullptr ? base->by_entity
                                     : std::vector<Action>(scanner.entities().size(), Action::none);
  for (const Written& w : written) {
    auto id = scanner.find(w.name);
    if (!id) r.fail(w.node, w.key, "unknown entity '" + w.name + "' (see docs/pii.md)");
    if (w.action == Action::hash && hash_key.empty()) {
      r.fail(w.node, w.key, "the hash action needs pii.hash_key");
    }
    policy.by_entity[*id] = w.action;
  }
  return policy;
}

}  // namespace

const ActionPolicy& PiiSettings::policy_for(const core::Principal* principal) const {
  for (const auto& [match, policy] : overrides) {
    if (match.matches(principal)) return policy;
  }
  return global;
}

const ActionPolicy& PiiSettings::answer_policy_for(const core::Principal* principal) const {
  for (std::size_t i = 0; i < overrides.size(); ++i) {
    if (overrides[i].first.matches(principal)) return override_answers[i];
  }
  return global_answers;
}

PiiSettings read_pii_settings(const core::ConfigReader& r, const core::Config& config) {
  PiiSettings out;
  const YAML::Node section = config.root["pii"];
  if (!r.has(section)) return out;
  out.enabled = true;
  r.require_map(section, "pii");
  if (r.has(section["direction"])) {
    std::string direction = r.string_of(section["direction"], "pii.direction");
    if (direction == "request")
      out.direction = Direction::request;
    else if (direction == "response")
      out.direction = Direction::response;
    else if (direction != "both")
      r.fail(section["direction"], "pii.direction", "must be request, response or both");
  }
  std::string hash_key;
  if (r.has(section["hash_key"])) hash_key = r.string_of(section["hash_key"], "pii.hash_key");
  std::vector<Written> global = read_entities(r, section["entities"], "pii.entities");
  ScannerSpec spec;
  std::vector<YAML::Node> custom_marks;
  read_custom(r, section["custom"], spec, global, custom_marks);
  std::vector<std::pair<PrincipalMatch, std::vector<Written>>> overrides;
  r.each(section["overrides"], "pii.overrides",
         [&](const YAML::Node& item, const std::string& key) {
           r.check_keys(item, key, {"match", "entities"});
           overrides.emplace_back(read_principal_match(r, item, key + ".match"),
                                  read_entities(r, item["entities"], key + ".entities"));
         });
  // One scanner for every built-in entity any policy names: a policy leaves out the rest.
  auto wanted = [&](std::string_view name) {
    for (const Written& w : global)
      if (w.name == name) return true;
    for (const auto& o : overrides)
      for (const Written& w : o.second)
        if (w.name == name) return true;
    return false;
  };
  for (std::size_t i = 0; i < kBuiltinCount; ++i) {
    auto builtin = static_cast<Builtin>(i);
    if (wanted(builtin_name(builtin))) spec.builtins.push_back(builtin);
  }
  try {
    out.scanner = std::make_shared<const Scanner>(Scanner::build(spec));
  } catch (const SpecError& e) {
    if (auto index = e.custom_index(); index && *index < custom_marks.size()) {
      r.fail(custom_marks[*index], "pii.custom[" + std::to_string(*index) + "]", e.what());
    }
    r.fail(section, "pii", e.what());
  }
  out.global = policy_of(r, *out.scanner, global, nullptr, hash_key);
  for (const auto& [match, written] : overrides) {
    out.overrides.emplace_back(match, policy_of(r, *out.scanner, written, &out.global, hash_key));
    out.override_answers.push_back(answer_policy(out.overrides.back().second));
  }
  out.global_answers = answer_policy(out.global);
  out.custom_entities = !spec.custom.empty();
  out.custom_anchored = std::any_of(spec.custom.begin(), spec.custom.end(),
                                    [](const CustomEntity& c) { return has_anchor(c.pattern); });
  auto pseudonymizes = [](const ActionPolicy& policy) {
    return std::find(policy.by_entity.begin(), policy.by_entity.end(), Action::pseudonymize) !=
           policy.by_entity.end();
  };
  out.pseudonymizes = pseudonymizes(out.global);
  for (const auto& [match, policy] : out.overrides)
    out.pseudonymizes = out.pseudonymizes || pseudonymizes(policy);
  return out;
}

}  // namespace tollgate::policies::pii
