// A request the gateway makes on its own account while serving a client's request (the
// cache's embeddings call): sent through the router of the client request's own config
// snapshot, so the model's keys, retries, breakers and fallbacks apply, but through no
// stage (no key, quota, pii or cache of the client's). The pipeline provides it to the
// stages through Exchange::subrequests; it is null where there is no pipeline (tests).
#pragma once

#include <string>

#include <boost/asio/awaitable.hpp>

#include "gateway/core/config.h"
#include "gateway/core/exchange.h"

namespace tollgate::core {

struct Subrequest {
  Operation operation = Operation::embeddings;  // embeddings, chat_completions or completions
  std::string body;                             // the JSON body, its model a model of the config
  Duration timeout{1000};                       // the whole call: attempts, retries and fallbacks
};

struct SubrequestResult {
  // ok: a 2xx answer came whole (in `body`). refused: the provider's own non-2xx answer.
  // failed: no answer (the chain was spent, an unknown model, a bad body). timeout: none
  // came in time. cancelled: the client of the parent request hung up.
  enum class Outcome { ok, refused, failed, timeout, cancelled };
  Outcome outcome = Outcome::failed;
  int status = 0;
  std::string body;
  Usage usage;         // what the provider reported (or nothing)
  std::string served;  // the target that answered ("provider/model"), when one did
  std::string detail;  // for logs; never a secret
};

class Subrequests {
 public:
  virtual ~Subrequests() = default;
  // Sends `request` and waits for its answer, at most `request.timeout`, or until the
  // client of `parent` hangs up: then it is abandoned (its upstream connection closed at
  // once) and the caller goes on. Never throws. Single-threaded: `parent`'s thread.
  virtual boost::asio::awaitable<void> call(Exchange& parent, Subrequest& request,
                                            SubrequestResult& result) = 0;
};

inline std::string_view to_string(SubrequestResult::Outcome outcome) {
  switch (outcome) {
    case SubrequestResult::Outcome::ok:
      return "ok";
    case SubrequestResult::Outcome::refused:
      return "refused";
    case SubrequestResult::Outcome::failed:
      return "failed";
    case SubrequestResult::Outcome::timeout:
      return "timeout";
    case SubrequestResult::Outcome::cancelled:
      return "cancelled";
  }
  return "failed";
}

}  // namespace tollgate::core
