#include "common/error_code.h"

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"

namespace opentrack {
namespace {
constexpr absl::string_view kErrorCodeUrl = "opentrack/error_code";
}  // namespace

absl::Status WithErrorCode(absl::Status status, std::string_view code) {
  if (status.ok()) return status;
  status.SetPayload(kErrorCodeUrl, absl::Cord(absl::string_view(code.data(), code.size())));
  return status;
}

std::string ErrorCode(const absl::Status& status) {
  auto payload = status.GetPayload(kErrorCodeUrl);
  return payload ? std::string(*payload) : std::string();
}

absl::Status WithContext(const absl::Status& status, std::string_view context) {
  if (status.ok()) return status;
  absl::Status out(status.code(), absl::StrCat(absl::string_view(context.data(), context.size()),
                                               ": ", status.message()));
  status.ForEachPayload(
      [&](absl::string_view url, const absl::Cord& payload) { out.SetPayload(url, payload); });
  return out;
}

}  // namespace opentrack
