#include "http_client/http_client.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"

namespace opentrack::http_client {

std::string_view FindHeader(const Headers& headers, std::string_view name) {
  for (const auto& [key, value] : headers) {
    if (absl::EqualsIgnoreCase(absl::string_view(key.data(), key.size()),
                               absl::string_view(name.data(), name.size()))) {
      return value;
    }
  }
  return {};
}

std::string UrlEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if (absl::ascii_isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

}  // namespace opentrack::http_client
