#include "cli/query_command.h"

#include <algorithm>
#include <ostream>

#include "cli/bigquery_target.h"
#include "common/json_text.h"
#include "common/uuid.h"

namespace opentrack::cli {
namespace {

constexpr std::string_view kNull = "NULL";

void PrintTable(const bigquery::QueryResult& result, std::ostream& out) {
  std::vector<size_t> widths;
  for (const bigquery::Field& f : result.schema) widths.push_back(f.name.size());
  for (const auto& row : result.rows) {
    for (size_t i = 0; i < row.size() && i < widths.size(); ++i) {
      widths[i] = std::max(widths[i], row[i] ? row[i]->size() : kNull.size());
    }
  }
  auto print_line = [&](auto cell_text) {
    std::string line;
    for (size_t i = 0; i < widths.size(); ++i) {
      std::string_view text = cell_text(i);
      line += i == 0 ? "" : " | ";
      line += text;
      if (i + 1 < widths.size()) line.append(widths[i] - text.size(), ' ');
    }
    out << line << "\n";
  };
  print_line([&](size_t i) { return std::string_view(result.schema[i].name); });
  std::string rule;
  for (size_t i = 0; i < widths.size(); ++i) rule += (i ? "-+-" : "") + std::string(widths[i], '-');
  out << rule << "\n";
  for (const auto& row : result.rows) {
    print_line(
        [&](size_t i) { return i < row.size() && row[i] ? std::string_view(*row[i]) : kNull; });
  }
  out << "(" << result.rows.size() << (result.rows.size() == 1 ? " row)" : " rows)") << "\n";
}

void PrintJsonLines(const bigquery::QueryResult& result, std::ostream& out) {
  for (const auto& row : result.rows) {
    std::string line = "{";
    for (size_t i = 0; i < result.schema.size(); ++i) {
      if (i > 0) line.push_back(',');
      AppendJsonString(&line, result.schema[i].name);
      line.push_back(':');
      if (i < row.size() && row[i]) {
        AppendJsonString(&line, *row[i]);
      } else {
        line += "null";
      }
    }
    out << line << "}\n";
  }
}

}  // namespace

void PrintQueryResult(const bigquery::QueryResult& result, QueryOutput output, std::ostream& out) {
  if (output == QueryOutput::kJsonLines) {
    PrintJsonLines(result, out);
  } else {
    PrintTable(result, out);
  }
}

absl::Status RunQuery(const Config& config, const std::string& sql, QueryOutput output,
                      std::ostream& out) {
  auto target = OpenBigQueryTarget(config);
  if (!target.ok()) return target.status();
  bigquery::QueryRequest request{.project_id = target->project_id,
                                 .query = sql,
                                 .location = config.location,
                                 .request_id = NewUuid()};
  auto result = target->client->Query(request);
  if (target->embedded_emulator != nullptr) target->embedded_emulator->Shutdown();
  if (!result.ok()) return result.status();
  PrintQueryResult(*result, output, out);
  return absl::OkStatus();
}

}  // namespace opentrack::cli
