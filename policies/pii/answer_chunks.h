// A streamed answer's chunks rewritten by the pii stage's chunk hook, in two steps per
// text of each choice (content, refusal, a completion's text, each tool call's
// arguments): first the model's own findings acted on (AnswerTextScanner, when answers
// are scanned), then the request's placeholders put back (StreamRestorer), so a finding
// or a placeholder split across events at any byte comes out whole. What a text still
// holds is released in the chunk that finishes its choice, or, for a stream cut short, as
// chunks of its own at the end, before [DONE]; also, all of them, in a chunk that opens a
// new block (core::kDialectMember), and the content and earlier calls' arguments when a
// later tool call goes on. A choice whose text hits a `block` finding
// ends there with finish_reason "content_filter"; its later chunks are dropped.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "policies/pii/answer_responses.h"
#include "policies/pii/answer_scan.h"
#include "policies/pii/placeholders.h"

namespace tollgate::policies::pii {

class AnswerChunks {
 public:
  // `scan`: null when answers are not scanned. `map`: the request's placeholders, null
  // when none are put back. `hold_any_window`: see AnswerTextScanner.
  AnswerChunks(AnswerScan* scan, const Pseudonyms* map, bool hold_any_window)
      : scan_(scan),
        map_(map),
        hold_any_window_(hold_any_window),
        responses_(scan, map, hold_any_window) {}

  // Rewrites `data`, one chunk's JSON, when one of its texts changed or was held back;
  // `audit`, when given, gets the chunk as scanned, before placeholders are put back.
  // A Responses stream's events go to ResponsesEvents, which may add events to send
  // before this one (`before`). Data of neither shape is left as it is.
  void on_chunk(std::string& data, std::string* audit, std::vector<ExtraEvent>* before = nullptr);
  // The stream ends: a chunk for each text still holding bytes (their choice never
  // finished), shaped like the last chunk seen; `audit` as for on_chunk. A Responses
  // stream's held texts go to `responses_tail` as deltas.
  void flush(std::vector<std::string>& chunks, std::vector<std::string>* audit,
             std::vector<ExtraEvent>* responses_tail = nullptr);

 private:
  // Which text of which choice: field 0 content, 1 refusal, 2 text, 3 tool arguments.
  struct Slot {
    std::int64_t choice;
    int field;
    std::int64_t tool;
    std::optional<AnswerTextScanner> scanner;
    StreamRestorer restorer;
  };
  enum class Step { scan, restore };

  Slot& slot(std::int64_t choice, int field, std::int64_t tool);
  bool blocked(std::int64_t choice) const;
  // One step over every choice of a chunk; true when a text changed.
  bool pass(boost::json::array& choices, Step step);
  // One step over one text value, in place.
  bool step_text(boost::json::object& holder, const char* key, Slot& s, Step step, bool finishing);
  // A finished choice releases what its texts hold, after this step, into `delta`; with
  // `before_tool`, only its content and the arguments of the calls before that one.
  bool release_choice(boost::json::object& delta, std::int64_t choice, Step step,
                      std::optional<std::int64_t> before_tool = std::nullopt);
  // What one slot holds at the end, through the steps that remain: scanned, then restored.
  void drain(Slot& s, std::string& scanned, std::string& restored);

  AnswerScan* scan_;
  const Pseudonyms* map_;
  bool hold_any_window_;
  std::vector<Slot> slots_;
  ResponsesEvents responses_;
  std::vector<std::int64_t> blocked_;  // choices ended by a `block` finding
  boost::json::object last_;           // id, object, created, model of the last chunk
};

}  // namespace tollgate::policies::pii
