// Shorthands shared by the http_api tests.
#ifndef OPENTRACK_HTTP_API_TEST_UTIL_H_
#define OPENTRACK_HTTP_API_TEST_UTIL_H_

#include <zlib.h>

#include <optional>
#include <string>
#include <string_view>

#include "absl/strings/escaping.h"
#include "gtest/gtest.h"
#include "http_server/http_server.h"

namespace opentrack::http_api::testing {

// Compresses with zlib: window_bits 31 = gzip, 15 = zlib, -15 = raw deflate.
inline std::string Compress(std::string_view data, int window_bits = 31) {
  z_stream zs{};
  EXPECT_EQ(deflateInit2(&zs, Z_BEST_COMPRESSION, Z_DEFLATED, window_bits, 9, Z_DEFAULT_STRATEGY),
            Z_OK);
  std::string out(deflateBound(&zs, data.size()) + 64, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

inline std::string BasicAuth(std::string_view user) {
  return "Basic " + absl::Base64Escape(std::string(user) + ":");
}

inline http::Request Post(std::string path, std::string body) {
  http::Request request;
  request.method = "POST";
  request.target = path;
  request.path = std::move(path);
  request.body = std::move(body);
  request.remote_address = "10.0.0.9";
  return request;
}

}  // namespace opentrack::http_api::testing

#endif  // OPENTRACK_HTTP_API_TEST_UTIL_H_
