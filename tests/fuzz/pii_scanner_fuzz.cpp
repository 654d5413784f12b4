// The pii scanner (policies/pii/) reads every text a client sends and a model writes.
// Every built-in entity, a custom pattern and a word list on. Checked:
//   - findings lie within the text, are sorted, never overlap, and name a known entity;
//   - applying every action (mask, redact, hash, pseudonymize) to valid UTF-8 gives valid
//     UTF-8: no finding cuts a character in two;
//   - pseudonymized text restores to the input exactly (when the input holds no '[',
//     which could spell a placeholder of its own);
//   - scanning is deterministic: a second scan finds the same.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "policies/pii/actions.h"
#include "policies/pii/scanner.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

using namespace tollgate::policies::pii;

const Scanner& scanner() {
  static const Scanner built = [] {
    ScannerSpec spec;
    for (std::size_t i = 0; i < kBuiltinCount; ++i)
      spec.builtins.push_back(static_cast<Builtin>(i));
    spec.custom.push_back({"employee_id", "EMP-[0-9]{6}", {}});
    spec.custom.push_back({"codename", "", {"Blue Falcon", "nightjar", "C++"}});
    return Scanner::build(spec);
  }();
  return built;
}

// RFC 3629: no overlong forms, no surrogates, nothing past U+10FFFF.
bool valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = 0;
    unsigned cp = 0;
    unsigned min = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      n = 1, cp = c & 0x1F, min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2, cp = c & 0x0F, min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3, cp = c & 0x07, min = 0x10000;
    } else {
      return false;
    }
    if (i + n >= s.size()) return false;
    for (std::size_t k = 1; k <= n; ++k) {
      auto d = static_cast<unsigned char>(s[i + k]);
      if ((d & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (d & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n + 1;
  }
  return true;
}

ActionPolicy policy_of(Action action) {
  ActionPolicy policy;
  policy.by_entity.assign(scanner().entities().size(), action);
  policy.hash_key = "fuzz";
  return policy;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<Finding> findings;
  scanner().scan(text, findings);
  std::size_t last_end = 0;
  for (const Finding& f : findings) {
    FUZZ_CHECK(f.begin < f.end);
    FUZZ_CHECK(f.end <= size);
    FUZZ_CHECK(f.begin >= last_end);
    FUZZ_CHECK(f.entity < scanner().entities().size());
    last_end = f.end;
  }
  std::vector<Finding> again;
  scanner().scan(text, again);
  FUZZ_CHECK(again == findings);
  if (findings.empty()) return 0;

  bool utf8 = valid_utf8(text);
  for (Action action : {Action::mask, Action::redact, Action::hash, Action::pseudonymize}) {
    Pseudonyms pseudonyms;
    std::string out;
    Applied applied =
        apply_actions(text, findings, scanner().entities(), policy_of(action), pseudonyms, out);
    FUZZ_CHECK(applied.changed && !applied.blocked);
    if (utf8) FUZZ_CHECK(valid_utf8(out));
    if (action == Action::pseudonymize && text.find('[') == std::string_view::npos) {
      std::string restored;
      FUZZ_CHECK(pseudonyms.restore(out, restored));
      FUZZ_CHECK(restored == text);
    }
  }
  return 0;
}
