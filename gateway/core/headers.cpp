// Case-insensitive header list; linear scans are faster than maps for the ~10 fields
// a request carries.
#include "gateway/core/headers.h"

#include <algorithm>

namespace tollgate::core {

namespace {
char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
}
}  // namespace

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

bool append_field(std::string& head, std::string_view name, std::string_view value,
                  std::span<const std::string_view> owned) {
  if (name.empty()) return false;
  if (name.find_first_of("\r\n") != name.npos || value.find_first_of("\r\n") != value.npos) {
    return false;
  }
  for (std::string_view mine : owned) {
    if (iequals(name, mine)) return false;
  }
  head += name;
  head += ": ";
  head += value;
  head += "\r\n";
  return true;
}

std::string_view Headers::get(std::string_view name) const {
  for (const auto& f : fields_) {
    if (iequals(f.name, name)) return f.value;
  }
  return {};
}

bool Headers::has(std::string_view name) const {
  return std::any_of(fields_.begin(), fields_.end(),
                     [&](const Header& f) { return iequals(f.name, name); });
}

void Headers::set(std::string_view name, std::string_view value) {
  remove(name);
  add(name, value);
}

void Headers::add(std::string_view name, std::string_view value) {
  // Most lists hold a handful of fields: one allocation instead of three or four growths,
  // small enough that 10,000 open streams (five lists each) stay cheap.
  if (fields_.capacity() == 0) fields_.reserve(8);
  fields_.push_back(Header{std::string(name), std::string(value)});
}

void Headers::remove(std::string_view name) {
  std::erase_if(fields_, [&](const Header& f) { return iequals(f.name, name); });
}

}  // namespace tollgate::core
