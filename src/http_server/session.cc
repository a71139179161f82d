#include "http_server/session.h"

#include <algorithm>
#include <array>
#include <string_view>
#include <utility>

#include "absl/time/time.h"
#include "boost/asio/dispatch.hpp"
#include "boost/asio/post.hpp"
#include "boost/asio/read.hpp"
#include "boost/asio/write.hpp"
#include "boost/beast/http/error.hpp"
#include "http_server/response_head.h"

namespace opentrack::http::internal {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

constexpr size_t kInitialReadBytes = 8 * 1024;
// A buffer grown past this for one large body is released before the next
// request, so idle keep-alive connections do not pin memory.
constexpr size_t kMaxKeptReadBytes = 256 * 1024;
// Beast's own reads never ask for less.
constexpr size_t kMinReadBytes = 512;
// A declared body at least this long is read straight into the request,
// rather than into the read buffer and then copied by the parser.
constexpr size_t kDirectBodyBytes = 16 * 1024;
// How long a closing connection discards what the client still sends.
constexpr auto kLingerTime = std::chrono::seconds(2);

std::chrono::steady_clock::duration BoundedIdleTimeout(absl::Duration timeout) {
  const absl::Duration bounded = std::clamp(timeout, absl::ZeroDuration(), absl::Hours(24 * 365));
  return std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      absl::ToChronoNanoseconds(bounded));
}

// Shared by every copy of a Responder. Answers 500 if every copy is dropped
// unanswered, so a buggy handler cannot hang a connection forever.
class ResponderState {
 public:
  explicit ResponderState(std::shared_ptr<SessionBase> session) : session_(std::move(session)) {}
  ~ResponderState() {
    if (!done_.load()) {
      session_->PostResponse(Response::Text(500, "the handler dropped the request\n"));
    }
  }
  void Respond(Response response) {
    if (done_.exchange(true)) return;
    session_->PostResponse(std::move(response));
  }

 private:
  std::shared_ptr<SessionBase> session_;
  std::atomic<bool> done_{false};
};

}  // namespace

Shared::Shared(ServerOptions o, Handler h)
    : options(std::move(o)),
      handler(std::move(h)),
      idle_timeout(BoundedIdleTimeout(options.idle_timeout)),
      // A hint of 1 lets the io_context queue its own thread's work without locking.
      ioc(std::max(1, options.io_threads)) {}

template <typename Executor>
Session<Executor>::Session(std::shared_ptr<Shared> shared, Socket socket)
    : shared_(std::move(shared)), socket_(std::move(socket)), timer_(socket_.get_executor()) {
  // Reads fill the buffer's free space: room for the headers and a small body
  // now; Parse makes room for larger bodies once their length is known.
  buffer_.reserve(kInitialReadBytes);
  beast::error_code ec;
  auto endpoint = socket_.remote_endpoint(ec);
  if (!ec) remote_address_ = endpoint.address().to_string();
}

template <typename Executor>
Session<Executor>::~Session() {
  Unregister();
}

template <typename Executor>
void Session<Executor>::Start() {
  asio::dispatch(socket_.get_executor(), [self = this->shared_from_this()] {
    if (self->shared_->draining.load()) return self->Close();
    self->deadline_ = Clock::now() + self->shared_->idle_timeout;
    self->ArmTimer();
    self->ReadNext();
  });
}

template <typename Executor>
void Session<Executor>::PostDrain() {
  asio::post(socket_.get_executor(), [self = this->shared_from_this()] { self->Drain(); });
}

template <typename Executor>
void Session<Executor>::PostClose() {
  asio::post(socket_.get_executor(), [self = this->shared_from_this()] { self->Close(); });
}

template <typename Executor>
void Session<Executor>::PostResponse(Response response) {
  std::lock_guard<std::mutex> lock(shared_->mu);
  if (shared_->stopped) return;  // the server is gone; drop it
  asio::post(socket_.get_executor(),
             [self = this->shared_from_this(), response = std::move(response)]() mutable {
               self->WriteResponse(std::move(response));
             });
}

