#include "bigquery/retry_policy.h"

#include <string>
#include <vector>

#include "bigquery/error_mapping.h"
#include "common/clock.h"
#include "common/error_code.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace opentrack::bigquery {
namespace {

using ::testing::HasSubstr;
using ::testing::MockFunction;
using ::testing::Return;

absl::Status Reason(int http, const std::string& reason) {
  return MapHttpError(http, R"({"error":{"code":)" + std::to_string(http) +
                                R"(,"message":"m","errors":[{"reason":")" + reason + R"("}]}})");
}

JitterSource Constant(double fraction) {
  return [fraction] { return fraction; };
}

TEST(ClassifyTest, RetryableReasonsAndCodes) {
  EXPECT_EQ(Classify(Reason(500, "backendError")), ErrorClass::kRetryable);
  EXPECT_EQ(Classify(Reason(500, "internalError")), ErrorClass::kRetryable);
  EXPECT_EQ(Classify(Reason(403, "rateLimitExceeded")), ErrorClass::kRetryable);
  EXPECT_EQ(Classify(MapHttpError(429, "")), ErrorClass::kRetryable);
  EXPECT_EQ(Classify(MapHttpError(502, "<html>bad gateway</html>")), ErrorClass::kRetryable);
  EXPECT_EQ(Classify(MapHttpError(503, "")), ErrorClass::kRetryable);
  EXPECT_EQ(Classify(absl::UnavailableError("Connection refused")), ErrorClass::kRetryable);
  EXPECT_EQ(Classify(absl::DeadlineExceededError("Timeout was reached")), ErrorClass::kRetryable);
}

TEST(ClassifyTest, QuotaExceededIsSurfaced) {
  EXPECT_EQ(Classify(Reason(403, "quotaExceeded")), ErrorClass::kQuotaExceeded);
}

TEST(ClassifyTest, NeverRetried) {
  for (const char* reason :
       {"invalid", "invalidQuery", "notFound", "duplicate", "accessDenied", "billingNotEnabled"}) {
    EXPECT_EQ(Classify(Reason(400, reason)), ErrorClass::kPermanent) << reason;
  }
  EXPECT_EQ(Classify(Reason(404, "notFound")), ErrorClass::kPermanent);
  EXPECT_EQ(Classify(Reason(409, "duplicate")), ErrorClass::kPermanent);
  EXPECT_EQ(Classify(Reason(403, "accessDenied")), ErrorClass::kPermanent);
  EXPECT_EQ(Classify(MapHttpError(412, "")), ErrorClass::kPermanent);
  EXPECT_EQ(Classify(MapHttpError(401, "")), ErrorClass::kPermanent);
  EXPECT_EQ(Classify(Reason(503, "invalid")), ErrorClass::kPermanent);
  EXPECT_EQ(
      Classify(MapHttpError(
          403,
          R"({"error":{"message":"BigQuery: Streaming insert is not allowed in the free tier"}})")),
      ErrorClass::kPermanent);
}

TEST(RetryPolicyTest, BackoffCeilingDoublesToCap) {
  FakeClock clock;
  RetryPolicy policy({}, &clock, Constant(0.999999));
  std::vector<int64_t> seconds;
  for (int i = 0; i < 8; ++i)
    seconds.push_back(absl::ToInt64Seconds(policy.Backoff(i) + absl::Milliseconds(1)));
  EXPECT_EQ(seconds, (std::vector<int64_t>{1, 2, 4, 8, 16, 32, 32, 32}));
}

TEST(RetryPolicyTest, FullJitterScalesTheCeiling) {
  FakeClock clock;
  RetryPolicy policy({}, &clock, Constant(0.25));
  EXPECT_EQ(policy.Backoff(0), absl::Milliseconds(250));
  EXPECT_EQ(policy.Backoff(3), absl::Seconds(2));
  EXPECT_EQ(policy.Backoff(10), absl::Seconds(8));
}

TEST(RetryPolicyTest, SeededJitterIsReproducibleAndBounded) {
  FakeClock clock;
  RetryPolicy a({}, &clock, SeededJitter(42));
  RetryPolicy b({}, &clock, SeededJitter(42));
  for (int i = 0; i < 10; ++i) {
    absl::Duration d = a.Backoff(i);
    EXPECT_EQ(d, b.Backoff(i));
    EXPECT_GE(d, absl::ZeroDuration());
    EXPECT_LE(d, std::min(absl::Seconds(1 << std::min(i, 5)), absl::Seconds(32)));
  }
}

TEST(RetryPolicyTest, RetriesUntilSuccessSleepingTheExactSequence) {
  FakeClock clock;
  RetryPolicy policy({}, &clock, Constant(0.5));
  MockFunction<absl::Status()> attempt;
  EXPECT_CALL(attempt, Call())
      .WillOnce(Return(Reason(503, "backendError")))
      .WillOnce(Return(Reason(403, "rateLimitExceeded")))
      .WillOnce(Return(absl::UnavailableError("reset")))
      .WillOnce(Return(absl::OkStatus()));
  absl::Time start = clock.Now();
  EXPECT_TRUE(policy.Run("op", attempt.AsStdFunction()).ok());
  // 0.5 s + 1 s + 2 s
  EXPECT_EQ(clock.TotalSlept(), absl::Milliseconds(3500));
  EXPECT_EQ(clock.Now() - start, absl::Milliseconds(3500));
}

TEST(RetryPolicyTest, QuotaExceededIsNotRetried) {
  FakeClock clock;
  RetryPolicy policy({}, &clock, Constant(0.5));
  MockFunction<absl::Status()> attempt;
  EXPECT_CALL(attempt, Call()).Times(1).WillOnce(Return(Reason(403, "quotaExceeded")));
  absl::Status status = policy.Run("op", attempt.AsStdFunction());
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(ErrorReason(status), "quotaExceeded");
  EXPECT_EQ(clock.TotalSlept(), absl::ZeroDuration());
}

TEST(RetryPolicyTest, PermanentErrorReturnedUnchanged) {
  FakeClock clock;
  RetryPolicy policy({}, &clock, Constant(0.5));
  MockFunction<absl::Status()> attempt;
  absl::Status invalid = Reason(400, "invalid");
  EXPECT_CALL(attempt, Call()).Times(1).WillOnce(Return(invalid));
  EXPECT_EQ(policy.Run("op", attempt.AsStdFunction()), invalid);
}

TEST(RetryPolicyTest, StopsAtTheDeadlineKeepingCodeAndReason) {
  FakeClock clock;
  RetryOptions options;
  options.deadline = absl::Seconds(60);
  RetryPolicy policy(options, &clock, Constant(0.999999));
  MockFunction<absl::Status()> attempt;
  // Waits ~1, 2, 4, 8, 16 (31 s total); the next (~32 s) would pass 60 s.
  EXPECT_CALL(attempt, Call()).Times(6).WillRepeatedly(Return(Reason(500, "backendError")));
  absl::Status status = policy.Run("tables.get p:d.t", attempt.AsStdFunction());
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(ErrorReason(status), "backendError");
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("tables.get p:d.t: gave up after 6 attempts"));
  EXPECT_LE(clock.TotalSlept(), absl::Seconds(60));
}

TEST(RetryPolicyTest, MaxAttempts) {
  FakeClock clock;
  RetryOptions options;
  options.max_attempts = 3;
  RetryPolicy policy(options, &clock, Constant(0.5));
  MockFunction<absl::Status()> attempt;
  EXPECT_CALL(attempt, Call()).Times(3).WillRepeatedly(Return(absl::UnavailableError("down")));
  EXPECT_EQ(policy.Run("op", attempt.AsStdFunction()).code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(clock.TotalSlept(), absl::Milliseconds(1500));
}

TEST(RetryPolicyTest, StatusOrValuePassesThrough) {
  FakeClock clock;
  RetryPolicy policy({}, &clock, Constant(0.5));
  int calls = 0;
  absl::StatusOr<int> result = policy.Run<int>("op", [&]() -> absl::StatusOr<int> {
    if (++calls < 2) return absl::UnavailableError("down");
    return 7;
  });
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(*result, 7);
  EXPECT_EQ(calls, 2);
}

}  // namespace
}  // namespace opentrack::bigquery
