#include "warehouse_schema/snake_case.h"

#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"

namespace opentrack::warehouse_schema {
namespace {

struct Case {
  std::string input;
  std::string want;
};

void ExpectAll(const std::vector<Case>& cases) {
  for (const Case& c : cases) EXPECT_EQ(SnakeCase(c.input), c.want) << "input: " << c.input;
}

// The vectors of go-snakecase's own snake_test.go (upstream HEAD).
TEST(SnakeCaseTest, UpstreamVectors) {
  ExpectAll({
      {"@49L0S145_¬fwHƒ0TSLNVp", "49l0s145_fw_h_0tslnvp"},
      {"lk0B@bFmjrLQ_Z6YL", "lk0_b_b_fmjr_lq_z6yl"},
      {"samPLE text", "sam_ple_text"},
      {"sample text", "sample_text"},
      {"sample-text", "sample_text"},
      {"sample_text", "sample_text"},
      {"sample___text", "sample_text"},
      {"sampleText", "sample_text"},
      {"inviteYourCustomersAddInvites", "invite_your_customers_add_invites"},
      {"sample 2 Text", "sample_2_text"},
      {"   sample   2    Text   ", "sample_2_text"},
      {"   $#$sample   2    Text   ", "sample_2_text"},
      {"SAMPLE 2 TEXT", "sample_2_text"},
      {"___$$Base64Encode", "base64_encode"},
      {"FOO:BAR$BAZ", "foo_bar_baz"},
      {"FOO#BAR#BAZ", "foo_bar_baz"},
      {"something.com", "something_com"},
      {"$something%", "something"},
      {"•¶§ƒ˚foo˙∆˚¬", "foo"},
      {"CStringRef", "cstring_ref"},
      {"5test", "5test"},
      {"test5", "test5"},
      {"THE5r", "the5r"},
      {"5TEst", "5test"},
      {"_5TEst", "5test"},
      {"@%#&5TEst", "5test"},
      {"edf_6N", "edf_6n"},
      {"f_pX9", "f_p_x9"},
      {"p_z9Rg", "p_z9_rg"},
      {"2FA Enabled", "2fa_enabled"},
      {"Enabled 2FA", "enabled_2fa"},
      {"here\nis\na\nmultiline\nstring", "here_is_a_multiline_string"},
      {"\"hello world\"", "hello_world"},
  });
}

// Every row of the table in spec segment-warehouse.md 3.1.
TEST(SnakeCaseTest, SpecTableAcronymsAndIds) {
  ExpectAll({
      {"productID", "product_id"},
      {"productId", "product_id"},
      {"HTMLParser", "htmlparser"},
      {"XMLParser", "xmlparser"},
      {"URLPath", "urlpath"},
      {"APIKey", "apikey"},
      {"parseHTML", "parse_html"},
      {"userID", "user_id"},
      {"UserId", "user_id"},
  });
}

TEST(SnakeCaseTest, SpecTableSeparators) {
  ExpectAll({
      {"$price", "price"},
      {"price$", "price"},
      {"a.b", "a_b"},
      {"a-b", "a_b"},
      {"a b", "a_b"},
      {"first name", "first_name"},
      {"First Name", "first_name"},
  });
}

TEST(SnakeCaseTest, SpecTableDigitsAndLowercaseStarts) {
  ExpectAll({
      {"iPhone", "i_phone"},
      {"iOS", "i_os"},
      {"user123", "user123"},
      {"userId2", "user_id2"},
      {"A1B2", "a1b2"},
      {"v2Feature", "v2_feature"},
      {"3D Secure", "3d_secure"},
      {"2FA Enabled", "2fa_enabled"},
  });
}

TEST(SnakeCaseTest, SpecTableNonAscii) {
  ExpectAll({
      {"café latte", "caf_latte"},
      {"naïve", "na_ve"},
      {"Ünïcödé Event", "n_c_d_event"},
      {"日本語", ""},
  });
}

TEST(SnakeCaseTest, SpecTableLeadingUnderscoresAndCapitalRuns) {
  ExpectAll({
      {"_private", "private"},
      {"__typename", "typename"},
      {"ABTest", "abtest"},
      {"aBTest", "a_btest"},
      {"isVIP", "is_vip"},
      {"Order Completed", "order_completed"},
      {"Signed Up", "signed_up"},
      {"productViewed", "product_viewed"},
  });
}

TEST(SnakeCaseTest, EmptyAndSeparatorOnlyInputsGiveEmpty) {
  ExpectAll({{"", ""}, {"$$", ""}, {"___", ""}, {"_", ""}, {" - ", ""}});
}

TEST(SnakeCaseTest, JoinedRawPathsSnakeCaseOnce) {
  ExpectAll({
      {"context_userAgentData_brands", "context_user_agent_data_brands"},
      {"context_device_adTrackingEnabled", "context_device_ad_tracking_enabled"},
      {"a_$$", "a"},
      {"address_street", "address_street"},
  });
}

TEST(SnakeCaseTest, AppendKeepsExistingText) {
  std::string out = "x:";
  AppendSnakeCase(&out, "Feed Type");
  EXPECT_EQ(out, "x:feed_type");
}

}  // namespace
}  // namespace opentrack::warehouse_schema
