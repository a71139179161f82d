#include "views/apply_views.h"

#include <map>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace opentrack::views {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// Just enough of BigQuery for ApplyViews: tables to look up, and a record of
// every query and dataset insert.
class RecordingClient : public bigquery::BigQueryClient {
 public:
  void AddTable(std::string name, std::vector<std::string> columns, std::string type = "TABLE") {
    bigquery::Table t;
    t.ref = {"p", "web", name};
    t.type = type;
    for (auto& c : columns) {
      t.schema.push_back({.name = c, .type = c == "timestamp" ? "TIMESTAMP" : "STRING"});
    }
    tables[name] = t;
  }

  absl::StatusOr<bigquery::Dataset> GetDataset(std::string_view, std::string_view) override {
    return absl::UnimplementedError("GetDataset");
  }
  absl::StatusOr<bigquery::Dataset> InsertDataset(const bigquery::Dataset& d) override {
    inserted_datasets.push_back(d);
    if (dataset_exists) return absl::AlreadyExistsError("Already Exists: Dataset p:web_analytics");
    return d;
  }
  absl::StatusOr<bigquery::Table> GetTable(const bigquery::TableRef& ref) override {
    looked_up.push_back(ref.table_id);
    auto it = tables.find(ref.table_id);
    if (it == tables.end()) return absl::NotFoundError("Not found: Table");
    return it->second;
  }
  absl::StatusOr<bigquery::Table> InsertTable(const bigquery::Table&) override {
    return absl::UnimplementedError("InsertTable");
  }
  absl::StatusOr<bigquery::Table> PatchTableSchema(const bigquery::TableRef&,
                                                   const std::vector<bigquery::Field>&,
                                                   std::string_view) override {
    return absl::UnimplementedError("PatchTableSchema");
  }
  absl::Status DeleteTable(const bigquery::TableRef&) override {
    return absl::UnimplementedError("DeleteTable");
  }
  absl::StatusOr<std::vector<bigquery::Table>> ListTables(std::string_view,
                                                          std::string_view) override {
    return absl::UnimplementedError("ListTables");
  }
  absl::StatusOr<bigquery::InsertResult> InsertAll(const bigquery::TableRef&,
                                                   std::span<const bigquery::InsertRow>,
                                                   const bigquery::InsertOptions&) override {
    return absl::UnimplementedError("InsertAll");
  }
  absl::StatusOr<bigquery::QueryResult> Query(const bigquery::QueryRequest& request) override {
    queries.push_back(request);
    if (!query_error.ok() && queries.size() == fail_query_number) return query_error;
    bigquery::QueryResult result;
    result.statement_type = "CREATE_VIEW";
    return result;
  }
  absl::StatusOr<bigquery::Job> RunLoadJob(const bigquery::LoadJobRequest&,
                                           std::string_view) override {
    return absl::UnimplementedError("RunLoadJob");
  }
  absl::StatusOr<bigquery::Job> GetJob(std::string_view, std::string_view,
                                       std::string_view) override {
    return absl::UnimplementedError("GetJob");
  }

  // The `p.d.v` part of each CREATE OR REPLACE VIEW, in order.
  std::vector<std::string> CreatedViews() const {
    std::vector<std::string> out;
    for (const auto& q : queries) {
      size_t start = q.query.find('`');
      size_t end = q.query.find('`', start + 1);
      out.push_back(q.query.substr(start + 1, end - start - 1));
    }
    return out;
  }

  std::map<std::string, bigquery::Table> tables;
  std::vector<std::string> looked_up;
  std::vector<bigquery::Dataset> inserted_datasets;
  std::vector<bigquery::QueryRequest> queries;
  bool dataset_exists = false;
  absl::Status query_error;
  size_t fail_query_number = 0;
};

ViewsOptions Options() {
  ViewsOptions options;
  options.project_id = "p";
  options.dataset_id = "web";
  options.location = "EU";
  return options;
}

TEST(ApplyViewsTest, NoTablesCreatesNothing) {
  RecordingClient client;
  ASSERT_TRUE(ApplyViews(client, Options()).ok());
  EXPECT_TRUE(client.queries.empty());
  EXPECT_TRUE(client.inserted_datasets.empty());
  EXPECT_EQ(client.looked_up, StandardSegmentTables());
}

