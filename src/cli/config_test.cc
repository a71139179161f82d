#include "cli/config.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace opentrack::cli {
namespace {

using ::testing::HasSubstr;

EnvLookup FakeEnv(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(std::string(name));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

TEST(ConfigTest, DefaultsRunOnTheEmbeddedEmulator) {
  auto c = ConfigFromEnv(FakeEnv({}), std::nullopt);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_TRUE(c->UsesEmbeddedEmulator());
  EXPECT_TRUE(c->auto_table_management);
  ASSERT_EQ(c->sources.size(), 1u);
  EXPECT_EQ(c->sources[0].dataset, "opentrack");
  EXPECT_EQ(c->sources[0].write_key, "");
  EXPECT_EQ(c->port, 8080);
}

TEST(ConfigTest, SeedVariablesAreRead) {
  auto c = ConfigFromEnv(FakeEnv({{"BIGQUERY_PROJECT_ID", "acme"},
                                  {"BIGQUERY_DATASET", "web"},
                                  {"BIGQUERY_AUTO_TABLE_MANAGEMENT", "false"},
                                  {"GOOGLE_APPLICATION_CREDENTIALS", "/k.json"},
                                  {"GOOGLE_APPLICATION_CREDENTIALS_JSON", "{}"},
                                  {"WRITE_KEY", "wk"},
                                  {"PORT", "9000"}}),
                         std::nullopt);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_FALSE(c->UsesEmbeddedEmulator());
  EXPECT_EQ(c->project_id, "acme");
  EXPECT_FALSE(c->auto_table_management);
  EXPECT_EQ(c->credentials_file, "/k.json");
  EXPECT_EQ(c->credentials_json, "{}");
  EXPECT_EQ(c->sources[0].write_key, "wk");
  EXPECT_EQ(c->sources[0].dataset, "web");
  EXPECT_EQ(c->port, 9000);
}

TEST(ConfigTest, EmulatorHostAcceptsAUrlOrHostPort) {
  auto c =
      ConfigFromEnv(FakeEnv({{"BIGQUERY_EMULATOR_HOST", "http://127.0.0.1:9050/"}}), std::nullopt);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->emulator_host, "127.0.0.1:9050");
  EXPECT_FALSE(c->UsesEmbeddedEmulator());
}

TEST(ConfigTest, ShutdownGraceIsConfigurable) {
  auto c = ConfigFromEnv(FakeEnv({}), std::nullopt);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->shutdown_grace, absl::Seconds(30));
  c = ConfigFromEnv(FakeEnv({{"OPENTRACK_SHUTDOWN_GRACE_SECONDS", "2"}}), std::nullopt);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->shutdown_grace, absl::Seconds(2));
  c = ConfigFromEnv(FakeEnv({{"OPENTRACK_SHUTDOWN_GRACE_SECONDS", "soon"}}), std::nullopt);
  EXPECT_FALSE(c.ok());
}

TEST(ConfigTest, IoThreadsAreConfigurable) {
  auto c = ConfigFromEnv(FakeEnv({}), std::nullopt);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->io_threads, 2);
  c = ConfigFromEnv(FakeEnv({{"OPENTRACK_IO_THREADS", "1"}}), std::nullopt);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->io_threads, 1);
  c = ConfigFromEnv(FakeEnv({{"OPENTRACK_IO_THREADS", "16"}}), std::nullopt);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->io_threads, 16);
}

TEST(ConfigTest, RejectsIoThreadsThatAreNotPositive) {
  for (const char* bad : {"0", "-1", "two", "1.5"}) {
    auto c = ConfigFromEnv(FakeEnv({{"OPENTRACK_IO_THREADS", bad}}), std::nullopt);
    EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(
        c.status().message(),
        HasSubstr(std::string("OPENTRACK_IO_THREADS must be a positive whole number, got \"") +
                  bad + "\""))
        << bad;
  }
}

TEST(ConfigTest, SpoolCompressesWithZstdByDefault) {
  auto c = ConfigFromEnv(FakeEnv({}), std::nullopt);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->spool_compression, SpoolCompression::kZstd);
  EXPECT_EQ(c->spool_zstd_level, std::nullopt);
}

TEST(ConfigTest, SpoolCompressionAndLevelAreConfigurable) {
  auto c = ConfigFromEnv(FakeEnv({{"OPENTRACK_SPOOL_COMPRESSION", "none"}}), std::nullopt);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->spool_compression, SpoolCompression::kNone);
  c = ConfigFromEnv(
      FakeEnv({{"OPENTRACK_SPOOL_COMPRESSION", "zstd"}, {"OPENTRACK_SPOOL_ZSTD_LEVEL", "-3"}}),
      std::nullopt);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->spool_compression, SpoolCompression::kZstd);
  EXPECT_EQ(c->spool_zstd_level, -3);
  c = ConfigFromEnv(FakeEnv({{"OPENTRACK_SPOOL_ZSTD_LEVEL", "22"}}), std::nullopt);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->spool_zstd_level, 22);
}

