// A streamed Responses answer (`/v1/responses` with stream: true, the Vercel AI SDK's
// default) rewritten by the pii stage, event by event: each text delta
// (response.output_text.delta, .refusal.delta, .function_call_arguments.delta) goes
// through its own AnswerTextScanner and StreamRestorer as a chat choice's content does
// (answer_chunks.h); what a text still holds is released as one more delta just before
// its `.done` event; the events that repeat whole texts (the `.done` events, content
// parts, output items, the response object of response.completed) are scanned whole and
// have the placeholders put back in their JSON.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <boost/json/object.hpp>

#include "policies/pii/answer_scan.h"
#include "policies/pii/placeholders.h"

namespace tollgate::policies::pii {

// An event to send before the one being rewritten: its SSE event name and data.
struct ExtraEvent {
  std::string event;
  std::string data;        // for the client
  std::string audit_data;  // scanned, placeholders not put back: for the audit line
};

class ResponsesEvents {
 public:
  ResponsesEvents(AnswerScan* scan, const Pseudonyms* map, bool hold_any_window)
      : scan_(scan), map_(map), hold_any_window_(hold_any_window) {}

  // Whether `event` is an event of a Responses stream (its `type` starts "response.").
  static bool is_responses_event(const boost::json::object& event);

  // Rewrites `data` (parsed as `event`); `audit` gets it as scanned, before placeholders are
  // put back; `before` gets the events to send ahead of it.
  void on_event(boost::json::object& event, std::string& data, std::string* audit,
                std::vector<ExtraEvent>& before);
  // The stream ends: a delta for each text still holding bytes.
  void flush(std::vector<ExtraEvent>& tail);

 private:
  struct Slot {
    std::int64_t output;
    std::int64_t content;
    bool arguments;
    std::optional<AnswerTextScanner> scanner;
    StreamRestorer restorer;
    boost::json::object fields;  // item_id, output_index, content_index of its deltas
  };
  Slot& slot(const boost::json::object& event, bool arguments);
  // What a slot holds, released: scanned (for the audit) and as the client gets it.
  void release(Slot& s, std::string& scanned, std::string& restored);
  ExtraEvent delta_event(const Slot& s, const std::string& scanned, const std::string& restored);
  // Scans the texts of a whole part, item or response in `event`; true when one changed.
  bool scan_whole(boost::json::object& event);

  AnswerScan* scan_;
  const Pseudonyms* map_;
  bool hold_any_window_;
  std::vector<Slot> slots_;
  FindingCounts repeated_;  // findings in texts that repeat the deltas: not counted twice
};

}  // namespace tollgate::policies::pii