TEST(ApplyViewsTest, CreatesDedupViewsThenAnalyticsViews) {
  RecordingClient client;
  client.AddTable("tracks", {"id", "anonymous_id", "user_id", "timestamp", "event"});
  client.AddTable("identifies", {"id", "anonymous_id", "user_id", "timestamp"});
  client.AddTable("users", {"id", "email"});
  client.AddTable("order_completed", {"id", "total"});
  client.AddTable("_opentrack_rejected", {"id"});
  ViewsOptions options = Options();
  options.tables = {"order_completed", "tracks", "_opentrack_rejected", "never_written"};

  ASSERT_TRUE(ApplyViews(client, options).ok());

  EXPECT_THAT(client.CreatedViews(),
              ElementsAre("p.web.tracks_view", "p.web.identifies_view", "p.web.users_view",
                          "p.web.order_completed_view", "p.web_analytics.users",
                          "p.web_analytics.events_unified", "p.web_analytics.session_events",
                          "p.web_analytics.identity_map"));
  for (const auto& q : client.queries) {
    EXPECT_EQ(q.project_id, "p");
    EXPECT_EQ(q.location, "EU");
    EXPECT_THAT(q.query, StartsWith("CREATE OR REPLACE VIEW `"));
  }
  EXPECT_THAT(client.queries[3].query, HasSubstr("FROM `p.web.order_completed`\n"));
  EXPECT_THAT(client.queries[4].query, HasSubstr("FROM `p.web.users`)"));
  ASSERT_EQ(client.inserted_datasets.size(), 1u);
  EXPECT_EQ(client.inserted_datasets[0].dataset_id, "web_analytics");
  EXPECT_EQ(client.inserted_datasets[0].location, "EU");
  // _opentrack_rejected is never looked up; duplicates are looked up once.
  EXPECT_EQ(std::count(client.looked_up.begin(), client.looked_up.end(), "tracks"), 1);
  EXPECT_EQ(std::count(client.looked_up.begin(), client.looked_up.end(), "_opentrack_rejected"), 0);
}

TEST(ApplyViewsTest, ExistingAnalyticsDatasetIsFineAndNameIsConfigurable) {
  RecordingClient client;
  client.dataset_exists = true;
  client.AddTable("accounts", {"id", "name"});
  ViewsOptions options = Options();
  options.analytics_dataset_id = "reporting";
  ASSERT_TRUE(ApplyViews(client, options).ok());
  EXPECT_THAT(client.CreatedViews(), ElementsAre("p.web.accounts_view", "p.reporting.accounts"));
}

TEST(ApplyViewsTest, SkipsViewsAndUsesColumnPartitioning) {
  RecordingClient client;
  client.AddTable("pages", {"id"});
  client.tables["pages"].time_partitioning = bigquery::TimePartitioning{"DAY", "received_at"};
  client.AddTable("pages_custom", {"id"}, "VIEW");
  ViewsOptions options = Options();
  options.tables = {"pages_custom", "pages_view"};
  ASSERT_TRUE(ApplyViews(client, options).ok());
  EXPECT_THAT(client.CreatedViews(),
              ElementsAre("p.web.pages_view", "p.web_analytics.events_unified",
                          "p.web_analytics.session_events"));
  EXPECT_THAT(client.queries[0].query, HasSubstr("TIMESTAMP_TRUNC(received_at, DAY, 'UTC')"));
}

TEST(ApplyViewsTest, QueryFailureStopsWithViewName) {
  RecordingClient client;
  client.AddTable("tracks", {"id"});
  client.query_error = absl::InvalidArgumentError("Syntax error");
  client.fail_query_number = 1;
  absl::Status s = ApplyViews(client, Options());
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), HasSubstr("`p.web.tracks_view`"));
  EXPECT_THAT(std::string(s.message()), HasSubstr("Syntax error"));
  EXPECT_EQ(client.queries.size(), 1u);
}

TEST(ApplyViewsTest, LookupFailureOtherThanNotFoundIsReturned) {
  RecordingClient client;
  struct Failing : RecordingClient {
    absl::StatusOr<bigquery::Table> GetTable(const bigquery::TableRef&) override {
      return absl::PermissionDeniedError("Access Denied");
    }
  } failing;
  absl::Status s = ApplyViews(failing, Options());
  EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(std::string(s.message()), HasSubstr("tracks"));
}

}  // namespace
}  // namespace opentrack::views
