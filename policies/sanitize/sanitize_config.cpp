#include "policies/sanitize/sanitize_config.h"

#include <algorithm>
#include <stdexcept>
#include <utility>

#include "policies/sanitize/injection_rules.h"

namespace tollgate::policies::sanitize {

namespace {

// A deny pattern as written: its text, where it is (for errors) and its label.
struct DenyPattern {
  std::string expression;
  YAML::Node node;
  std::string label;
};

std::vector<DenyPattern> read_deny(const core::ConfigReader& r, const YAML::Node& list,
                                   const std::string& key) {
  std::vector<DenyPattern> out;
  r.each(list, key, [&](const YAML::Node& item, const std::string& item_key) {
    std::string expression = r.string_of(item, item_key);
    if (expression.empty()) r.fail(item, item_key, "must not be empty");
    out.push_back({std::move(expression), item, item_key});
  });
  return out;
}

InjectionSettings read_injection(const core::ConfigReader& r, const YAML::Node& node,
                                 const std::string& key, InjectionSettings out) {
  if (!r.has(node)) return out;
  r.check_keys(node, key, {"action", "threshold"});
  if (const YAML::Node action = node["action"]; r.has(action)) {
    std::string name = r.string_of(action, key + ".action");
    if (name == "off") {
      out.action = InjectionAction::off;
    } else if (name == "flag") {
      out.action = InjectionAction::flag;
    } else if (name == "block") {
      out.action = InjectionAction::block;
    } else {
      r.fail(action, key + ".action", "must be flag, block or off, not '" + name + "'");
    }
  } else if (out.action == InjectionAction::off) {
    out.action = InjectionAction::flag;  // `injection: {threshold: 0.9}` means: score it
  }
  if (const YAML::Node threshold = node["threshold"]; r.has(threshold)) {
    double value = -1;
    try {
      value = threshold.as<double>();
    } catch (const YAML::Exception&) {
    }
    if (!(value > 0.0 && value <= 1.0)) {
      r.fail(threshold, key + ".threshold", "must be a number above 0 and at most 1");
    }
    out.threshold = value;
  }
  return out;
}

unsigned read_strip(const core::ConfigReader& r, const YAML::Node& list) {
  unsigned mask = 0;
  r.each(list, "sanitize.strip", [&](const YAML::Node& item, const std::string& key) {
    std::string name = r.string_of(item, key);
    if (name == "zero_width") {
      mask |= kZeroWidth;
    } else if (name == "unicode_tags") {
      mask |= kUnicodeTags;
    } else if (name == "bidi_controls") {
      mask |= kBidiControls;
    } else {
      r.fail(item, key, "must be zero_width, unicode_tags or bidi_controls, not '" + name + "'");
    }
  });
  return mask;
}

// One pattern set for a profile: the built-in phrases when injection is scored, then its
// deny patterns; a pattern Vectorscan refuses fails at its own line.
Profile make_profile(const core::ConfigReader& r, InjectionSettings injection,
                     const std::vector<DenyPattern>& deny) {
  Profile profile;
  profile.injection = injection;
  std::vector<PatternSpec> specs;
  if (injection.action != InjectionAction::off) {
    for (const auto& builtin : builtin_patterns()) {
      specs.push_back({builtin.expression, static_cast<unsigned>(builtin.rule), builtin.caseless});
    }
  }
  std::size_t builtins = specs.size();
  for (std::size_t i = 0; i < deny.size(); ++i) {
    specs.push_back({deny[i].expression, kDenyIdBase + static_cast<unsigned>(i), false});
    profile.deny_labels.push_back(deny[i].label);
  }
  if (specs.empty()) return profile;
  try {
    profile.patterns = std::make_shared<const PatternSet>(specs);
  } catch (const PatternError& e) {
    if (e.index() < builtins) {
      throw std::logic_error(std::string("built-in injection pattern refused: ") + e.what());
    }
    const DenyPattern& bad = deny[e.index() - builtins];
    r.fail(bad.node, bad.label, std::string("is not a pattern Vectorscan accepts: ") + e.what());
  }
  return profile;
}

void read_limits(const core::ConfigReader& r, const YAML::Node& section, SanitizeSettings& out) {
  if (r.has(section["max_messages"])) {
    out.max_messages =
        r.unsigned_of(section["max_messages"], "sanitize.max_messages", 1, 1'000'000);
  }
  if (r.has(section["max_message_bytes"])) {
    out.max_message_bytes = r.unsigned_of(section["max_message_bytes"],
                                          "sanitize.max_message_bytes", 1, std::uint64_t{1} << 32);
  }
  if (r.has(section["max_prompt_tokens"])) {
    out.max_prompt_tokens = static_cast<std::int64_t>(r.unsigned_of(
        section["max_prompt_tokens"], "sanitize.max_prompt_tokens", 1, 1'000'000'000));
  }
}

}  // namespace

const Profile& SanitizeSettings::profile_for(const core::Principal* principal) const {
  for (const auto& [match, profile] : overrides) {
    if (match.matches(principal)) return profile;
  }
  return global;
}

SanitizeSettings read_sanitize_settings(const core::ConfigReader& r, const core::Config& config) {
  SanitizeSettings out;
  const YAML::Node section = config.root["sanitize"];
  if (!r.has(section)) return out;
  r.require_map(section, "sanitize");  // its keys: the stage's registration
  out.enabled = true;
  read_limits(r, section, out);
  out.text.strip = read_strip(r, section["strip"]);
  if (const YAML::Node normalize = section["normalize"]; r.has(normalize)) {
    std::string form = r.string_of(normalize, "sanitize.normalize");
    if (form != "nfkc" && form != "none") {
      r.fail(normalize, "sanitize.normalize", "must be nfkc or none, not '" + form + "'");
    }
    out.text.nfkc = form == "nfkc";
  }
  InjectionSettings injection = read_injection(r, section["injection"], "sanitize.injection", {});
  std::vector<DenyPattern> deny = read_deny(r, section["deny"], "sanitize.deny");
  out.global = make_profile(r, injection, deny);
  r.each(section["overrides"], "sanitize.overrides",
         [&](const YAML::Node& item, const std::string& key) {
           r.check_keys(item, key, {"match", "deny", "injection"});
           PrincipalMatch match = read_principal_match(r, item, key + ".match");
           // An override's patterns are added to the global ones: a team can be held to
           // more deny patterns, never fewer; its injection settings replace the global
           // ones (a red team may turn them off, an untrusted tenant may block).
           std::vector<DenyPattern> more = deny;
           for (auto& extra : read_deny(r, item["deny"], key + ".deny")) {
             more.push_back(std::move(extra));
           }
           InjectionSettings own =
               read_injection(r, item["injection"], key + ".injection", injection);
           out.overrides.emplace_back(std::move(match), make_profile(r, own, more));
         });
  return out;
}

}  // namespace tollgate::policies::sanitize
