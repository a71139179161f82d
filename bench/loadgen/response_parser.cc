#include "response_parser.h"

#include <algorithm>
#include <charconv>
#include <utility>

namespace opentrack::loadgen {
namespace {

// Far above what any server sends; a bound so garbage cannot grow memory.
constexpr size_t kMaxHeadBytes = 64 * 1024;
constexpr size_t kMaxLineBytes = 8 * 1024;
constexpr std::string_view kHeadEnd = "\r\n\r\n";

// Plain std helpers: Debian's abseil has its own string_view type.
std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](char x, char y) { return Lower(x) == Lower(y); });
}

bool EndsWithIgnoreCase(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && EqualsIgnoreCase(s.substr(s.size() - suffix.size()), suffix);
}

// Whole-string unsigned decimal or hex number.
template <typename T>
bool ParseNumber(std::string_view s, T* out, int base = 10) {
  if (s.empty()) return false;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out, base);
  return ec == std::errc() && end == s.data() + s.size();
}

// Parses a chunk-size line without its CRLF: hex digits, then optional
// extensions after ';'.
bool ParseChunkSize(std::string_view line, uint64_t* size) {
  line = Trim(line.substr(0, line.find(';')));
  return line.find_first_not_of("0123456789abcdefABCDEF") == std::string_view::npos &&
         ParseNumber(line, size, 16);
}

// Whether a comma-separated header value lists `token`, ignoring case.
bool HasToken(std::string_view value, std::string_view token) {
  while (!value.empty()) {
    const size_t comma = value.find(',');
    if (EqualsIgnoreCase(Trim(value.substr(0, comma)), token)) return true;
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return false;
}

}  // namespace

ResponseParser::ResponseParser() {
  head_.reserve(1024);
  line_.reserve(64);
}

ParseResult ResponseParser::Consume(std::string_view* data) {
  if (!error_.empty()) return ParseResult::kError;
  while (!data->empty()) {
    switch (state_) {
      case State::kHead: {
        const ParseResult r = ConsumeHead(data);
        if (r != ParseResult::kNeedMore) return r;
        break;
      }
      case State::kBody: {
        const size_t n = std::min<uint64_t>(remaining_, data->size());
        data->remove_prefix(n);
        remaining_ -= n;
        if (remaining_ == 0) return Finish();
        break;
      }
      case State::kBodyUntilClose:
        data->remove_prefix(data->size());
        break;
      case State::kChunkSize: {
        if (!TakeLine(data)) break;
        uint64_t size;
        if (!line_.ends_with("\r\n") ||
            !ParseChunkSize(std::string_view(line_).substr(0, line_.size() - 2), &size)) {
          return Fail("bad chunk size line");
        }
        line_.clear();
        remaining_ = size;
        state_ = size == 0 ? State::kTrailers : State::kChunkData;
        break;
      }
      case State::kChunkData: {
        const size_t n = std::min<uint64_t>(remaining_, data->size());
        data->remove_prefix(n);
        remaining_ -= n;
        if (remaining_ == 0) state_ = State::kChunkEnd;
        break;
      }
      case State::kChunkEnd:
        if (!TakeLine(data)) break;
        if (line_ != "\r\n") return Fail("chunk data longer than its size");
        line_.clear();
        state_ = State::kChunkSize;
        break;
      case State::kTrailers:
        if (!TakeLine(data)) break;
        if (line_ == "\r\n") return Finish();
        line_.clear();
        break;
    }
    if (!error_.empty()) return ParseResult::kError;
  }
  return ParseResult::kNeedMore;
}

ParseResult ResponseParser::ConsumeEof() {
  if (state_ == State::kBodyUntilClose) return Finish();
  if (state_ == State::kHead && head_.empty()) return ParseResult::kNeedMore;
  return Fail("connection closed mid-response");
}

