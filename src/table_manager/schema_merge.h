// Pure schema arithmetic for table_manager: which needed columns a table lacks,
// which exist with another type, and the append-only schema to PATCH.
#ifndef OPENTRACK_TABLE_MANAGER_SCHEMA_MERGE_H_
#define OPENTRACK_TABLE_MANAGER_SCHEMA_MERGE_H_

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "bigquery/types.h"

namespace opentrack::table_manager {

// A needed column that already exists with another type or mode. The existing
// column wins (BigQuery's API cannot change types); the caller re-plans.
struct TypeConflict {
  std::string column;  // dotted path for nested fields
  std::string existing_type;
  std::string wanted_type;
  friend bool operator==(const TypeConflict&, const TypeConflict&) = default;
};

struct SchemaMerge {
  // Existing fields unchanged and in order, then the added ones.
  std::vector<bigquery::Field> merged;
  // Columns that were missing, as appended (NULLABLE, legacy type names);
  // nested additions carry dotted names.
  std::vector<bigquery::Field> added;
  std::vector<TypeConflict> conflicts;
};

// Names compare case-insensitively, as BigQuery does; types by legacy name
// (INT64 == INTEGER). Never drops, reorders or retypes an existing field.
SchemaMerge MergeColumns(const std::vector<bigquery::Field>& existing,
                         std::span<const bigquery::Field> needed);

// INT64 -> INTEGER, FLOAT64 -> FLOAT, BOOL -> BOOLEAN, STRUCT -> RECORD.
std::string LegacyTypeName(std::string_view type);

// "project:dataset.table", the form BigQuery's messages use.
std::string FormatTableRef(const bigquery::TableRef& ref);

// "total (FLOAT), order_id (STRING)".
std::string DescribeColumns(std::span<const bigquery::Field> columns);

}  // namespace opentrack::table_manager

#endif  // OPENTRACK_TABLE_MANAGER_SCHEMA_MERGE_H_
