// Incremental HTTP/1.1 response parser for the load generator: just enough to
// find where each response ends (Content-Length, chunked, or body until close)
// and what its status was. Bodies are skipped, never stored.
#ifndef OPENTRACK_BENCH_LOADGEN_RESPONSE_PARSER_H_
#define OPENTRACK_BENCH_LOADGEN_RESPONSE_PARSER_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace opentrack::loadgen {

enum class ParseResult {
  kNeedMore,  // every byte consumed, the response is not complete yet
  kResponse,  // a final response ended; status() and close() describe it
  kError,     // malformed input; error() says why; the connection is unusable
};

// One per connection; not thread-safe. Allocates only when a response head or
// chunk line is longer than any seen before on the connection.
class ResponseParser {
 public:
  ResponseParser();

  // Consumes bytes from the front of `*data` until one final response ends
  // (returns kResponse, leaving the rest in `*data`), all bytes are used
  // (kNeedMore), or the input is malformed (kError). Interim 1xx responses
  // are skipped.
  ParseResult Consume(std::string_view* data);

  // The peer closed the connection. Returns kResponse if that ended a body
  // delimited by the close, kNeedMore if no response was in progress, and
  // kError if one was cut short.
  ParseResult ConsumeEof();

  int status() const { return status_; }
  // The server will close the connection after the response just returned.
  bool close() const { return close_; }
  const std::string& error() const { return error_; }

 private:
  enum class State { kHead, kBody, kBodyUntilClose, kChunkSize, kChunkData, kChunkEnd, kTrailers };

  ParseResult ConsumeHead(std::string_view* data);
  ParseResult ParseHead(std::string_view head);
  // Appends bytes up to and including the next '\n' to line_; true once a
  // whole line is there.
  bool TakeLine(std::string_view* data);
  ParseResult Finish();
  ParseResult Fail(std::string message);

  State state_ = State::kHead;
  std::string head_;  // status line and headers of the response in progress
  std::string line_;  // chunk-size or trailer line in progress
  uint64_t remaining_ = 0;
  int status_ = 0;
  bool close_ = false;
  bool chunked_ = false;
  std::string error_;
};

}  // namespace opentrack::loadgen

#endif  // OPENTRACK_BENCH_LOADGEN_RESPONSE_PARSER_H_
