#include "common/error_code.h"

#include "gtest/gtest.h"

namespace opentrack {
namespace {

TEST(ErrorCodeTest, CodeSurvivesContext) {
  absl::Status s = WithErrorCode(absl::InvalidArgumentError("bad json"), "invalid_json");
  absl::Status wrapped = WithContext(s, "request 7");
  EXPECT_EQ(wrapped.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(wrapped.message(), "request 7: bad json");
  EXPECT_EQ(ErrorCode(wrapped), "invalid_json");
}

TEST(ErrorCodeTest, OkAndUncodedStatusHaveNoCode) {
  EXPECT_EQ(ErrorCode(WithErrorCode(absl::OkStatus(), "x")), "");
  EXPECT_EQ(ErrorCode(absl::InternalError("boom")), "");
}

}  // namespace
}  // namespace opentrack
