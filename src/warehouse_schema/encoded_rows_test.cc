#include "warehouse_schema/encoded_rows.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace opentrack::warehouse_schema {
namespace {

const absl::Time kReceived = absl::FromUnixMicros(1704067510123456);

// Row i: insert id "id<i>", JSON {"n":<i>} padded to `json_size` bytes.
std::string Json(size_t i, size_t json_size = 0) {
  std::string json = absl::StrCat(R"({"n":)", i, "}");
  if (json.size() < json_size) json.insert(1, json_size - json.size(), ' ');
  return json;
}

void AddRows(EncodedRows& rows, size_t first, size_t n, size_t json_size = 0) {
  for (size_t i = first; i < first + n; ++i) {
    rows.Add(absl::StrCat("id", i), kReceived + absl::Seconds(i), Json(i, json_size));
  }
}

// `rows` holds exactly rows first..first+n-1 as AddRows wrote them.
void ExpectRows(const EncodedRows& rows, size_t first, size_t n, size_t json_size = 0) {
  ASSERT_EQ(rows.size(), n);
  for (size_t i = 0; i < n; ++i) {
    EXPECT_EQ(rows.insert_id(i), absl::StrCat("id", first + i));
    EXPECT_EQ(rows.json(i), Json(first + i, json_size));
    EXPECT_EQ(rows.received_at(i), kReceived + absl::Seconds(first + i));
  }
}

TEST(EncodedRowsTest, KeepsRowsInOrder) {
  EncodedRows rows;
  EXPECT_TRUE(rows.empty());
  AddRows(rows, 0, 100);
  ExpectRows(rows, 0, 100);
}

TEST(EncodedRowsTest, EmptyInsertIdAndJson) {
  EncodedRows rows;
  rows.Add("", kReceived, "{}");
  rows.Add("id", kReceived, "");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows.insert_id(0), "");
  EXPECT_EQ(rows.json(0), "{}");
  EXPECT_EQ(rows.insert_id(1), "id");
  EXPECT_EQ(rows.json(1), "");
}

TEST(EncodedRowsTest, TruncateKeepsTheFirstRowsAndReusesTheBytes) {
  EncodedRows rows;
  AddRows(rows, 0, 5);
  const size_t end = rows.end();
  AddRows(rows, 5, 3);
  rows.Truncate(5);
  ExpectRows(rows, 0, 5);
  EXPECT_EQ(rows.end(), end);
  rows.Truncate(7);  // more than it has: no change
  ExpectRows(rows, 0, 5);
  AddRows(rows, 5, 2);
  ExpectRows(rows, 0, 7);
  rows.Truncate(0);
  EXPECT_TRUE(rows.empty());
  EXPECT_EQ(rows.end(), 0u);
}

TEST(EncodedRowsTest, DropFirstRenumbersTheRest) {
  EncodedRows rows;
  AddRows(rows, 0, 10, 100);
  rows.DropFirst(3);
  ExpectRows(rows, 3, 7, 100);
  rows.DropFirst(2);
  ExpectRows(rows, 5, 5, 100);
  AddRows(rows, 10, 4, 100);
  ExpectRows(rows, 5, 9, 100);
  rows.Truncate(2);
  ExpectRows(rows, 5, 2, 100);
  rows.DropFirst(2);
  EXPECT_TRUE(rows.empty());
  EXPECT_EQ(rows.end(), 0u);  // every row gone: the bytes are free again
}

// Dropping rows a few at a time moves the rest to the front only once the
// dropped ones are most of the bytes, not on every drop.
TEST(EncodedRowsTest, DropFirstCompactsWhenMostBytesAreDropped) {
  EncodedRows rows;
  AddRows(rows, 0, 10, 100);
  const size_t row_bytes = rows.end() / 10;
  rows.DropFirst(4);
  EXPECT_EQ(rows.end(), 10 * row_bytes);  // 40% dropped: kept in place
  rows.DropFirst(2);
  EXPECT_EQ(rows.end(), 4 * row_bytes);  // 60%: moved
  ExpectRows(rows, 6, 4, 100);
  AddRows(rows, 10, 3, 100);
  ExpectRows(rows, 6, 7, 100);
}

// A writer that builds a row in place: the buffer beyond end() is its own.
TEST(EncodedRowsTest, CommitKeepsARowWrittenInPlace) {
  EncodedRows rows;
  AddRows(rows, 0, 1);
  std::string* buffer = rows.buffer();
  const size_t start = rows.end();
  const std::string text = "m2{\"a\":1}";
  if (buffer->size() < start + text.size() + 10) buffer->resize(start + text.size() + 10);
  buffer->replace(start, text.size(), text);
  rows.Commit(2, start + text.size(), kReceived);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows.insert_id(1), "m2");
  EXPECT_EQ(rows.json(1), "{\"a\":1}");
  EXPECT_EQ(rows.received_at(1), kReceived);
  EXPECT_EQ(rows.end(), start + text.size());
}

// No rows, but the buffer stays for the next ones.
TEST(EncodedRowsTest, ClearKeepsNoRowsButTheBuffer) {
  EncodedRows rows;
  AddRows(rows, 0, 3);
  const size_t capacity = rows.capacity_bytes();
  EXPECT_GE(capacity, rows.end());
  rows.DropFirst(1);
  rows.Clear();
  EXPECT_TRUE(rows.empty());
  EXPECT_EQ(rows.end(), 0u);
  EXPECT_EQ(rows.capacity_bytes(), capacity);
  AddRows(rows, 7, 2);
  ExpectRows(rows, 7, 2);
}

}  // namespace
}  // namespace opentrack::warehouse_schema
