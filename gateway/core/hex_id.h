// A W3C trace or span id held inline: lowercase hex of a fixed length, or empty. Trace
// ids (32 characters) and span ids (16) are longer than std::string's small buffer, so as
// strings they were three heap blocks per request.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <span>
#include <string_view>

namespace tollgate::core {

template <std::size_t N>
class HexId {
 public:
  bool empty() const { return size_ == 0; }
  std::string_view view() const { return {chars_.data(), size_}; }
  operator std::string_view() const { return view(); }  // NOLINT: used as text everywhere

  // Keeps at most N characters of `text` (callers pass validated ids of length N).
  HexId& operator=(std::string_view text) {
    size_ = std::min(text.size(), N);
    std::copy_n(text.data(), size_, chars_.data());
    return *this;
  }
  // The whole buffer, for a writer that fills all N characters.
  std::span<char, N> fill() {
    size_ = N;
    return std::span<char, N>(chars_);
  }

 private:
  std::array<char, N> chars_{};
  std::size_t size_ = 0;
};

}  // namespace tollgate::core
