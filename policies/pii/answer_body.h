// A whole answer's texts scanned by the pii stage (`direction: response` or `both`): every
// text a model writes in a chat completion (content, its text parts, refusal, tool call
// arguments), a completion (text) and a Responses answer (output text parts, function
// call arguments). A `block` finding cuts its text there and ends the choice with
// finish_reason "content_filter" (a Responses answer: status "incomplete", reason
// "content_filter"), as a provider's own output filter does.
#pragma once

#include <string>

#include <boost/json/object.hpp>

#include "policies/pii/answer_scan.h"

namespace tollgate::policies::pii {

// Rewrites `body` (an answer's JSON) when one of its texts changed; false when nothing
// changed or the body is not an answer of a known shape.
bool scan_answer_body(std::string& body, AnswerScan& scan);

// Parts of a streamed Responses answer, already parsed: one output item or content part
// (`content`, `text`, `refusal`, `arguments`), or a whole response object (its `output`).
// True when a text changed.
bool scan_answer_part(boost::json::object& part, AnswerScan& scan);
bool scan_responses_object(boost::json::object& response, AnswerScan& scan);

}  // namespace tollgate::policies::pii
