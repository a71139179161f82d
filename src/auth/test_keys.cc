#include "auth/test_keys.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <vector>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_split.h"
#include "common/json_text.h"

namespace opentrack::auth::test_keys {
namespace {

std::string BioToString(BIO* bio) {
  char* data = nullptr;
  long size = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(size));
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return 0;
}

std::string UrlDecode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      out.push_back(static_cast<char>(HexValue(s[i + 1]) * 16 + HexValue(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i] == '+' ? ' ' : s[i]);
    }
  }
  return out;
}

}  // namespace

TestKey MakeTestKey() {
  EVP_PKEY* pkey = EVP_RSA_gen(2048);
  BIO* priv = BIO_new(BIO_s_mem());
  BIO* pub = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(priv, pkey, nullptr, nullptr, 0, nullptr, nullptr);
  PEM_write_bio_PUBKEY(pub, pkey);
  TestKey key{BioToString(priv), BioToString(pub)};
  BIO_free(priv);
  BIO_free(pub);
  EVP_PKEY_free(pkey);
  return key;
}

std::string ServiceAccountJson(const TestKey& key, std::string_view token_uri) {
  std::string json = R"({"type":"service_account","project_id":"proj","private_key_id":"kid-1",)";
  json += R"("private_key":)";
  AppendJsonString(&json, key.private_pem);
  json += R"(,"client_email":"sa@proj.iam.gserviceaccount.com","token_uri":)";
  AppendJsonString(&json, token_uri);
  json += "}";
  return json;
}

absl::StatusOr<VerifiedJwt> VerifyJwt(std::string_view jwt, const std::string& public_pem) {
  std::vector<std::string> parts = absl::StrSplit(absl::string_view(jwt.data(), jwt.size()), '.');
  if (parts.size() != 3) return absl::InvalidArgumentError("JWT must have three parts");
  VerifiedJwt out;
  std::string signature;
  if (!absl::WebSafeBase64Unescape(parts[0], &out.header_json) ||
      !absl::WebSafeBase64Unescape(parts[1], &out.claims_json) ||
      !absl::WebSafeBase64Unescape(parts[2], &signature)) {
    return absl::InvalidArgumentError("JWT part is not base64url");
  }
  std::string signed_part = parts[0] + "." + parts[1];
  BIO* bio = BIO_new_mem_buf(public_pem.data(), static_cast<int>(public_pem.size()));
  EVP_PKEY* pkey = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  bool ok =
      pkey != nullptr && EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, pkey) == 1 &&
      EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(signature.data()),
                       signature.size(), reinterpret_cast<const unsigned char*>(signed_part.data()),
                       signed_part.size()) == 1;
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(pkey);
  if (!ok) return absl::UnauthenticatedError("JWT signature does not verify");
  return out;
}

std::map<std::string, std::string> ParseForm(std::string_view body) {
  std::map<std::string, std::string> form;
  for (absl::string_view pair : absl::StrSplit(absl::string_view(body.data(), body.size()), '&')) {
    size_t eq = pair.find('=');
    if (eq == absl::string_view::npos) continue;
    form[UrlDecode(std::string_view(pair.data(), eq))] =
        UrlDecode(std::string_view(pair.data() + eq + 1, pair.size() - eq - 1));
  }
  return form;
}

}  // namespace opentrack::auth::test_keys
