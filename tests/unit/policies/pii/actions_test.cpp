// Actions on findings: what replaces a value, block, detect, placeholders stable within a
// request and restored, hash tags stable across requests.
#include <catch2/catch.hpp>

#include "policies/pii/actions.h"

using namespace tollgate::policies::pii;

namespace {

struct Fixture {
  Scanner scanner = Scanner::build(
      {{Builtin::email, Builtin::phone, Builtin::card}, {{"employee_id", "EMP-[0-9]{6}", {}}}});
  ActionPolicy policy;
  Pseudonyms pseudonyms;
  std::vector<Finding> findings;
  std::string out;

  Applied run(std::string_view text) {
    scanner.scan(text, findings);
    return apply_actions(text, findings, scanner.entities(), policy, pseudonyms, out);
  }
  void set(EntityId entity, Action action) {
    if (policy.by_entity.size() <= entity) policy.by_entity.resize(entity + 1, Action::none);
    policy.by_entity[entity] = action;
  }
};

constexpr EntityId kEmployee = kBuiltinCount;

}  // namespace

TEST_CASE("mask, redact and hash replace the value", "[pii]") {
  Fixture f;
  f.set(id_of(Builtin::email), Action::mask);
  f.set(id_of(Builtin::phone), Action::redact);
  f.set(kEmployee, Action::hash);
  f.policy.hash_key = "k";
  Applied applied = f.run("mail a@example.com, call 415-555-2671, id EMP-123456.");
  REQUIRE(applied.changed);
  CHECK(f.out == "mail [EMAIL], call , id " + hash_tag("EMPLOYEE_ID", "k", "EMP-123456") + ".");
  CHECK(hash_tag("EMAIL", "k", "a@example.com").size() == std::string("[EMAIL_]").size() + 12);
  CHECK(hash_tag("EMAIL", "k", "a@example.com") == hash_tag("EMAIL", "k", "a@example.com"));
  CHECK(hash_tag("EMAIL", "k", "a@example.com") != hash_tag("EMAIL", "k2", "a@example.com"));
}

TEST_CASE("hash is HMAC-SHA256 with the key, first 12 hex digits", "[pii]") {
  // RFC 4231 test case 2: HMAC-SHA256("Jefe", "what do ya want for nothing?") = 5bdcc146bf60...
  CHECK(hash_tag("X", "Jefe", "what do ya want for nothing?") == "[X_5bdcc146bf60]");
}

TEST_CASE("pseudonymize: the same value, the same placeholder; restored in the answer", "[pii]") {
  Fixture f;
  f.set(id_of(Builtin::email), Action::pseudonymize);
  f.set(kEmployee, Action::pseudonymize);
  REQUIRE(f.run("a@example.com wrote to b@example.com and a@example.com; EMP-000001").changed);
  CHECK(f.out == "[EMAIL_1] wrote to [EMAIL_2] and [EMAIL_1]; [EMPLOYEE_ID_1]");
  REQUIRE(f.run("again b@example.com").changed);  // the same request: the same map
  CHECK(f.out == "again [EMAIL_2]");
  std::string restored;
  REQUIRE(f.pseudonyms.restore("Dear [EMAIL_2], re [[EMAIL_1]] and [EMAIL_9] [EMPLOYEE_ID_1]",
                               restored));
  CHECK(restored == "Dear b@example.com, re [a@example.com] and [EMAIL_9] EMP-000001");
  CHECK_FALSE(f.pseudonyms.restore("nothing here [EMAIL_", restored));
  CHECK(*f.pseudonyms.value_of("[EMAIL_1]") == "a@example.com");
  CHECK(f.pseudonyms.value_of("[EMAIL_3]") == nullptr);
}

TEST_CASE("block reports the entity and writes nothing", "[pii]") {
  Fixture f;
  f.set(id_of(Builtin::email), Action::mask);
  f.set(id_of(Builtin::card), Action::block);
  f.out = "untouched";
  Applied applied = f.run("a@example.com pays with 4111 1111 1111 1111");
  CHECK(applied.blocked == id_of(Builtin::card));
  CHECK_FALSE(applied.changed);
  CHECK(f.out == "untouched");
}

TEST_CASE("detect and none leave the text alone and copy nothing", "[pii]") {
  Fixture f;
  f.set(id_of(Builtin::email), Action::detect);  // phone: none (left out by an override)
  f.out = "untouched";
  Applied applied = f.run("a@example.com or 415-555-2671");
  CHECK(f.findings.size() == 2);
  CHECK_FALSE(applied.changed);
  CHECK_FALSE(applied.blocked);
  CHECK(f.out == "untouched");
}

TEST_CASE("action names read as the config spells them", "[pii]") {
  for (Action a : {Action::detect, Action::mask, Action::redact, Action::hash, Action::pseudonymize,
                   Action::block}) {
    CHECK(parse_action(action_name(a)) == a);
  }
  CHECK_FALSE(parse_action("none"));
  CHECK_FALSE(parse_action("Mask"));
  CHECK(tag_of("url_credentials") == "URL_CREDENTIALS");
}
