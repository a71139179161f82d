#include "auth/service_account_credentials.h"

#include <openssl/evp.h>
#include <openssl/pem.h>

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "auth/json_fields.h"
#include "auth/token_exchange.h"
#include "common/json_text.h"
#include "http_client/internal/str_cat.h"

namespace opentrack::auth {

using http_client_internal::Cat;
namespace {

// A token lives one hour; Google rejects a longer `exp`.
constexpr absl::Duration kAssertionLifetime = absl::Hours(1);

std::string Base64Url(std::string_view s) {
  return absl::WebSafeBase64Escape(absl::string_view(s.data(), s.size()));
}

EVP_PKEY* LoadPrivateKey(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  if (bio == nullptr) return nullptr;
  EVP_PKEY* pkey = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  return pkey;
}

absl::StatusOr<std::string> SignRs256(EVP_PKEY* pkey, std::string_view data) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  if (ctx == nullptr) return absl::InternalError("EVP_MD_CTX_new failed");
  std::string signature;
  size_t length = 0;
  bool ok = EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, pkey) == 1 &&
            EVP_DigestSign(ctx, nullptr, &length,
                           reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1;
  if (ok) {
    signature.resize(length);
    ok = EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(signature.data()), &length,
                        reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1;
    signature.resize(length);
  }
  EVP_MD_CTX_free(ctx);
  if (!ok) return absl::InternalError("RS256 signing of the JWT assertion failed");
  return signature;
}

}  // namespace

absl::StatusOr<ServiceAccountKey> ParseServiceAccountKey(std::string_view json,
                                                         std::string_view source) {
  simdjson::dom::parser parser;
  auto object = auth_internal::ParseObject(parser, json, source);
  if (!object.ok()) return object.status();
  ServiceAccountKey key;
  auto email = auth_internal::RequiredString(*object, "client_email", source);
  if (!email.ok()) return email.status();
  auto private_key = auth_internal::RequiredString(*object, "private_key", source);
  if (!private_key.ok()) return private_key.status();
  key.client_email = *std::move(email);
  key.private_key = *std::move(private_key);
  key.private_key_id = auth_internal::OptionalString(*object, "private_key_id", "");
  key.token_uri = auth_internal::OptionalString(*object, "token_uri", kDefaultTokenUri);
  key.project_id = auth_internal::OptionalString(*object, "project_id", "");
  return key;
}

absl::StatusOr<std::unique_ptr<ServiceAccountCredentials>> ServiceAccountCredentials::Create(
    ServiceAccountKey key, std::shared_ptr<http_client::HttpClient> http, Clock* clock,
    std::string scope) {
  EVP_PKEY* pkey = LoadPrivateKey(key.private_key);
  if (pkey == nullptr) {
    return absl::InvalidArgumentError(
        Cat("service account ", key.client_email, ": field \"private_key\" is not a PEM key"));
  }
  return std::unique_ptr<ServiceAccountCredentials>(new ServiceAccountCredentials(
      std::move(key), pkey, std::move(http), clock, std::move(scope)));
}

ServiceAccountCredentials::ServiceAccountCredentials(ServiceAccountKey key, void* pkey,
                                                     std::shared_ptr<http_client::HttpClient> http,
                                                     Clock* clock, std::string scope)
    : CachingCredentials(clock),
      key_(std::move(key)),
      pkey_(pkey),
      http_(std::move(http)),
      scope_(std::move(scope)) {}

ServiceAccountCredentials::~ServiceAccountCredentials() {
  EVP_PKEY_free(static_cast<EVP_PKEY*>(pkey_));
}

absl::StatusOr<std::string> ServiceAccountCredentials::MakeAssertion(absl::Time now) const {
  std::string header = R"({"alg":"RS256","typ":"JWT")";
  if (!key_.private_key_id.empty()) {
    header += R"(,"kid":)";
    AppendJsonString(&header, key_.private_key_id);
  }
  header += "}";
  int64_t iat = absl::ToUnixSeconds(now);
  std::string claims = R"({"iss":)";
  AppendJsonString(&claims, key_.client_email);
  claims += R"(,"scope":)";
  AppendJsonString(&claims, scope_);
  claims += R"(,"aud":)";
  AppendJsonString(&claims, key_.token_uri);
  claims += R"(,"iat":)";
  AppendJsonInt(&claims, iat);
  claims += R"(,"exp":)";
  AppendJsonInt(&claims, iat + absl::ToInt64Seconds(kAssertionLifetime));
  claims += "}";
  std::string signing_input = Cat(Base64Url(header), ".", Base64Url(claims));
  auto signature = SignRs256(static_cast<EVP_PKEY*>(pkey_), signing_input);
  if (!signature.ok()) return signature.status();
  return Cat(signing_input, ".", Base64Url(*signature));
}

absl::StatusOr<AccessToken> ServiceAccountCredentials::FetchToken(absl::Time now) {
  auto assertion = MakeAssertion(now);
  if (!assertion.ok()) return assertion.status();
  http_client::HttpRequest request;
  request.method = "POST";
  request.url = key_.token_uri;
  request.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
  request.body =
      Cat("grant_type=", http_client::UrlEncode("urn:ietf:params:oauth:grant-type:jwt-bearer"),
          "&assertion=", *assertion);
  return ExchangeToken(
      *http_, request, now,
      Cat("token endpoint ", key_.token_uri, " (service account ", key_.client_email, ")"));
}

}  // namespace opentrack::auth
