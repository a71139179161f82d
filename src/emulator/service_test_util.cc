#include "emulator/service_test_util.h"

namespace opentrack::emulator::testing {

std::string Reply::Reason() const {
  const Json* error = json.Find("error");
  if (error == nullptr) return "";
  const Json* errors = error->Find("errors");
  if (errors == nullptr || errors->items().empty()) return "";
  return errors->items()[0].GetString("reason");
}

std::string Reply::Message() const {
  const Json* error = json.Find("error");
  return error != nullptr ? error->GetString("message") : "";
}

void ServiceTest::Restart() {
  service_.reset();
  EmulatorOptions options = options_;
  options.clock = &clock_;
  auto service = Service::Create(options);
  ASSERT_TRUE(service.ok()) << service.status();
  service_ = std::move(*service);
}

Reply ServiceTest::Send(const std::string& method, const std::string& target,
                        const std::string& body,
                        std::vector<std::pair<std::string, std::string>> headers) {
  http::Request request;
  request.method = method;
  request.target = target;
  const size_t q = target.find('?');
  request.path = target.substr(0, q);
  if (q != std::string::npos) request.query = target.substr(q + 1);
  request.headers = std::move(headers);
  request.headers.emplace_back("Host", "127.0.0.1:9050");
  request.body = body;
  Reply reply;
  reply.raw = service_->Handle(request);
  reply.status = reply.raw.status;
  reply.body = reply.raw.body;
  if (!reply.body.empty()) {
    auto parsed = Json::Parse(reply.body);
    if (parsed.ok()) reply.json = std::move(*parsed);
  }
  return reply;
}

void ServiceTest::CreateDataset(const std::string& dataset) {
  Reply r = Post("/bigquery/v2/projects/p/datasets",
                 R"({"datasetReference":{"projectId":"p","datasetId":")" + dataset + R"("}})");
  ASSERT_EQ(r.status, 200) << r.body;
}

void ServiceTest::CreateTable(const std::string& dataset, const std::string& table,
                              const std::string& fields) {
  Reply r = Post("/bigquery/v2/projects/p/datasets/" + dataset + "/tables",
                 R"({"tableReference":{"projectId":"p","datasetId":")" + dataset +
                     R"(","tableId":")" + table + R"("},"schema":{"fields":)" + fields + "}}");
  ASSERT_EQ(r.status, 200) << r.body;
}

Reply ServiceTest::InsertAll(const std::string& dataset, const std::string& table,
                             const std::string& body) {
  return Post("/bigquery/v2/projects/p/datasets/" + dataset + "/tables/" + table + "/insertAll",
              body);
}

Reply ServiceTest::Query(const std::string& sql) {
  Json body = Json::Object();
  body.Set("query", Json::Str(sql));
  body.Set("useLegacySql", Json::Bool(false));
  return Post("/bigquery/v2/projects/p/queries", body.Dump());
}

std::vector<std::vector<std::string>> ServiceTest::QueryRows(const std::string& sql) {
  Reply r = Query(sql);
  std::vector<std::vector<std::string>> out;
  EXPECT_EQ(r.status, 200) << sql << "\n" << r.body;
  const Json* rows = r.json.Find("rows");
  if (rows == nullptr) return out;
  for (const Json& row : rows->items()) {
    std::vector<std::string> cells;
    for (const Json& cell : row.Find("f")->items()) {
      const Json* v = cell.Find("v");
      cells.push_back(v == nullptr || v->is_null() ? "NULL"
                      : v->is_string()             ? v->text()
                                                   : v->Dump());
    }
    out.push_back(std::move(cells));
  }
  return out;
}

}  // namespace opentrack::emulator::testing