// Finds the end of the head. In the usual case the whole head arrived in one
// read and is parsed in place; otherwise it is gathered in head_.
ParseResult ResponseParser::ConsumeHead(std::string_view* data) {
  if (head_.empty()) {
    const size_t end = data->find(kHeadEnd);
    if (end != std::string_view::npos) {
      const std::string_view head = data->substr(0, end + kHeadEnd.size());
      data->remove_prefix(head.size());
      return ParseHead(head);
    }
  }
  const size_t old_size = head_.size();
  // The terminator may straddle the previous read.
  const size_t search_from = old_size >= 3 ? old_size - 3 : 0;
  head_.append(data->data(), std::min(data->size(), kMaxHeadBytes + kHeadEnd.size() - old_size));
  const size_t end = head_.find(kHeadEnd, search_from);
  if (end == std::string::npos) {
    if (head_.size() > kMaxHeadBytes) return Fail("response head too large");
    data->remove_prefix(data->size());
    return ParseResult::kNeedMore;
  }
  head_.resize(end + kHeadEnd.size());
  data->remove_prefix(head_.size() - old_size);
  const ParseResult r = ParseHead(head_);
  head_.clear();  // keeps the capacity
  return r;
}

ParseResult ResponseParser::ParseHead(std::string_view head) {
  // Status line: HTTP/1.x SP 3DIGIT SP reason.
  if (head.size() < 13 || !head.starts_with("HTTP/1.") || (head[7] != '0' && head[7] != '1') ||
      head[8] != ' ' || !ParseNumber(head.substr(9, 3), &status_) || status_ < 100 ||
      (head[12] != ' ' && head[12] != '\r')) {
    return Fail("bad status line");
  }
  const bool http10 = head[7] == '0';
  bool keep_alive_token = false, close_token = false, has_length = false;
  uint64_t content_length = 0;
  chunked_ = false;
  size_t pos = head.find("\r\n") + 2;
  while (pos < head.size()) {
    const size_t eol = head.find("\r\n", pos);
    const std::string_view line = head.substr(pos, eol - pos);
    pos = eol + 2;
    if (line.empty()) break;
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) return Fail("bad header line");
    const std::string_view name = line.substr(0, colon);
    const std::string_view value = Trim(line.substr(colon + 1));
    if (EqualsIgnoreCase(name, "Content-Length")) {
      uint64_t length;
      if (!ParseNumber(value, &length) || (has_length && length != content_length)) {
        return Fail("bad Content-Length");
      }
      has_length = true;
      content_length = length;
    } else if (EqualsIgnoreCase(name, "Transfer-Encoding")) {
      chunked_ = EndsWithIgnoreCase(value, "chunked");
    } else if (EqualsIgnoreCase(name, "Connection")) {
      close_token = close_token || HasToken(value, "close");
      keep_alive_token = keep_alive_token || HasToken(value, "keep-alive");
    }
  }
  close_ = close_token || (http10 && !keep_alive_token);
  if (status_ < 200) {
    if (status_ == 101) return Fail("unexpected 101 Switching Protocols");
    return ParseResult::kNeedMore;  // interim response: the final one follows
  }
  if (status_ == 204 || status_ == 304) return Finish();
  if (chunked_) {
    state_ = State::kChunkSize;
  } else if (has_length) {
    if (content_length == 0) return Finish();
    remaining_ = content_length;
    state_ = State::kBody;
  } else {
    close_ = true;
    state_ = State::kBodyUntilClose;
  }
  return ParseResult::kNeedMore;
}

bool ResponseParser::TakeLine(std::string_view* data) {
  const size_t newline = data->find('\n');
  const size_t take = newline == std::string_view::npos ? data->size() : newline + 1;
  line_.append(data->data(), take);
  data->remove_prefix(take);
  if (line_.size() > kMaxLineBytes) {
    Fail("chunk line too long");
    return false;
  }
  return newline != std::string_view::npos;
}

ParseResult ResponseParser::Finish() {
  state_ = State::kHead;
  head_.clear();
  line_.clear();
  remaining_ = 0;
  return ParseResult::kResponse;
}

ParseResult ResponseParser::Fail(std::string message) {
  if (error_.empty()) error_ = std::move(message);
  return ParseResult::kError;
}

}  // namespace opentrack::loadgen
