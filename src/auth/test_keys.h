// Test-only helpers: an RSA key made at test time and a JWT checker, so the
// fake token endpoints verify exactly what Google would.
#ifndef OPENTRACK_AUTH_TEST_KEYS_H_
#define OPENTRACK_AUTH_TEST_KEYS_H_

#include <map>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace opentrack::auth::test_keys {

// A fresh 2048-bit RSA key; PEM of the private key and of the public key.
struct TestKey {
  std::string private_pem;
  std::string public_pem;
};
TestKey MakeTestKey();

// A service_account key file's JSON for `key`.
std::string ServiceAccountJson(const TestKey& key, std::string_view token_uri);

struct VerifiedJwt {
  std::string header_json;
  std::string claims_json;
};
// Checks the RS256 signature of `jwt` with `public_pem`.
absl::StatusOr<VerifiedJwt> VerifyJwt(std::string_view jwt, const std::string& public_pem);

// Decodes an application/x-www-form-urlencoded body.
std::map<std::string, std::string> ParseForm(std::string_view body);

}  // namespace opentrack::auth::test_keys

#endif  // OPENTRACK_AUTH_TEST_KEYS_H_
