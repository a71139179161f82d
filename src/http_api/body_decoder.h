// Undoes a request's Content-Encoding with a hard cap on the decoded size, so
// a small compressed body cannot expand without bound (a "zip bomb").
#ifndef OPENTRACK_HTTP_API_BODY_DECODER_H_
#define OPENTRACK_HTTP_API_BODY_DECODER_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace opentrack::http_api {

// `content_encoding` is the header's value: "" or "identity" (returned as is),
// "gzip"/"x-gzip", or "deflate" (zlib-wrapped, or raw as some clients send).
// Errors are InvalidArgument with an error code: "unsupported_encoding",
// "invalid_encoding" (corrupt or truncated data) and "payload_too_large"
// (decoded output would exceed `max_decoded_bytes`; inflation stops there).
absl::StatusOr<std::string> DecodeBody(std::string body, std::string_view content_encoding,
                                       size_t max_decoded_bytes);

}  // namespace opentrack::http_api

#endif  // OPENTRACK_HTTP_API_BODY_DECODER_H_
