#include "cli/transform_command.h"

#include <istream>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "common/error_code.h"
#include "common/json_text.h"
#include "segment/request_parser.h"
#include "warehouse_schema/event_mapper.h"
#include "warehouse_schema/row_encoder.h"
#include "warehouse_schema/schema_planner.h"

namespace opentrack::cli {
namespace {

void PrintRejection(std::ostream& errors, size_t line_number, std::string_view code,
                    std::string_view message) {
  std::string line = "{\"line\":" + std::to_string(line_number) + ",\"code\":";
  AppendJsonString(&line, code);
  line += ",\"message\":";
  AppendJsonString(&line, message);
  line += "}\n";
  errors << line;
}

std::string SchemasLine(const std::map<std::string, warehouse_schema::TableSchema>& schemas) {
  std::string out = "{\"schemas\":{";
  bool first_table = true;
  for (const auto& [table, schema] : schemas) {
    if (!first_table) out.push_back(',');
    first_table = false;
    AppendJsonString(&out, table);
    out += ":[";
    for (size_t i = 0; i < schema.size(); ++i) {
      if (i > 0) out.push_back(',');
      out += "{\"name\":";
      AppendJsonString(&out, schema[i].name);
      out += ",\"type\":";
      AppendJsonString(&out, warehouse_schema::BigQueryTypeName(schema[i].type));
      out += "}";
    }
    out += "]";
  }
  out += "}}\n";
  return out;
}

}  // namespace

absl::Status RunTransform(std::istream& in, std::ostream& out, std::ostream& errors,
                          const TransformOptions& options, TransformStats* stats) {
  warehouse_schema::EventMapper mapper;
  std::map<std::string, warehouse_schema::TableSchema> schemas;
  std::vector<warehouse_schema::Row> rows;
  const segment::RequestContext context{.received_at = options.received_at};
  std::string line;
  size_t line_number = 0;
  while (std::getline(in, line)) {
    ++line_number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    ++stats->events;
    // Each line is one event of any type: parse it as a one-item batch.
    auto parsed =
        segment::ParseRequest("{\"batch\":[" + line + "]}", segment::Endpoint::kBatch, context);
    if (!parsed.ok()) {
      ++stats->rejected;
      const absl::string_view message = parsed.status().message();
      PrintRejection(errors, line_number, ErrorCode(parsed.status()),
                     std::string_view(message.data(), message.size()));
      continue;
    }
    for (const segment::RejectedEvent& r : parsed->rejected) {
      ++stats->rejected;
      PrintRejection(errors, line_number, r.code, r.message);
    }
    for (const segment::AcceptedEvent& event : parsed->accepted) {
      rows.clear();
      if (absl::Status st = mapper.Map(event.json, options.loaded_at, &rows); !st.ok()) {
        ++stats->rejected;
        PrintRejection(errors, line_number, "unmappable_event",
                       std::string_view(st.message().data(), st.message().size()));
        continue;
      }
      for (const warehouse_schema::Row& row : rows) {
        ++stats->rows;
        std::string text;
        if (options.insert_all_rows) {
          warehouse_schema::TableSchema& schema = schemas[row.table];
          const warehouse_schema::SchemaPlan plan =
              warehouse_schema::PlanSchema(schema, std::span(&row, 1));
          schema = warehouse_schema::ApplyPlan(schema, plan);
          text = "{\"table\":";
          AppendJsonString(&text, row.table);
          text += ",\"insertId\":";
          AppendJsonString(&text, row.insert_id);
          if (!plan.quarantined_rows.empty()) {
            text += ",\"quarantined\":";
            AppendJsonString(&text, plan.quarantine_reasons.front());
          } else {
            text += ",\"row\":" + warehouse_schema::EncodeRow(row, schema);
          }
          text += "}\n";
        } else {
          text = warehouse_schema::RowToDebugJson(row) + "\n";
        }
        out << text;
      }
    }
  }
  if (options.print_schemas) out << SchemasLine(schemas);
  if (in.bad()) return absl::DataLossError("error reading input");
  out.flush();
  return absl::OkStatus();
}

}  // namespace opentrack::cli
