// Word lists for custom entities: reading a words file, and each term as a Vectorscan
// pattern that matches it as a whole word, ignoring ASCII case.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace tollgate::policies::pii {

// One term a line; surrounding spaces and tabs trimmed, blank lines and CR skipped.
std::vector<std::string> parse_word_list(std::string_view contents);

// The term with every byte but letters and digits escaped (\xHH), between word
// boundaries where its first or last byte is a word character ("C++" gets one only
// before it, or it would never match before a space).
std::string word_pattern(std::string_view term);

}  // namespace tollgate::policies::pii
