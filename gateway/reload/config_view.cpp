#include "gateway/reload/config_view.h"

#include <array>
#include <cctype>
#include <ctime>

#include "gateway/core/errors.h"

namespace tollgate::gateway::reload {

namespace {

constexpr std::string_view kMask = "****";
constexpr int kMaxDepth = 64;  // configs nest a few levels; aliases could go deeper

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool looks_numeric(const std::string& text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (!std::isdigit(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != '+' &&
        c != 'e' && c != 'E')
      return false;
  }
  return true;
}

void append_scalar(std::string& out, const std::string& text) {
  if (text == "true" || text == "false" || text == "null" || text == "~") {
    out += text == "~" ? "null" : text;
  } else if (looks_numeric(text) && std::isdigit(static_cast<unsigned char>(text.back()))) {
    out += text;
  } else {
    core::append_json_string(out, text);
  }
}

void append_node(std::string& out, const YAML::Node& node, bool secret, int depth) {
  if (depth > kMaxDepth || !node.IsDefined() || node.IsNull()) {
    out += "null";
    return;
  }
  if (node.IsScalar()) {
    const std::string& text = node.Scalar();
    if (secret && !looks_numeric(text)) {
      core::append_json_string(out, kMask);
    } else {
      append_scalar(out, mask_url_password(text));
    }
    return;
  }
  bool first = true;
  if (node.IsSequence()) {
    out += '[';
    for (const auto& item : node) {
      if (!first) out += ',';
      first = false;
      append_node(out, item, secret, depth + 1);
    }
    out += ']';
    return;
  }
  out += '{';
  for (const auto& pair : node) {
    if (!first) out += ',';
    first = false;
    std::string name = pair.first.IsScalar() ? pair.first.Scalar() : "?";
    core::append_json_string(out, name);
    out += ':';
    append_node(out, pair.second, secret || secret_key_name(name), depth + 1);
  }
  out += '}';
}

std::string iso_time(std::chrono::system_clock::time_point at) {
  std::time_t seconds = std::chrono::system_clock::to_time_t(at);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  std::array<char, 32> text{};
  std::strftime(text.data(), text.size(), "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text.data();
}

}  // namespace

bool secret_key_name(std::string_view name) {
  std::string key = lower(name);
  for (std::string_view word : {"key", "secret", "password", "token", "authorization", "hash"}) {
    if (key.find(word) == std::string::npos) continue;
    // Names that only look like one: limits and lists of header names.
    if (key == "keys" || key == "tokens_per_day" || key == "key_prefix" ||
        key.ends_with("_tokens") || key == "forward_headers")
      return false;
    return true;
  }
  return false;
}

std::string mask_url_password(std::string_view text) {
  std::size_t scheme = text.find("://");
  if (scheme == std::string_view::npos) return std::string(text);
  std::size_t authority = scheme + 3;
  std::size_t end = text.find_first_of("/?#", authority);
  std::string_view host_part = text.substr(
      authority, end == std::string_view::npos ? std::string_view::npos : end - authority);
  std::size_t at = host_part.rfind('@');
  if (at == std::string_view::npos) return std::string(text);
  std::size_t colon = host_part.find(':');
  if (colon == std::string_view::npos || colon > at) return std::string(text);
  std::string out(text.substr(0, authority + colon + 1));
  out += kMask;
  out += text.substr(authority + at);
  return out;
}

std::string config_view_json(const LoadedConfig& loaded) {
  const core::Config& config = *loaded.config;
  std::string out = R"({"loaded_at":)";
  core::append_json_string(out, iso_time(loaded.loaded_at));
  out += R"(,"source":)";
  core::append_json_string(out, config.source);
  out += R"(,"files":[)";
  for (std::size_t i = 0; i < config.files.size(); ++i) {
    if (i != 0) out += ',';
    out += R"({"path":)";
    core::append_json_string(out, config.files[i].path);
    out += R"(,"sha256":)";
    core::append_json_string(out, config.files[i].sha256);
    out += '}';
  }
  out += R"(],"config":)";
  append_node(out, config.root, false, 0);
  out += '}';
  return out;
}

}  // namespace tollgate::gateway::reload
