// Test fixture that drives the emulator's Service directly (no sockets) with
// a FakeClock.
#ifndef OPENTRACK_EMULATOR_SERVICE_TEST_UTIL_H_
#define OPENTRACK_EMULATOR_SERVICE_TEST_UTIL_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "emulator/json.h"
#include "emulator/service.h"
#include "gtest/gtest.h"

namespace opentrack::emulator::testing {

struct Reply {
  int status = 0;
  std::string body;
  Json json;
  http::Response raw;
  std::string Reason() const;   // errors[0].reason
  std::string Message() const;  // error.message
};

class ServiceTest : public ::testing::Test {
 public:
  void SetUp() override { Restart(); }
  // Recreates the service with `options_` (clock forced to the fake one).
  void Restart();

  Reply Send(const std::string& method, const std::string& target, const std::string& body = "",
             std::vector<std::pair<std::string, std::string>> headers = {});
  Reply Get(const std::string& target) { return Send("GET", target); }
  Reply Post(const std::string& target, const std::string& body) {
    return Send("POST", target, body);
  }

  void CreateDataset(const std::string& dataset);
  // `fields` is the JSON array of schema fields.
  void CreateTable(const std::string& dataset, const std::string& table, const std::string& fields);
  Reply InsertAll(const std::string& dataset, const std::string& table, const std::string& body);
  // Runs a GoogleSQL query (useLegacySql false); returns the reply.
  Reply Query(const std::string& sql);
  // The rows of a successful query as vectors of cell texts ("NULL" for null).
  std::vector<std::vector<std::string>> QueryRows(const std::string& sql);

  FakeClock clock_{absl::FromUnixSeconds(1704067200)};  // 2024-01-01T00:00:00Z
  EmulatorOptions options_;
  std::unique_ptr<Service> service_;
};

}  // namespace opentrack::emulator::testing

#endif  // OPENTRACK_EMULATOR_SERVICE_TEST_UTIL_H_
