// go-snakecase, the converter Segment names for table and column names
// (spec segment-warehouse.md 3.1). Byte-based: only ASCII letters and digits
// form words; every other byte, including each byte of non-ASCII UTF-8, is a
// separator.
#ifndef OPENTRACK_WAREHOUSE_SCHEMA_SNAKE_CASE_H_
#define OPENTRACK_WAREHOUSE_SCHEMA_SNAKE_CASE_H_

#include <string>
#include <string_view>

namespace opentrack::warehouse_schema {

// Appends the snake_case form of `s` to `*out`. The result may be empty
// (e.g. for "$$" or "日本語").
void AppendSnakeCase(std::string* out, std::string_view s);

std::string SnakeCase(std::string_view s);

}  // namespace opentrack::warehouse_schema

#endif  // OPENTRACK_WAREHOUSE_SCHEMA_SNAKE_CASE_H_
