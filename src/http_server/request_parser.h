// Private to the server: a Beast parser that fills an http::Request directly,
// so a request's fields are copied once (into the Request) rather than into
// Beast's field list first and then into the Request.
#ifndef OPENTRACK_HTTP_SERVER_REQUEST_PARSER_H_
#define OPENTRACK_HTTP_SERVER_REQUEST_PARSER_H_

#include <cstdint>

#include "boost/beast/http/basic_parser.hpp"
#include "boost/beast/http/verb.hpp"
#include "http_server/http_server.h"

namespace opentrack::http::internal {

// Parses one request into `*request`, which must outlive the parser. Like
// every Beast parser it is used for one message only.
class RequestParser final : public boost::beast::http::basic_parser<true> {
 public:
  explicit RequestParser(Request* request) : request_(request) {}

  boost::beast::http::verb method() const { return method_; }
  unsigned version() const { return version_; }
  // The client sent `Expect: 100-continue`.
  bool expect_continue() const { return expect_continue_; }

 private:
  using error_code = boost::beast::error_code;
  using string_view = boost::beast::string_view;

  void on_request_impl(boost::beast::http::verb method, string_view method_string,
                       string_view target, int version, error_code& ec) override;
  void on_response_impl(int, string_view, int, error_code& ec) override;
  void on_field_impl(boost::beast::http::field name, string_view name_string, string_view value,
                     error_code& ec) override;
  void on_header_impl(error_code&) override {}
  void on_body_init_impl(const boost::optional<std::uint64_t>& content_length,
                         error_code& ec) override;
  std::size_t on_body_impl(string_view body, error_code& ec) override;
  void on_chunk_header_impl(std::uint64_t, string_view, error_code&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, string_view body, error_code& ec) override;
  void on_finish_impl(error_code&) override {}

  Request* const request_;
  boost::beast::http::verb method_ = boost::beast::http::verb::unknown;
  unsigned version_ = 11;
  bool expect_continue_ = false;
};

}  // namespace opentrack::http::internal

#endif  // OPENTRACK_HTTP_SERVER_REQUEST_PARSER_H_
