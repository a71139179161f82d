// Fuzzes TrackingApi::Handle: the first input byte picks the path, the
// Content-Encoding and how the write key is sent; the rest is the body. Beyond
// "no crash", each request must get exactly one answer with a known status
// and a JSON body, a 200 must come only after the sink took the request, and
// normalizing a sunk request must give as many events as the API accepted.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "http_api/fake_event_sink.h"
#include "http_api/tracking_api.h"

namespace {

using namespace opentrack;

void Check(bool condition) {
  if (!condition) std::abort();
}

constexpr const char* kPaths[] = {"/v1/track", "/v1/identify", "/v1/page",  "/v1/screen",
                                  "/v1/group", "/v1/alias",    "/v1/batch", "/v1/b"};
constexpr const char* kEncodings[] = {"", "gzip", "deflate", "identity"};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  static FakeClock* clock = new FakeClock();
  const uint8_t selector = data[0];
  std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);

  http_api::FakeEventSink sink;
  metrics::Registry registry;
  http_api::ApiOptions options;
  options.sources = {{"web", "key"}};
  options.allow_any_write_key = (selector & 0x40) != 0;
  http_api::TrackingApi api(options, &sink, clock, &registry);

  http::Request request;
  request.method = "POST";
  request.path = kPaths[selector & 7];
  request.body = std::string(body);
  request.remote_address = "127.0.0.1";
  if (const char* encoding = kEncodings[(selector >> 3) & 3]; *encoding != '\0') {
    request.headers.emplace_back("Content-Encoding", encoding);
  }
  if (selector & 0x20) request.headers.emplace_back("Authorization", "Basic a2V5Og==");

  int answers = 0;
  int status = 0;
  std::string answer;
  api.Handle(std::move(request), [&](http::Response response) {
    ++answers;
    status = response.status;
    answer = std::move(response.body);
  });
  Check(answers == 1);
  Check(status == 200 || status == 400 || status == 401 || status == 415);
  Check(!answer.empty() && answer.front() == '{' && answer.back() == '}');
  if (status == 200)
    Check(answer == R"({"success":true})" || !sink.appends().empty() ||
          answer.find("\"accepted\":0") != std::string::npos);
  // What the loader will make of a sunk request: the events the API counted.
  for (const http_api::FakeEventSink::Call& call : sink.appends()) {
    Check(call.request.accepted > 0 && call.events().size() == call.request.accepted);
  }
  return 0;
}
