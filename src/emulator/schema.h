// BigQuery table schemas: parsing and validating `TableSchema` JSON (names,
// types, modes, limits), and the rules for changing a schema through
// tables.patch/update and load jobs. Pure functions.
#ifndef OPENTRACK_EMULATOR_SCHEMA_H_
#define OPENTRACK_EMULATOR_SCHEMA_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "emulator/json.h"

namespace opentrack::emulator {

struct Field {
  std::string name;
  std::string type;  // legacy name: INTEGER, FLOAT, BOOLEAN, RECORD, STRING, TIMESTAMP, ...
  std::string mode;  // NULLABLE, REQUIRED or REPEATED
  std::string description;
  std::vector<Field> fields;  // RECORD only
};
using Schema = std::vector<Field>;

// Validates `{"fields":[...]}` (rules 7-11) and normalises type aliases.
absl::StatusOr<Schema> ParseSchema(const Json& schema);
Json SchemaToJson(const Schema& schema);

// "INT64" -> "INTEGER"; "" for an unknown type name.
std::string LegacyTypeName(std::string_view type);

absl::Status ValidateDatasetId(std::string_view id);
absl::Status ValidateTableId(std::string_view id);
absl::Status ValidateJobId(std::string_view id);

// tables.patch/update: `table_ref` is "p:d.t". Returns the merged schema
// (existing order kept, additions appended) or the BigQuery error.
absl::StatusOr<Schema> ApplySchemaUpdate(const Schema& current, const Schema& proposed,
                                         std::string_view table_ref);

struct LoadSchemaOptions {
  bool allow_field_addition = false;
  bool allow_field_relaxation = false;
};
// Load jobs appending with a schema: additions/relaxations only when allowed.
absl::StatusOr<Schema> ApplyLoadSchema(const Schema& current, const Schema& proposed,
                                       LoadSchemaOptions options, std::string_view table_ref);

const Field* FindField(const Schema& schema, std::string_view name);  // case-insensitive

}  // namespace opentrack::emulator

#endif  // OPENTRACK_EMULATOR_SCHEMA_H_
