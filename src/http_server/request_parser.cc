#include "http_server/request_parser.h"

#include <algorithm>
#include <string_view>

#include "boost/beast/core/string.hpp"
#include "boost/beast/http/error.hpp"
#include "boost/beast/http/field.hpp"

namespace opentrack::http::internal {
namespace {

namespace bhttp = boost::beast::http;

std::string_view View(boost::beast::string_view s) { return {s.data(), s.size()}; }

}  // namespace

void RequestParser::on_request_impl(bhttp::verb method, string_view method_string,
                                    string_view target, int version, error_code&) {
  method_ = method;
  version_ = static_cast<unsigned>(version);
  request_->method.assign(method_string.data(), method_string.size());
  request_->target.assign(target.data(), target.size());
  std::string_view whole = View(target);
  const size_t q = whole.find('?');
  request_->path.assign(whole.substr(0, q));
  if (q != std::string_view::npos) request_->query.assign(whole.substr(q + 1));
}

// Never called for a request parser; Beast requires it.
void RequestParser::on_response_impl(int, string_view, int, error_code& ec) {
  ec = bhttp::error::bad_version;
}

void RequestParser::on_field_impl(bhttp::field name, string_view name_string, string_view value,
                                  error_code&) {
  if (name == bhttp::field::expect && boost::beast::iequals(value, "100-continue")) {
    expect_continue_ = true;
  }
  request_->headers.emplace_back(View(name_string), View(value));
}

void RequestParser::on_body_init_impl(const boost::optional<std::uint64_t>& content_length,
                                      error_code&) {
  // Beast has already refused a declared length above the body limit.
  if (content_length) {
    request_->body.reserve(static_cast<size_t>(*content_length) + kBodyReadSlack);
  }
}

std::size_t RequestParser::on_body_impl(string_view body, error_code&) {
  request_->body.append(body.data(), body.size());
  return body.size();
}

std::size_t RequestParser::on_chunk_body_impl(std::uint64_t, string_view body, error_code&) {
  request_->body.append(body.data(), body.size());
  return body.size();
}

}  // namespace opentrack::http::internal
