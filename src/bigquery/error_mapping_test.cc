#include "bigquery/error_mapping.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "common/error_code.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace opentrack::bigquery {
namespace {

using ::testing::HasSubstr;

std::string Envelope(int code, const std::string& reason, const std::string& message) {
  return absl::StrCat(R"({"error":{"code":)", code, R"(,"message":")", message,
                      R"(","errors":[{"message":")", message, R"(","domain":"global","reason":")",
                      reason, R"("}],"status":"X"}})");
}

struct Case {
  int http;
  std::string reason;
  absl::StatusCode code;
};

class ErrorMappingTable : public ::testing::TestWithParam<Case> {};

TEST_P(ErrorMappingTable, MapsCodeAndKeepsReasonAndMessage) {
  const Case& c = GetParam();
  absl::Status status = MapHttpError(c.http, Envelope(c.http, c.reason, "Something: p:d.t"));
  EXPECT_EQ(status.code(), c.code) << c.http << " " << c.reason;
  EXPECT_EQ(ErrorReason(status), c.reason);
  EXPECT_EQ(ErrorCode(status), c.reason);
  EXPECT_THAT(std::string(status.message()), HasSubstr("Something: p:d.t"));
  EXPECT_THAT(std::string(status.message()), HasSubstr(absl::StrCat("HTTP ", c.http)));
}

INSTANTIATE_TEST_SUITE_P(
    Reasons, ErrorMappingTable,
    ::testing::Values(Case{400, "invalid", absl::StatusCode::kInvalidArgument},
                      Case{400, "invalidQuery", absl::StatusCode::kInvalidArgument},
                      Case{400, "badRequest", absl::StatusCode::kInvalidArgument},
                      Case{400, "jobBackendError", absl::StatusCode::kInvalidArgument},
                      Case{401, "authError", absl::StatusCode::kUnauthenticated},
                      Case{403, "accessDenied", absl::StatusCode::kPermissionDenied},
                      Case{403, "billingNotEnabled", absl::StatusCode::kPermissionDenied},
                      Case{403, "rateLimitExceeded", absl::StatusCode::kResourceExhausted},
                      Case{403, "quotaExceeded", absl::StatusCode::kResourceExhausted},
                      Case{404, "notFound", absl::StatusCode::kNotFound},
                      Case{409, "duplicate", absl::StatusCode::kAlreadyExists},
                      Case{412, "conditionNotMet", absl::StatusCode::kFailedPrecondition},
                      Case{429, "rateLimitExceeded", absl::StatusCode::kResourceExhausted},
                      Case{500, "internalError", absl::StatusCode::kUnavailable},
                      Case{500, "backendError", absl::StatusCode::kUnavailable},
                      Case{502, "backendError", absl::StatusCode::kUnavailable},
                      Case{503, "backendError", absl::StatusCode::kUnavailable},
                      Case{504, "backendError", absl::StatusCode::kUnavailable}));

TEST(ErrorMappingTest, SuccessIsOk) {
  EXPECT_TRUE(MapHttpError(200, "{}").ok());
  EXPECT_TRUE(MapHttpError(204, "").ok());
}

TEST(ErrorMappingTest, HtmlPayloadTooLargeSurvives) {
  absl::Status status = MapHttpError(
      413, "<!DOCTYPE html>\n<html><title>Error 413 (Request Entity Too Large)!!1</title></html>",
      "tabledata.insertAll p:d.t");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrorReason(status), "");
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("tabledata.insertAll p:d.t: HTTP 413: <!DOCTYPE html> <html><title>Error "
                        "413 (Request Entity Too Large)"));
}

TEST(ErrorMappingTest, EmptyServiceUnavailable) {
  absl::Status status = MapHttpError(503, "");
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(ErrorReason(status), "");
  EXPECT_EQ(status.message(), "HTTP 503: (empty body)");
}

TEST(ErrorMappingTest, TruncatedJsonFallsBackToExcerpt) {
  absl::Status status = MapHttpError(502, R"({"error":{"code":502,"mess)");
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(status.message()), HasSubstr(R"({"error":{"code":502,"mess)"));
}

TEST(ErrorMappingTest, MessageOnlyFromErrorsArray) {
  absl::Status status = MapHttpError(
      404, R"({"error":{"errors":[{"reason":"notFound","message":"Not found: Table p:d.t"}]}})");
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(ErrorReason(status), "notFound");
  EXPECT_EQ(status.message(), "HTTP 404 notFound: Not found: Table p:d.t");
}

TEST(ErrorMappingTest, OAuthStyleError) {
  absl::Status status = MapHttpError(401, R"({"error":"invalid_token"})");
  EXPECT_EQ(status.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(ErrorReason(status), "invalid_token");
}

TEST(ErrorMappingTest, WhatPrefixesMessage) {
  absl::Status status = MapHttpError(409, Envelope(409, "duplicate", "Already Exists: Table p:d.t"),
                                     "tables.insert p:d.t");
  EXPECT_EQ(status.message(),
            "tables.insert p:d.t: HTTP 409 duplicate: Already Exists: Table p:d.t");
}

}  // namespace
}  // namespace opentrack::bigquery