// The timer fires at the deadline, or idle_timeout from now if that is
// sooner, and re-arms while the deadline has not passed.
template <typename Executor>
void Session<Executor>::SetDeadline(Clock::time_point deadline) {
  deadline_ = deadline;
  // Rare (lingering): the armed wait ends later than the new deadline.
  if (deadline < timer_.expiry()) timer_.cancel();
}

template <typename Executor>
void Session<Executor>::ArmTimer() {
  timer_.expires_at(std::min(deadline_, Clock::now() + shared_->idle_timeout));
  timer_.async_wait([self = this->shared_from_this()](beast::error_code) { self->OnTimer(); });
}

template <typename Executor>
void Session<Executor>::OnTimer() {
  if (closed_) return;
  if (Clock::now() >= deadline_) return Close();
  ArmTimer();
}

template <typename Executor>
void Session<Executor>::ReadNext() {
  if (closed_) return;
  if (shared_->draining.load()) return Close();
  if (buffer_.size() == 0 && buffer_.capacity() > kMaxKeptReadBytes) {
    buffer_ = beast::flat_buffer();
    buffer_.reserve(kInitialReadBytes);
  }
  // The whole request, headers and body, must arrive within idle_timeout.
  SetDeadline(Clock::now() + shared_->idle_timeout);
  request_ = Request();
  request_.headers.reserve(8);
  parser_.emplace(&request_);
  parser_->eager(true);
  parser_->body_limit(shared_->options.max_body_bytes);
  parser_->header_limit(static_cast<std::uint32_t>(shared_->options.max_header_bytes));
  continue_sent_ = false;
  // A pipelining client's next request may be buffered already.
  if (buffer_.size() > 0) return Parse();
  ReadSome();
}

template <typename Executor>
void Session<Executor>::ReadSome() {
  const size_t room = std::max(kMinReadBytes, buffer_.capacity() - buffer_.size());
  // On end of stream, reset, timeout (Close) or Shutdown there is nothing to answer.
  socket_.async_read_some(buffer_.prepare(room),
                          [self = this->shared_from_this()](beast::error_code ec, size_t n) {
                            if (ec) return self->Close();
                            self->buffer_.commit(n);
                            self->Parse();
                          });
}

template <typename Executor>
void Session<Executor>::Parse() {
  beast::error_code ec;
  while (!parser_->is_done() && buffer_.size() > 0) {
    const size_t used = parser_->put(buffer_.data(), ec);
    buffer_.consume(used);
    if (ec == bhttp::error::need_more) break;
    if (ec) return OnParseError(ec);
    if (used == 0) break;
  }
  if (parser_->is_done()) return OnRequest();
  if (parser_->is_header_done()) {
    // Clients such as curl send `Expect: 100-continue` before large bodies
    // and wait (a second, for curl) unless told to go on.
    if (parser_->expect_continue() && parser_->version() >= 11 && !continue_sent_) {
      return SendContinue();
    }
    // Read the rest of the body in as few calls as its declared length
    // allows (the parser has checked it against the body limit).
    if (const auto remaining = parser_->content_length_remaining(); remaining.has_value()) {
      const size_t want = static_cast<size_t>(*remaining);
      // The parser took every buffered byte (it is eager), so the rest of
      // the body is exactly the next `want` bytes on the socket.
      if (want >= kDirectBodyBytes && buffer_.size() == 0) return ReadBodyDirect(want);
      if (buffer_.capacity() - buffer_.size() < want) buffer_.reserve(buffer_.size() + want);
    }
  }
  ReadSome();
}

// The parser has seen the headers and the body's first bytes; the rest
// bypasses it (a Content-Length body needs no parsing), and the request is
// complete once `remaining` bytes have arrived.
template <typename Executor>
void Session<Executor>::ReadBodyDirect(size_t remaining) {
  std::string& body = request_.body;
  const size_t have = body.size();
  body.resize(have + remaining);  // on_body_init_impl reserved it, and the read slack
  asio::async_read(socket_, asio::buffer(body.data() + have, remaining),
                   [self = this->shared_from_this()](beast::error_code ec, size_t) {
                     if (ec) return self->Close();
                     self->OnRequest();
                   });
}

