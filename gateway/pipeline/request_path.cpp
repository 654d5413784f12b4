// Request-target normalisation (RFC 3986 §6.2.2, §5.2.4), strict where servers differ.
#include "gateway/pipeline/request_path.h"

#include <vector>

namespace tollgate::gateway::pipeline {

namespace {

bool is_unreserved(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

// RFC 3986's pchar and '/', without ';': Tomcat and Spring strip ";..." from a segment,
// so `..;` is a dot-segment to them and a name to everyone else.
bool is_path_char(unsigned char c) {
  if (is_unreserved(c)) return true;
  switch (c) {
    case '/':
    case '!':
    case '$':
    case '&':
    case '\'':
    case '(':
    case ')':
    case '*':
    case '+':
    case ',':
    case '=':
    case ':':
    case '@':
    case '%':
      return true;
    default:
      return false;
  }
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool is_dot_segment(std::string_view segment) {
  return segment == "." || segment == "..";
}

// Whether the path, as sent, is already what normalising would make of it.
bool already_normal(std::string_view path) {
  if (path.find('%') != std::string_view::npos) return false;
  std::size_t start = 1;
  for (;;) {
    std::size_t slash = path.find('/', start);
    std::string_view segment = path.substr(start, slash - start);
    if (is_dot_segment(segment)) return false;
    if (slash == std::string_view::npos) return true;
    if (segment.empty()) return false;  // "//": refused below
    start = slash + 1;
  }
}

// Decodes the percent-encodings of unreserved characters into `out`; others are kept.
std::string_view decode_unreserved(std::string_view path, std::string& out) {
  out.reserve(path.size());
  for (std::size_t i = 0; i < path.size(); ++i) {
    if (path[i] != '%') {
      out += path[i];
      continue;
    }
    int high = i + 2 < path.size() ? hex_value(path[i + 1]) : -1;
    int low = high >= 0 ? hex_value(path[i + 2]) : -1;
    if (low < 0) return "the request path has a malformed percent-encoding";
    auto c = static_cast<unsigned char>(high * 16 + low);
    if (c == '/' || c == '\\' || c == '%' || c == ';' || c < 0x20 || c == 0x7f) {
      // A server may or may not decode these before it routes: no one reading to trust.
      return "the request path has an encoded /, \\, %, ; or control character";
    }
    if (is_unreserved(c)) {
      out += static_cast<char>(c);
    } else {
      out.append(path.substr(i, 3));
    }
    i += 2;
  }
  return {};
}

// RFC 3986 §5.2.4 on a path starting with '/', into `out`. An empty segment ("//") is
// refused: some servers merge slashes before resolving "..", others after.
std::string_view remove_dot_segments(std::string_view path, std::string& out) {
  std::vector<std::string_view> kept;
  bool trailing_slash = false;
  std::size_t start = 1;
  for (;;) {
    std::size_t slash = path.find('/', start);
    bool last = slash == std::string_view::npos;
    std::string_view segment = path.substr(start, last ? std::string_view::npos : slash - start);
    trailing_slash = last && (segment.empty() || is_dot_segment(segment));
    if (segment == "..") {
      if (kept.empty()) return "the request path goes above /";
      kept.pop_back();
    } else if (segment.empty()) {
      if (!last) return "the request path has an empty segment (//)";
    } else if (segment != ".") {
      kept.push_back(segment);
    }
    if (last) break;
    start = slash + 1;
  }
  out.clear();
  for (std::string_view segment : kept) {
    out += '/';
    out += segment;
  }
  if (out.empty() || trailing_slash) out += '/';
  return {};
}

}  // namespace

std::string_view normalize_request_target(std::string& target, std::string& path) {
  if (target.empty() || target.front() != '/') {
    return "the request target must be a path that starts with /";
  }
  std::size_t query_at = target.find('?');
  std::string_view raw = std::string_view(target).substr(0, query_at);
  for (char c : raw) {
    if (!is_path_char(static_cast<unsigned char>(c))) {
      return "the request path has a character outside RFC 3986's path characters (or ;)";
    }
  }
  std::string_view query = query_at == std::string::npos
                               ? std::string_view{}
                               : std::string_view(target).substr(query_at);
  if (query.find('#') != std::string_view::npos) return "the request target has a fragment (#)";
  if (already_normal(raw)) {
    if (path != raw) path.assign(raw);
    return {};
  }
  std::string decoded;
  if (auto refusal = decode_unreserved(raw, decoded); !refusal.empty()) return refusal;
  std::string normal;
  if (auto refusal = remove_dot_segments(decoded, normal); !refusal.empty()) return refusal;
  std::string normal_target = normal;
  normal_target.append(query);
  path = std::move(normal);
  target = std::move(normal_target);
  return {};
}

}  // namespace tollgate::gateway::pipeline
