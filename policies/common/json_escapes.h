// A JSON document's bytes with every string escape decoded in place ("\n" becomes a line
// break, "\u00e9" "é"), structure left as it is: what a pattern scanner can run over in one
// pass so that each string value reads exactly as its decoded text, without parsing the
// document into values. The pii stage prescans answers this way before deciding to parse
// them (pii_stage.cpp): a match in any decoded value is a match here too.
#pragma once

#include <string>
#include <string_view>

namespace tollgate::policies {

// Writes `json` with its escapes decoded to `out` (cleared first). False when an escape is
// malformed (an unknown letter, bad hex, a lone surrogate decoded as U+FFFD is fine): the
// caller then falls back to a full parse, which judges the document.
bool decode_json_escapes(std::string_view json, std::string& out);

}  // namespace tollgate::policies
