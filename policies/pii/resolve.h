// Overlapping findings to one answer, deterministically: the longest wins, then the
// earliest, then the lower entity id ("+1 415 555 2671" is one phone, not a phone and a
// shorter one inside; a URL's credentials hold a token and win over it).
#pragma once

#include <vector>

#include "policies/pii/scanner.h"

namespace tollgate::policies::pii {

// Sorts `candidates` (reordered in place) and writes the kept ones to `out`, by begin.
// Empty spans are dropped.
void resolve_overlaps(std::vector<Finding>& candidates, std::vector<Finding>& out);

}  // namespace tollgate::policies::pii
