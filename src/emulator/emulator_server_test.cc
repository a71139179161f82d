// The emulator over real HTTP (libcurl on 127.0.0.1, port 0).
#include <curl/curl.h>

#include <string>

#include "emulator/emulator.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace opentrack::emulator {
namespace {

using ::testing::HasSubstr;

struct HttpReply {
  long status = 0;
  std::string body;
  std::string headers;
};

size_t Collect(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

HttpReply Fetch(const std::string& method, const std::string& url, const std::string& body = "",
                const std::string& header = "") {
  HttpReply reply;
  CURL* curl = curl_easy_init();
  curl_slist* list = nullptr;
  if (!header.empty()) list = curl_slist_append(list, header.c_str());
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
  if (method != "GET") {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  }
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, Collect);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &reply.body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, Collect);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &reply.headers);
  EXPECT_EQ(curl_easy_perform(curl), CURLE_OK);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply.status);
  curl_slist_free_all(list);
  curl_easy_cleanup(curl);
  return reply;
}

TEST(EmulatorServerTest, ServesTheRestApiOnAnEphemeralPort) {
  FakeClock clock;
  EmulatorOptions options;
  options.clock = &clock;
  auto emulator = Emulator::Start(options);
  ASSERT_TRUE(emulator.ok()) << emulator.status();
  const std::string base = (*emulator)->endpoint();
  EXPECT_NE((*emulator)->port(), 0);

  HttpReply missing = Fetch("GET", base + "/bigquery/v2/projects/p/datasets/d");
  EXPECT_EQ(missing.status, 404);
  EXPECT_THAT(missing.body, HasSubstr(R"("status":"NOT_FOUND")"));
  EXPECT_THAT(missing.headers, HasSubstr("application/json"));

  EXPECT_EQ(Fetch("POST", base + "/projects/p/datasets",
                  R"({"datasetReference":{"datasetId":"d"}})", "Content-Type: application/json")
                .status,
            200);
  EXPECT_EQ(Fetch("GET", base + "/bigquery/v2/projects/p/datasets/d").status, 200);

  FaultOptions faults;
  faults.error_rate = 1;
  (*emulator)->SetFaults(faults);
  HttpReply injected = Fetch("GET", base + "/projects/p/datasets/d");
  EXPECT_EQ(injected.status, 503);
  EXPECT_THAT(injected.body, HasSubstr(R"("reason":"backendError")"));
  (*emulator)->Shutdown();
}

TEST(EmulatorServerTest, DataSurvivesRestartWithAFile) {
  const std::string path = ::testing::TempDir() + "/emulator_restart.db";
  std::remove(path.c_str());
  EmulatorOptions options;
  options.database_path = path;
  {
    auto emulator = Emulator::Start(options);
    ASSERT_TRUE(emulator.ok()) << emulator.status();
    EXPECT_EQ(Fetch("POST", (*emulator)->endpoint() + "/projects/p/datasets",
                    R"({"datasetReference":{"datasetId":"kept"}})")
                  .status,
              200);
  }
  auto emulator = Emulator::Start(options);
  ASSERT_TRUE(emulator.ok()) << emulator.status();
  EXPECT_EQ(Fetch("GET", (*emulator)->endpoint() + "/projects/p/datasets/kept").status, 200);
}

}  // namespace
}  // namespace opentrack::emulator
