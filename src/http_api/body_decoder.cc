#include "http_api/body_decoder.h"

#include <zlib.h>

#include <algorithm>
#include <cctype>

#include "absl/status/status.h"
#include "common/error_code.h"

namespace opentrack::http_api {
namespace {

absl::Status DecodeError(std::string_view code, std::string message) {
  return WithErrorCode(absl::InvalidArgumentError(std::move(message)), code);
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  // Trim surrounding spaces: "gzip " is seen in the wild.
  out.erase(0, out.find_first_not_of(" \t"));
  out.erase(out.find_last_not_of(" \t") + 1);
  return out;
}

// Inflates with zlib's `window_bits` (31: gzip; 15: zlib; -15: raw deflate).
absl::StatusOr<std::string> Inflate(std::string_view in, int window_bits, size_t max_out) {
  z_stream zs{};
  if (inflateInit2(&zs, window_bits) != Z_OK) {
    return absl::InternalError("zlib inflateInit2 failed");
  }
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  std::string out;
  constexpr size_t kChunk = 64 * 1024;
  int rc = Z_OK;
  while (true) {
    if (out.size() > max_out) break;
    size_t used = out.size();
    // Room for one byte past the cap, so reaching it is detectable.
    size_t room = std::min(kChunk, max_out + 1 - used);
    out.resize(used + room);
    zs.next_out = reinterpret_cast<Bytef*>(out.data() + used);
    zs.avail_out = static_cast<uInt>(room);
    rc = inflate(&zs, Z_NO_FLUSH);
    out.resize(used + (room - zs.avail_out));
    if (rc == Z_STREAM_END) {
      // Concatenated gzip members are one body (RFC 1952 section 2.2).
      if (zs.avail_in == 0) break;
      if (inflateReset(&zs) != Z_OK) break;
      continue;
    }
    if (rc == Z_BUF_ERROR && zs.avail_in == 0) break;  // truncated input
    if (rc != Z_OK && rc != Z_BUF_ERROR) break;
  }
  inflateEnd(&zs);
  if (out.size() > max_out) {
    return DecodeError("payload_too_large", "decompressed body exceeds the limit of " +
                                                std::to_string(max_out) + " bytes");
  }
  if (rc != Z_STREAM_END) {
    return DecodeError("invalid_encoding", "compressed body is corrupt or truncated");
  }
  return out;
}

}  // namespace

absl::StatusOr<std::string> DecodeBody(std::string body, std::string_view content_encoding,
                                       size_t max_decoded_bytes) {
  std::string encoding = Lower(content_encoding);
  if (encoding.empty() || encoding == "identity") return body;
  if (encoding == "gzip" || encoding == "x-gzip") return Inflate(body, 15 + 16, max_decoded_bytes);
  if (encoding == "deflate") {
    auto zlib = Inflate(body, 15, max_decoded_bytes);
    if (zlib.ok() || ErrorCode(zlib.status()) != "invalid_encoding") return zlib;
    return Inflate(body, -15, max_decoded_bytes);
  }
  return DecodeError("unsupported_encoding", "unsupported Content-Encoding '" +
                                                 std::string(content_encoding) +
                                                 "'; use gzip, deflate or none");
}

}  // namespace opentrack::http_api
