// Request-target normalisation: what the gateway matches is what it forwards, and what a
// provider's server could read differently is refused.
#include <catch2/catch.hpp>

#include <string>

#include "gateway/pipeline/request_path.h"

using tollgate::gateway::pipeline::normalize_request_target;

namespace {

struct Normalised {
  std::string refusal;
  std::string path;
  std::string target;
};

Normalised normalise(std::string target) {
  std::string path = target.substr(0, target.find('?'));
  std::string refusal(normalize_request_target(target, path));
  return {refusal, path, target};
}

void requires_path(const std::string& sent, const std::string& path) {
  CAPTURE(sent);
  Normalised n = normalise(sent);
  REQUIRE(n.refusal.empty());
  REQUIRE(n.path == path);
}

void requires_refusal(const std::string& sent) {
  CAPTURE(sent);
  REQUIRE_FALSE(normalise(sent).refusal.empty());
}

}  // namespace

TEST_CASE("ordinary paths are left as they are") {
  requires_path("/v1/chat/completions", "/v1/chat/completions");
  requires_path("/v1/models/ft:gpt-4o-mini:org:custom:abc123",
                "/v1/models/ft:gpt-4o-mini:org:custom:abc123");
  requires_path("/v1/files/file-abc_123.jsonl", "/v1/files/file-abc_123.jsonl");
  requires_path("/v1/models/", "/v1/models/");
  requires_path("/", "/");
  Normalised n = normalise("/v1/responses?stream=true&x=%2e%2e/");
  REQUIRE(n.refusal.empty());
  REQUIRE(n.path == "/v1/responses");
  REQUIRE(n.target == "/v1/responses?stream=true&x=%2e%2e/");  // the query is not a path
}

TEST_CASE("dot-segments are resolved as a provider's server would, encoded or not") {
  requires_path("/v1/x/../../internal/admin", "/internal/admin");
  requires_path("/v1/%2e%2e/internal/admin", "/internal/admin");
  requires_path("/v1/x/%2E%2e/%2e./internal", "/internal");
  requires_path("/v1/x/.%2e/.%2E/internal/admin", "/internal/admin");
  requires_path("/v1/./chat/completions", "/v1/chat/completions");
  requires_path("/v1/x/../chat/completions", "/v1/chat/completions");
  requires_path("/v1/x/..", "/v1/");
  requires_path("/v1/.", "/v1/");
  requires_path("/v1/%63hat/completions", "/v1/chat/completions");  // %63 is 'c'
  Normalised n = normalise("/v1/x/../responses?a=b");
  REQUIRE(n.target == "/v1/responses?a=b");
}

TEST_CASE("what servers read differently is refused") {
  requires_refusal("/v1/x/..%2f..%2finternal/admin");  // encoded slash
  requires_refusal("/v1/x%2F..%2F..%2Finternal");
  requires_refusal("/v1/..\\internal");       // backslash
  requires_refusal("/v1/x%5c..%5cinternal");  // encoded backslash
  requires_refusal("/v1/x%00/y");             // NUL
  requires_refusal("/v1/x%0a/y");
  requires_refusal("/v1/x/..;/..;/internal/admin");  // Tomcat's path parameters
  requires_refusal("/v1/x%3b/y");
  requires_refusal("/v1/%252e%252e/internal");  // double encoding
  requires_refusal("/v1//chat/completions");    // empty segment
  requires_refusal("/v1/x/..//..//internal");
  requires_refusal("/v1/../../internal");  // above the root
  requires_refusal("/..");
  requires_refusal("/v1/%2");  // malformed encodings
  requires_refusal("/v1/%zz");
  requires_refusal("/v1/chat/completions#frag");
  requires_refusal("/v1/responses?a=b#frag");
  requires_refusal("/v1/caf\xc3\xa9");  // raw UTF-8, not encoded
  requires_refusal("/v1/a b");
  requires_refusal("http://127.0.0.1/v1/chat/completions");  // absolute-form
  requires_refusal("*");
  requires_refusal("");
}
