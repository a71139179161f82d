// absl::StrCat that also takes std::string_view: Debian's abseil keeps its own
// string_view type, so every std::string_view argument needs converting.
// Private to http_client, auth and bigquery.
#ifndef OPENTRACK_HTTP_CLIENT_INTERNAL_STR_CAT_H_
#define OPENTRACK_HTTP_CLIENT_INTERNAL_STR_CAT_H_

#include <string>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace opentrack::http_client_internal {

inline absl::string_view ToAbsl(std::string_view s) { return {s.data(), s.size()}; }
template <typename T>
const T& ToAbsl(const T& v) {
  return v;
}

template <typename... Args>
std::string Cat(const Args&... args) {
  return absl::StrCat(ToAbsl(args)...);
}

}  // namespace opentrack::http_client_internal

#endif  // OPENTRACK_HTTP_CLIENT_INTERNAL_STR_CAT_H_
