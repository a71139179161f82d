#include "warehouse_schema/naming.h"

#include <string>

#include "gtest/gtest.h"

namespace opentrack::warehouse_schema {
namespace {

TEST(NamingTest, Fnv1a32KnownValues) {
  EXPECT_EQ(Fnv1a32(""), 0x811c9dc5u);
  EXPECT_EQ(Fnv1a32("a"), 0xe40c292cu);
  EXPECT_EQ(HashHex("a"), "e40c292c");
}

TEST(NamingTest, EventTableIsSnakeCasedName) {
  EXPECT_EQ(EventTableName("Order Completed"), "order_completed");
  EXPECT_EQ(EventTableName("productViewed"), "product_viewed");
  EXPECT_EQ(EventTableName("product-viewed"), "product_viewed");
}

TEST(NamingTest, EventTableEmptySnakeNameIsHashed) {
  EXPECT_EQ(EventTableName("日本語"), "event_" + HashHex("日本語"));
  EXPECT_EQ(EventTableName("$$"), "event_" + HashHex("$$"));
  EXPECT_NE(EventTableName("日本語"), EventTableName("$$"));
}

TEST(NamingTest, EventTableLeadingDigitGetsUnderscore) {
  EXPECT_EQ(EventTableName("2FA Enabled"), "_2fa_enabled");
}

TEST(NamingTest, EventTableNamedLikeSegmentTableGetsUnderscore) {
  for (const char* t :
       {"tracks", "identifies", "users", "pages", "screens", "groups", "aliases", "accounts"}) {
    EXPECT_EQ(EventTableName(t), std::string("_") + t);
  }
  EXPECT_EQ(EventTableName("Tracks"), "_tracks");
  EXPECT_EQ(EventTableName("track"), "track");
}

TEST(NamingTest, EventTableLongerThanLimitIsTruncatedWithHash) {
  const std::string raw(1100, 'a');
  const std::string name = EventTableName(raw);
  ASSERT_EQ(name.size(), kMaxTableNameBytes);
  EXPECT_EQ(name, std::string(1016, 'a') + "_" + HashHex(raw).substr(0, 7));
  EXPECT_EQ(EventTableName(std::string(1024, 'a')), std::string(1024, 'a'));
}

TEST(NamingTest, ColumnLeadingDigitGetsUnderscore) {
  EXPECT_EQ(ColumnNameForPath("3d_secure"), "_3d_secure");
  EXPECT_EQ(ColumnNameForPath("3D Secure"), "_3d_secure");
}

TEST(NamingTest, ColumnEmptySnakeNameIsHashOfRawPath) {
  EXPECT_EQ(ColumnNameForPath("日本語"), "_" + HashHex("日本語"));
}

TEST(NamingTest, ColumnLongerThanLimitIsTruncatedWithHash) {
  const std::string raw(400, 'b');
  const std::string name = ColumnNameForPath(raw);
  ASSERT_EQ(name.size(), kMaxColumnNameBytes);
  EXPECT_EQ(name, std::string(291, 'b') + "_" + HashHex(raw));
}

TEST(NamingTest, ReservedColumnMasks) {
  EXPECT_EQ(ReservedColumnMask("user_id"), 0xFFFF);
  EXPECT_EQ(ReservedColumnMask("event_text"), 0xFFFF);
  EXPECT_EQ(ReservedColumnMask("uuid"), 0xFFFF);
  EXPECT_EQ(ReservedColumnMask("group_id"), TableKindBit(TableKind::kGroups));
  EXPECT_EQ(ReservedColumnMask("previous_id"), TableKindBit(TableKind::kAliases));
  EXPECT_EQ(ReservedColumnMask("name"),
            TableKindBit(TableKind::kPages) | TableKindBit(TableKind::kScreens));
  EXPECT_EQ(ReservedColumnMask("category"), TableKindBit(TableKind::kPages));
  EXPECT_EQ(ReservedColumnMask("plan"), 0);
}

TEST(NamingTest, SiblingNames) {
  EXPECT_EQ(SiblingColumnName("quantity", ColumnType::kFloat), "quantity_float");
  EXPECT_EQ(SiblingColumnName("created_at", ColumnType::kString), "created_at_string");
  EXPECT_EQ(SiblingColumnName("flag", ColumnType::kBoolean), "flag_boolean");
  EXPECT_EQ(SiblingColumnName("n", ColumnType::kInteger), "n_integer");
  EXPECT_EQ(SiblingColumnName("t", ColumnType::kTimestamp), "t_timestamp");
  const std::string long_name(300, 'c');
  const std::string sibling = SiblingColumnName(long_name, ColumnType::kFloat);
  EXPECT_EQ(sibling, std::string(291, 'c') + "_" + HashHex(long_name + "_float"));
}

}  // namespace
}  // namespace opentrack::warehouse_schema
