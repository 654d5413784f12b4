// An ordered, case-insensitive list of HTTP header fields: the only header type the
// code outside gateway/ sees, so that policies and providers compile without Beast.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tollgate::core {

// ASCII case-insensitive equality, for header names. Inline: a response head compares
// each field's name with every earlier one and with the framing names, and nearly every
// comparison ends at the sizes; a call into another translation unit for each was ~1% of
// a request's CPU.
inline bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x == y) continue;
    if (static_cast<char>(x | 0x20) != static_cast<char>(y | 0x20)) return false;
    // Equal but for bit 0x20: a letter in two cases, or a pair like '@' and '`'.
    char lower = static_cast<char>(x | 0x20);
    if (lower < 'a' || lower > 'z') return false;
  }
  return true;
}

// Appends "name: value\r\n" to a hand-written HTTP/1.1 head, unless the field is one the
// writer sets itself (`owned`, any case) or would break the head (an empty name, a CR or
// LF anywhere, as a config file could carry). Returns whether it was written.
bool append_field(std::string& head, std::string_view name, std::string_view value,
                  std::span<const std::string_view> owned);

// One field as the list hands it out: views into the list, valid until it changes.
struct HeaderField {
  std::string_view name;
  std::string_view value;
};

// Fields are kept back to back in one string, with a small index beside it: two heap
// blocks for a whole list, where a vector of string pairs took one per long name or
// value. A proxied request copies several lists and a stream holds five for minutes.
class Headers {
 public:
  class const_iterator {
   public:
    using value_type = HeaderField;
    using difference_type = std::ptrdiff_t;
    const_iterator() = default;
    const_iterator(const Headers* list, std::size_t index) : list_(list), index_(index) {}
    HeaderField operator*() const { return list_->field(index_); }
    const_iterator& operator++() {
      ++index_;
      return *this;
    }
    const_iterator operator++(int) {
      const_iterator before = *this;
      ++index_;
      return before;
    }
    bool operator==(const const_iterator& other) const { return index_ == other.index_; }

   private:
    const Headers* list_ = nullptr;
    std::size_t index_ = 0;
  };

  // The first value of `name`, or empty when absent.
  std::string_view get(std::string_view name) const;
  bool has(std::string_view name) const;
  // Replaces every field called `name` with one field.
  void set(std::string_view name, std::string_view value);
  void add(std::string_view name, std::string_view value);
  void remove(std::string_view name);

  const_iterator begin() const { return {this, 0}; }
  const_iterator end() const { return {this, entries_.size()}; }
  std::size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  void clear() {
    entries_.clear();
    bytes_.clear();
  }
  // Empties the list and gives its memory back: for lists an open stream would otherwise
  // hold for minutes. (Assigning an empty list would keep the string's block.)
  void release() {
    std::string().swap(bytes_);
    std::vector<Entry>().swap(entries_);
  }

 private:
  struct Entry {
    std::uint32_t offset;  // of the name in bytes_; the value follows it
    std::uint32_t name_size;
    std::uint32_t value_size;
  };
  bool points_into(std::string_view text) const;
  HeaderField field(std::size_t index) const {
    const Entry& e = entries_[index];
    std::string_view all = bytes_;
    return {all.substr(e.offset, e.name_size), all.substr(e.offset + e.name_size, e.value_size)};
  }

  std::string bytes_;
  std::vector<Entry> entries_;
};

}  // namespace tollgate::core
