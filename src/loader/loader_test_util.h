// The loader tests' fixture: a loader over a MemEnv spool and the fake
// BigQuery, driven by RunOnce on a fake clock; and normalized events.
#ifndef OPENTRACK_LOADER_LOADER_TEST_UTIL_H_
#define OPENTRACK_LOADER_LOADER_TEST_UTIL_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "loader/loader.h"
#include "loader/spooled_event.h"
#include "loader/spooled_request.h"
#include "row_writer/streaming_row_writer.h"
#include "row_writer/table_quarantine_sink.h"
#include "spool/mem_env.h"
#include "table_manager/fake_bigquery_client.h"
#include "table_manager/table_manager.h"

namespace opentrack::loader::testing {

inline constexpr char kDir[] = "/spool";

// A normalized event of `type` with messageId `id` and the given extra
// members (JSON text without braces).
inline std::string Event(const std::string& type, const std::string& id, const std::string& extra) {
  return R"({"type":")" + type + R"(","messageId":")" + id +
         R"(","receivedAt":"2024-01-01T00:05:10.000000Z",)"
         R"("timestamp":"2024-01-01T00:05:00.000000Z",)"
         R"("originalTimestamp":"2024-01-01T00:00:00.000000Z",)" +
         extra + "}";
}

inline std::string Track(const std::string& id, const std::string& event,
                         const std::string& properties) {
  return Event("track", id,
               R"("anonymousId":"a1","event":")" + event + R"(","properties":)" + properties);
}

class LoaderTest : public ::testing::Test {
 protected:
  LoaderTest() : fake_(&clock_) {
    options_.destinations["web"] = {"p", "web"};
    options_.read_wait = absl::ZeroDuration();
    options_.clock = &clock_;
    OpenSpool(&env_);
    Wire(/*auto_manage=*/true);
  }

  void Wire(bool auto_manage) {
    table_manager::TableManagerOptions tm;
    tm.clock = &clock_;
    tm.auto_manage = auto_manage;
    tables_ = std::make_unique<table_manager::TableManager>(&fake_, tm);
    row_writer::StreamingRowWriterOptions rw;
    rw.clock = &clock_;
    sink_ = std::make_unique<row_writer::TableQuarantineSink>(&fake_, tables_.get(), rw);
    writer_ =
        std::make_unique<row_writer::StreamingRowWriter>(&fake_, tables_.get(), sink_.get(), rw);
    batch_writer_ = std::make_unique<BatchWriter>(tables_.get(), writer_.get(), sink_.get());
  }

  void OpenSpool(spool::Env* env) {
    spool::SpoolOptions so;
    so.directory = kDir;
    auto spool = spool::Spool::Open(so, env);
    ASSERT_TRUE(spool.ok()) << spool.status();
    spool_ = *std::move(spool);
  }

  Loader& MakeLoader() {
    loader_ = std::make_unique<Loader>(options_, spool_.get(), batch_writer_.get());
    return *loader_;
  }

  // One-event records, the format before request records.
  void Append(const std::vector<std::string>& events, std::string_view source = "web") {
    std::vector<std::string> records;
    for (const auto& e : events) records.push_back(EncodeSpooledEvent(source, e));
    ASSERT_TRUE(spool_->AppendAndWait(records).ok());
  }

  // One request record, as the collector writes it.
  void AppendRequest(const SpooledRequest& request) {
    absl::StatusOr<std::string> header = EncodeSpooledRequestHeader(request);
    ASSERT_TRUE(header.ok()) << header.status();
    ASSERT_TRUE(spool_->AppendAndWait(*header, {std::string(request.body)}).ok());
  }

  // Reads whatever is there, then lets batches age and writes them.
  void RunUntilWritten() {
    ASSERT_TRUE(loader_->RunOnce(absl::ZeroDuration()).ok());
    clock_.Advance(options_.batch_max_age);
    ASSERT_TRUE(loader_->RunOnce(absl::ZeroDuration()).ok());
  }

  // The process dies (no Stop, no ack: only what was synced survives) and
  // starts again on what is left.
  void CrashAndRestart() {
    loader_.reset();
    crashed_env_ = env_.CrashCopy();
    spool_.reset();
    OpenSpool(crashed_env_.get());
    MakeLoader();
  }

  // The rows of a track "t1" (event "Order Completed"), identify "i1", page
  // "p1", screen "s1", group "g1" and alias "al1", each in its tables.
  void ExpectOneOfEachTypeRouted() {
    using ::testing::ElementsAre;
    EXPECT_THAT(InsertIds("tracks"), ElementsAre("t1"));
    EXPECT_THAT(InsertIds("order_completed"), ElementsAre("t1"));
    EXPECT_THAT(InsertIds("identifies"), ElementsAre("i1"));
    EXPECT_THAT(InsertIds("users"), ElementsAre("i1"));
    EXPECT_THAT(InsertIds("pages"), ElementsAre("p1"));
    EXPECT_THAT(InsertIds("screens"), ElementsAre("s1"));
    EXPECT_THAT(InsertIds("groups"), ElementsAre("g1"));
    EXPECT_THAT(InsertIds("accounts"), ElementsAre("g1"));
    EXPECT_THAT(InsertIds("aliases"), ElementsAre("al1"));
  }

  std::vector<std::string> InsertIds(std::string_view table) {
    std::vector<std::string> ids;
    for (const auto& row : fake_.Rows({"p", "web", std::string(table)})) {
      ids.push_back(row.insert_id);
    }
    return ids;
  }

  std::vector<std::string> Columns(std::string_view table) {
    std::vector<std::string> out;
    auto t = fake_.PeekTable({"p", "web", std::string(table)});
    if (!t) return out;
    for (const auto& f : t->schema) out.push_back(absl::StrCat(f.name, ":", f.type));
    return out;
  }

  uint64_t UnackedRecords() { return spool_->Stats().unacked_records; }

  FakeClock clock_;
  spool::MemEnv env_;
  std::unique_ptr<spool::MemEnv> crashed_env_;
  table_manager::FakeBigQueryClient fake_;
  LoaderOptions options_;
  std::unique_ptr<spool::Spool> spool_;
  std::unique_ptr<table_manager::TableManager> tables_;
  std::unique_ptr<row_writer::TableQuarantineSink> sink_;
  std::unique_ptr<row_writer::StreamingRowWriter> writer_;
  std::unique_ptr<BatchWriter> batch_writer_;
  std::unique_ptr<Loader> loader_;
};

}  // namespace opentrack::loader::testing

#endif  // OPENTRACK_LOADER_LOADER_TEST_UTIL_H_