TEST(ConfigTest, SpoolDirectIoIsOffByDefaultAndConfigurable) {
  auto c = ConfigFromEnv(FakeEnv({}), std::nullopt);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_FALSE(c->spool_direct_io);
  c = ConfigFromEnv(FakeEnv({{"OPENTRACK_SPOOL_DIRECT_IO", "true"}}), std::nullopt);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_TRUE(c->spool_direct_io);
  c = ConfigFromEnv(FakeEnv({{"OPENTRACK_SPOOL_DIRECT_IO", "false"}}), std::nullopt);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_FALSE(c->spool_direct_io);
}

TEST(ConfigTest, RejectsBadSpoolDirectIoSetting) {
  for (const char* bad : {"direct", "2", "O_DIRECT"}) {
    auto c = ConfigFromEnv(FakeEnv({{"OPENTRACK_SPOOL_DIRECT_IO", bad}}), std::nullopt);
    EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(c.status().message(),
                HasSubstr(absl::StrCat("OPENTRACK_SPOOL_DIRECT_IO must be true or false, got \"",
                                       bad, "\"")));
  }
}

TEST(ConfigTest, RejectsBadSpoolCompressionSettings) {
  auto c = ConfigFromEnv(FakeEnv({{"OPENTRACK_SPOOL_COMPRESSION", "gzip"}}), std::nullopt);
  EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(c.status().message(),
              HasSubstr("OPENTRACK_SPOOL_COMPRESSION must be zstd or none, got \"gzip\""));
  for (const char* bad : {"fast", "1.5", "23", "-131073"}) {
    c = ConfigFromEnv(FakeEnv({{"OPENTRACK_SPOOL_ZSTD_LEVEL", bad}}), std::nullopt);
    EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(c.status().message(),
                HasSubstr("OPENTRACK_SPOOL_ZSTD_LEVEL must be a whole number from -131072 to 22"))
        << bad;
  }
}

TEST(ConfigTest, RejectsBadValuesWithTheVariableName) {
  auto c = ConfigFromEnv(FakeEnv({{"BIGQUERY_AUTO_TABLE_MANAGEMENT", "maybe"}}), std::nullopt);
  EXPECT_THAT(c.status().message(),
              HasSubstr("BIGQUERY_AUTO_TABLE_MANAGEMENT must be true or false"));
  c = ConfigFromEnv(FakeEnv({{"BIGQUERY_DATASET", "my-data"}}), std::nullopt);
  EXPECT_THAT(c.status().message(), HasSubstr("dataset \"my-data\""));
  c = ConfigFromEnv(FakeEnv({{"PORT", "70000"}}), std::nullopt);
  EXPECT_THAT(c.status().message(), HasSubstr("PORT must be 0-65535"));
}

TEST(ConfigTest, SourcesFileGivesEachSourceItsDataset) {
  auto c = ConfigFromEnv(FakeEnv({}), R"({"sources":[
      {"name":"web","write_key":"k1","dataset":"web_prod"},
      {"name":"ios","write_key":"k2","dataset":"ios_prod"}]})");
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_EQ(c->sources.size(), 2u);
  EXPECT_EQ(c->sources[1].name, "ios");
  EXPECT_EQ(c->sources[1].dataset, "ios_prod");
}

TEST(ConfigTest, SourcesFileErrorsArePrecise) {
  EXPECT_THAT(ParseSourcesFile("{").status().message(), HasSubstr("not valid JSON"));
  EXPECT_THAT(ParseSourcesFile(R"({"sources":[{"name":"a","write_key":"k","dataset":"d"},
      {"name":"b","write_key":"k","dataset":"e"}]})")
                  .status()
                  .message(),
              HasSubstr("source b reuses a write key"));
  EXPECT_THAT(ParseSourcesFile(R"({"sources":[{"name":"a","dataset":"d"},
      {"name":"b","write_key":"k","dataset":"e"}]})")
                  .status()
                  .message(),
              HasSubstr("only a single source may omit it"));
}

// Spool records start with the source name: a NUL would make an event record
// look like a request record, a newline would end the name early.
TEST(ConfigTest, SourceNamesHaveNoNulOrNewline) {
  EXPECT_THAT(
      ParseSourcesFile(R"({"sources":[{"name":"\u0000web","dataset":"d"}]})").status().message(),
      HasSubstr(R"(source name "\000web" must be at most 65535 bytes, without NUL or )"
                "newline"));
  EXPECT_THAT(ParseSourcesFile(R"({"sources":[{"name":"a\nb","dataset":"d"}]})").status().message(),
              HasSubstr("without NUL or newline"));
  EXPECT_THAT(ParseSourcesFile(R"({"sources":[{"name":")" + std::string(65536, 'x') +
                               R"(","dataset":"d"}]})")
                  .status()
                  .message(),
              HasSubstr("at most 65535 bytes"));
  EXPECT_TRUE(ParseSourcesFile(R"({"sources":[{"name":"web app","dataset":"d"}]})").ok());
}

}  // namespace
}  // namespace opentrack::cli
