// An ordered, case-insensitive list of HTTP header fields: the only header type the
// code outside gateway/ sees, so that policies and providers compile without Beast.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tollgate::core {

bool iequals(std::string_view a, std::string_view b);

// Appends "name: value\r\n" to a hand-written HTTP/1.1 head, unless the field is one the
// writer sets itself (`owned`, any case) or would break the head (an empty name, a CR or
// LF anywhere, as a config file could carry). Returns whether it was written.
bool append_field(std::string& head, std::string_view name, std::string_view value,
                  std::span<const std::string_view> owned);

struct Header {
  std::string name;
  std::string value;
};

class Headers {
 public:
  using const_iterator = std::vector<Header>::const_iterator;

  // The first value of `name`, or empty when absent.
  std::string_view get(std::string_view name) const;
  bool has(std::string_view name) const;
  // Replaces every field called `name` with one field.
  void set(std::string_view name, std::string_view value);
  void add(std::string_view name, std::string_view value);
  void remove(std::string_view name);

  const_iterator begin() const { return fields_.begin(); }
  const_iterator end() const { return fields_.end(); }
  std::size_t size() const { return fields_.size(); }
  bool empty() const { return fields_.empty(); }
  void clear() { fields_.clear(); }

 private:
  std::vector<Header> fields_;
};

}  // namespace tollgate::core
