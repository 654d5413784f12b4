// The multipart/form-data `model` reader. Delimiters are found with one Boyer-Moore-Horspool
// searcher (linear in the body whatever the boundary), parts are counted, heads bounded.
#include "gateway/core/multipart_model.h"

#include <algorithm>
#include <functional>
#include <optional>

#include "gateway/core/headers.h"

namespace tollgate::core {

namespace {

constexpr std::string_view kSpace = " \t";

std::string_view trim(std::string_view s) {
  std::size_t first = s.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(kSpace) - first + 1);
}

// The value of parameter `wanted` in "type; a=b; c=\"d\"" (quotes removed, escapes left as
// they are), or nullopt. `params` is what follows the media type.
std::optional<std::string_view> parameter(std::string_view params, std::string_view wanted) {
  while (!params.empty()) {
    std::size_t semi = params.find(';');
    if (semi == std::string_view::npos) return std::nullopt;
    params.remove_prefix(semi + 1);
    params = params.substr(std::min(params.size(), params.find_first_not_of(kSpace)));
    std::size_t eq = params.find_first_of("=;");
    if (eq == std::string_view::npos || params[eq] == ';') continue;
    std::string_view name = trim(params.substr(0, eq));
    params.remove_prefix(eq + 1);
    params = params.substr(std::min(params.size(), params.find_first_not_of(kSpace)));
    std::string_view value;
    if (!params.empty() && params.front() == '"') {
      std::size_t end = 1;
      while (end < params.size() && params[end] != '"') end += params[end] == '\\' ? 2 : 1;
      if (end >= params.size()) return std::nullopt;  // an unterminated quote
      value = params.substr(1, end - 1);
      params.remove_prefix(end + 1);
    } else {
      value = trim(params.substr(0, params.find(';')));
      params.remove_prefix(std::min(params.size(), params.find(';')));
    }
    if (iequals(name, wanted)) return value;
  }
  return std::nullopt;
}

// The form field name a part's head gives in its content-disposition, or nullopt.
std::optional<std::string_view> part_name(std::string_view head) {
  while (!head.empty()) {
    std::size_t eol = head.find("\r\n");
    std::string_view line = head.substr(0, eol);
    head.remove_prefix(eol == std::string_view::npos ? head.size() : eol + 2);
    std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    if (!iequals(trim(line.substr(0, colon)), "content-disposition")) continue;
    std::string_view value = line.substr(colon + 1);
    return parameter(value.substr(std::min(value.size(), value.find(';'))), "name");
  }
  return std::nullopt;
}

MultipartModel refused(std::string why) {
  MultipartModel out;
  out.error = std::move(why);
  return out;
}

bool printable(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x20 && c <= 0x7e; });
}

}  // namespace

bool is_multipart_form(std::string_view content_type) {
  std::string_view type = trim(content_type.substr(0, content_type.find(';')));
  return iequals(type, "multipart/form-data");
}

std::string_view multipart_boundary(std::string_view content_type) {
  if (!is_multipart_form(content_type)) return {};
  std::size_t semi = content_type.find(';');
  if (semi == std::string_view::npos) return {};
  std::optional<std::string_view> boundary = parameter(content_type.substr(semi), "boundary");
  if (!boundary || boundary->empty() || boundary->size() > 70) return {};
  if (boundary->find_first_of("\r\n\\") != std::string_view::npos) return {};
  return *boundary;
}

// long: one loop over the parts, each step bounded and commented; splitting it would
// pass half a dozen positions between functions.
MultipartModel read_multipart_model(std::string_view content_type, std::string_view body) {
  std::string_view boundary = multipart_boundary(content_type);
  if (boundary.empty()) {
    return refused("a multipart/form-data body needs a boundary of 1 to 70 characters");
  }
  std::string delimiter = "\r\n--" + std::string(boundary);
  std::boyer_moore_horspool_searcher next_delimiter(delimiter.begin(), delimiter.end());
  auto find_delimiter = [&](std::size_t from) -> std::size_t {
    auto it =
        std::search(body.begin() + static_cast<std::ptrdiff_t>(from), body.end(), next_delimiter);
    return it == body.end() ? std::string_view::npos : static_cast<std::size_t>(it - body.begin());
  };
  // The first delimiter may open the body (no CRLF before it) or follow a preamble.
  std::size_t at = std::string_view(delimiter).substr(2) == body.substr(0, delimiter.size() - 2)
                       ? 0
                       : find_delimiter(0);
  if (at == std::string_view::npos) return refused("the multipart body has no part");
  at += at == 0 ? delimiter.size() - 2 : delimiter.size();  // past the delimiter
  MultipartModel out;
  bool found = false;
  for (std::size_t parts = 0;; ++parts) {
    if (body.substr(at, 2) == "--") break;  // the close delimiter
    if (parts == kMaxMultipartParts) {
      return refused("the multipart body has more than " + std::to_string(kMaxMultipartParts) +
                     " parts");
    }
    // Transport padding, then the delimiter line's end.
    while (at < body.size() && (body[at] == ' ' || body[at] == '\t')) ++at;
    if (body.substr(at, 2) != "\r\n") return refused("a multipart delimiter line is malformed");
    std::size_t head_start = at + 2;
    bool no_headers = body.substr(head_start, 2) == "\r\n";
    // Relative to head_start until checked: never compared with an absolute position
    // (a fuzz input once made the two coincide, and the part read as having no headers).
    std::size_t head_length =
        no_headers ? 0 : body.substr(head_start, kMaxMultipartHeadBytes + 4).find("\r\n\r\n");
    if (head_length == std::string_view::npos) {
      return refused("a multipart part's headers are unterminated or longer than " +
                     std::to_string(kMaxMultipartHeadBytes) + " bytes");
    }
    std::size_t head_end = head_start + head_length;
    std::size_t content = head_end + (no_headers ? 2 : 4);
    std::size_t end = find_delimiter(content);
    if (end == std::string_view::npos) return refused("the multipart body is not terminated");
    std::optional<std::string_view> name =
        part_name(body.substr(head_start, head_end - head_start));
    if (name && *name == "model") {
      if (found) return refused("the multipart body has the model field twice");
      found = true;
      out.value = {content, end - content};
    }
    at = end + delimiter.size();
  }
  if (!found) return refused("you must provide a model parameter");
  std::string_view model = body.substr(out.value.offset, out.value.length);
  if (model.empty() || model.size() > kMaxMultipartModelBytes || !printable(model)) {
    return refused("the model field must be 1 to " + std::to_string(kMaxMultipartModelBytes) +
                   " printable characters");
  }
  out.model = std::string(model);
  out.ok = true;
  return out;
}

std::string splice_range(std::string_view body, ByteRange range, std::string_view replacement) {
  std::string out;
  out.reserve(body.size() - range.length + replacement.size());
  out.append(body.substr(0, range.offset));
  out.append(replacement);
  out.append(body.substr(range.offset + range.length));
  return out;
}

}  // namespace tollgate::core
