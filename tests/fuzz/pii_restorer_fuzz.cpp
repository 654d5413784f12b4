// A streamed answer rewritten by the pii stage (policies/pii/placeholders.h,
// answer_scan.h, answer_chunks.h): the model's text is the attacker's here. Checked:
//   - a text cut into pieces anywhere restores exactly as the whole text does;
//   - nothing is held back past the end (the flush gives back what was held);
//   - a text cut anywhere and scanned as it streams holds nothing back at the end, and
//     (within the hold-back bounds: short texts) comes out as the whole text scanned;
//   - the answer chunks (scan, then restore) take any bytes as an event without failing,
//     and what they write is JSON they could read again.
// Input: one byte of cut positions (how many), then the text.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>

#include "policies/pii/answer_chunks.h"
#include "policies/pii/answer_scan.h"
#include "policies/pii/placeholders.h"
#include "policies/pii/pseudonyms.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

using namespace tollgate::policies::pii;

const Pseudonyms& pseudonyms() {
  static Pseudonyms* map = [] {
    auto* made = new Pseudonyms();
    made->placeholder("EMAIL", "ann@example.com");
    made->placeholder("EMAIL", "bob@example.org");
    made->placeholder("PHONE", "+1 415 555 0132");
    made->placeholder("EMPLOYEE_ID", "EMP-123456");
    return made;
  }();
  return *map;
}

// Every built-in entity masked, cards blocked.
struct AnswerSetup {
  Scanner scanner =
      Scanner::build({{Builtin::email, Builtin::phone, Builtin::card, Builtin::iban, Builtin::ssn,
                       Builtin::ipv4, Builtin::ipv6, Builtin::secret, Builtin::url_credentials},
                      {}});
  ActionPolicy policy = [this] {
    ActionPolicy p;
    p.by_entity.assign(scanner.entities().size(), Action::mask);
    p.by_entity[id_of(Builtin::card)] = Action::block;
    return p;
  }();
};

const AnswerSetup& answers() {
  static AnswerSetup* setup = new AnswerSetup();
  return *setup;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  std::size_t cuts = data[0] % 8;
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);

  std::string whole;
  if (!pseudonyms().restore(text, whole)) whole.assign(text);

  StreamRestorer restorer;
  std::string streamed;
  std::size_t from = 0;
  for (std::size_t i = 1; i <= cuts && text.size() > 0; ++i) {
    std::size_t to = text.size() * i / (cuts + 1);
    restorer.feed(text.substr(from, to - from), pseudonyms(), streamed);
    from = to;
  }
  restorer.feed(text.substr(from), pseudonyms(), streamed);
  restorer.flush(streamed);
  FUZZ_CHECK(!restorer.holds());
  FUZZ_CHECK(streamed == whole);

  FindingCounts counts;
  AnswerScan scan{answers().scanner, answers().policy, counts, {}};
  AnswerTextScanner scanner(false);
  std::string scanned;
  from = 0;
  for (std::size_t i = 1; i <= cuts && text.size() > 0; ++i) {
    std::size_t to = std::max(from, text.size() * i / (cuts + 1));
    scanner.feed(text.substr(from, to - from), scan, scanned);
    from = to;
  }
  scanner.feed(text.substr(from), scan, scanned);
  scanner.flush(scan, scanned);
  FUZZ_CHECK(!scanner.holds());
  // Within the hold-back bounds (short texts), streamed is exactly as scanned whole.
  std::string scanned_whole;
  if (!act_on_answer_text(text, scan, scanned_whole).changed) scanned_whole.assign(text);
  if (text.size() <= 60) FUZZ_CHECK(scanned == scanned_whole);

  AnswerChunks chunks(&scan, &pseudonyms(), false);
  std::string event(text);
  std::string audit;
  chunks.on_chunk(event, &audit);
  if (event != text) {
    boost::system::error_code ec;
    boost::json::parse(event, ec);
    FUZZ_CHECK(!ec);
  }
  std::vector<std::string> tail;
  chunks.flush(tail, nullptr);
  for (const auto& t : tail) {
    boost::system::error_code ec;
    boost::json::parse(t, ec);
    FUZZ_CHECK(!ec);
  }
  return 0;
}
