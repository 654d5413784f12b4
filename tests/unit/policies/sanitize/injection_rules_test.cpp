// The injection score: weights combined so one clear override crosses 0.8 alone and a
// weak signal does not; encoded blocks told apart from hashes and ids.
#include <catch2/catch.hpp>

#include "policies/sanitize/injection_rules.h"

using namespace tollgate::policies::sanitize;

TEST_CASE("scores combine by noisy-OR and are described for the audit line") {
  REQUIRE(injection_score(0) == 0.0);
  REQUIRE(injection_score(bit(Rule::instruction_override)) == Approx(0.85));
  REQUIRE(injection_score(bit(Rule::role_play_jailbreak)) < 0.8);
  REQUIRE(injection_score(bit(Rule::role_play_jailbreak) | bit(Rule::system_prompt_exfiltration)) ==
          Approx(0.88));
  REQUIRE(injection_score(bit(Rule::encoded_block)) < 0.8);
  RuleMask all = (1u << kRuleCount) - 1;
  REQUIRE(injection_score(all) <= 1.0);
  REQUIRE(describe_injection(bit(Rule::instruction_override) | bit(Rule::tool_result_instructions),
                             0.94) == "0.94:instruction_override,tool_result_instructions");
}

TEST_CASE("long base64 or hex runs are encoded blocks; hashes, ids and prose are not") {
  std::string base64;
  for (int i = 0; i < 30; ++i) base64 += "aGVsbG8gV29y";  // 360 characters, mixed
  REQUIRE(has_encoded_block("payload: " + base64 + " end"));
  REQUIRE(has_encoded_block(std::string(130, 'a') + std::string(10, '0')));  // hex run
  REQUIRE_FALSE(has_encoded_block(
      "sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 is fine"));
  REQUIRE_FALSE(has_encoded_block("id 550e8400-e29b-41d4-a716-446655440000"));
  REQUIRE_FALSE(has_encoded_block(std::string(300, 'z')));  // one letter: not base64 data
  std::string prose;
  for (int i = 0; i < 100; ++i) prose += "words and more words ";
  REQUIRE_FALSE(has_encoded_block(prose));
}