template <typename Executor>
void Session<Executor>::SendContinue() {
  static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
  continue_sent_ = true;
  asio::async_write(socket_, asio::buffer(kContinue.data(), kContinue.size()),
                    [self = this->shared_from_this()](beast::error_code ec, size_t) {
                      if (ec) return self->Close();
                      self->Parse();
                    });
}

template <typename Executor>
void Session<Executor>::OnParseError(beast::error_code ec) {
  if (ec == bhttp::error::body_limit) return WriteError(413, "request body too large\n");
  if (ec == bhttp::error::header_limit) return WriteError(431, "request headers too large\n");
  WriteError(400, "malformed request\n");
}

template <typename Executor>
void Session<Executor>::OnRequest() {
  handling_ = true;
  deadline_ = Clock::time_point::max();  // the handler may take its time
  keep_alive_ = parser_->keep_alive();
  head_request_ = parser_->method() == bhttp::verb::head;
  version_ = parser_->version();
  parser_.reset();
  request_.remote_address = remote_address_;
  shared_->handler(std::move(request_), MakeResponder());
}

template <typename Executor>
Responder Session<Executor>::MakeResponder() {
  auto state = std::make_shared<ResponderState>(this->shared_from_this());
  return [state = std::move(state)](Response response) { state->Respond(std::move(response)); };
}

template <typename Executor>
void Session<Executor>::WriteError(int status, std::string text) {
  handling_ = true;
  head_request_ = false;
  keep_alive_ = false;
  parser_.reset();
  WriteResponse(Response::Text(status, std::move(text)));
}

template <typename Executor>
void Session<Executor>::WriteResponse(Response response) {
  if (closed_) return;
  head_.clear();
  const bool close = !keep_alive_ || shared_->draining.load();
  const ResponseFraming framing =
      AppendResponseHead(response, version_, head_request_, close, &head_);
  if (framing.send_body) body_ = std::move(response.body);
  SetDeadline(Clock::now() + shared_->idle_timeout);
  // Head and body in one writev.
  std::array<asio::const_buffer, 2> buffers = {asio::buffer(head_), asio::buffer(body_)};
  asio::async_write(socket_, buffers,
                    [self = this->shared_from_this(), close = framing.close](
                        beast::error_code ec, size_t) { self->OnWrite(ec, close); });
}

template <typename Executor>
void Session<Executor>::OnWrite(beast::error_code ec, bool close) {
  handling_ = false;
  body_ = std::string();
  if (ec) return Close();
  if (close) return Linger();
  ReadNext();
}

// Half-closes and discards what the client still sends, so a client that
// is mid-upload (e.g. after a 413) reads our response instead of a reset.
template <typename Executor>
void Session<Executor>::Linger() {
  beast::error_code ec;
  socket_.shutdown(tcp::socket::shutdown_send, ec);
  if (ec) return Close();
  SetDeadline(Clock::now() + kLingerTime);
  DiscardInput();
}

template <typename Executor>
void Session<Executor>::DiscardInput() {
  if (closed_) return;
  if (shared_->draining.load()) return Close();
  buffer_.consume(buffer_.size());
  socket_.async_read_some(buffer_.prepare(64 * 1024),
                          [self = this->shared_from_this()](beast::error_code ec, size_t n) {
                            if (ec) return self->Close();
                            self->buffer_.commit(n);
                            self->DiscardInput();
                          });
}

template <typename Executor>
void Session<Executor>::Drain() {
  if (!handling_) Close();
}

template <typename Executor>
void Session<Executor>::Close() {
  if (closed_) return;
  closed_ = true;
  beast::error_code ec;
  socket_.shutdown(tcp::socket::shutdown_both, ec);
  socket_.close(ec);
  timer_.cancel();
  Unregister();
}

// Shutdown waits for open connections, not for Session objects: a handler
// may hold a responder (and so the Session) longer than the connection.
template <typename Executor>
void Session<Executor>::Unregister() {
  std::lock_guard<std::mutex> lock(shared_->mu);
  if (shared_->sessions.erase(this) > 0 && shared_->sessions.empty()) {
    shared_->no_sessions.notify_all();
  }
}

template class Session<asio::io_context::executor_type>;
template class Session<asio::strand<asio::io_context::executor_type>>;

}  // namespace opentrack::http::internal
