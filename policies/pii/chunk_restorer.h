// Placeholders restored in a streamed answer, chunk by chunk (the pii stage's chunk hook):
// each text of each choice (content, refusal, a completion's text, each tool call's
// arguments) goes through its own StreamRestorer, so a placeholder split across events at
// any byte comes out whole. What a text still holds is released when its choice finishes
// (in the chunk that carries finish_reason), or, for a stream cut short, as chunks of its
// own at the end, before [DONE].
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <boost/json/object.hpp>

#include "policies/pii/placeholders.h"

namespace tollgate::policies::pii {

class ChunkRestorer {
 public:
  explicit ChunkRestorer(const Pseudonyms& map) : map_(map) {}

  // Rewrites `data`, one chunk's JSON, when one of its texts changed or was held back.
  // Data that is not a chunk of OpenAI's shape is left as it is.
  void on_chunk(std::string& data);
  // The stream ends: a chunk for each text still holding bytes (their choice never
  // finished), shaped like the last chunk seen.
  void flush(std::vector<std::string>& chunks);

 private:
  // Which text of which choice: field 0 content, 1 refusal, 2 text, 3 tool arguments.
  struct Slot {
    std::int64_t choice;
    int field;
    std::int64_t tool;
    StreamRestorer restorer;
  };
  StreamRestorer& slot(std::int64_t choice, int field, std::int64_t tool);
  // Restores one text value in place; true when it changed.
  bool restore(boost::json::object& holder, const char* key, std::int64_t choice, int field,
               std::int64_t tool);
  // A finished choice releases what its texts hold into `delta`.
  bool release_choice(boost::json::object& delta, std::int64_t choice);

  const Pseudonyms& map_;
  std::vector<Slot> slots_;
  boost::json::object last_;  // id, object, created, model of the last chunk
};

}  // namespace tollgate::policies::pii
