// Placeholders put back into a streamed answer (policies/pii/placeholders.h and
// chunk_restorer.h): the model's text is the attacker's here. Checked:
//   - a text cut into pieces anywhere restores exactly as the whole text does;
//   - nothing is held back past the end (the flush gives back what was held);
//   - the chunk restorer takes any bytes as an event without failing, and what it writes
//     is JSON it could read again.
// Input: one byte of cut positions (how many), then the text.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>

#include "policies/pii/chunk_restorer.h"
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

  ChunkRestorer chunks(pseudonyms());
  std::string event(text);
  chunks.on_chunk(event);
  if (event != text) {
    boost::system::error_code ec;
    boost::json::parse(event, ec);
    FUZZ_CHECK(!ec);
  }
  std::vector<std::string> tail;
  chunks.flush(tail);
  for (const auto& t : tail) {
    boost::system::error_code ec;
    boost::json::parse(t, ec);
    FUZZ_CHECK(!ec);
  }
  return 0;
}
