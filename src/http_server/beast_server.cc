// Server implementation over Boost.Beast. One io_context is run by every I/O
// thread; each connection runs on its own strand, so a connection's handlers
// never race while different connections proceed in parallel.
#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "boost/asio/dispatch.hpp"
#include "boost/asio/executor_work_guard.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/post.hpp"
#include "boost/asio/strand.hpp"
#include "boost/asio/write.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"
#include "http_server/http_server.h"

namespace opentrack::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

std::chrono::nanoseconds ToChrono(absl::Duration d) { return absl::ToChronoNanoseconds(d); }

class Session;

// State shared by the server and its connections. Connections keep it alive
// (and with it the io_context) so a socket is never destroyed after its
// io_context, even when a handler keeps a responder past Shutdown().
struct Shared {
  Shared(ServerOptions o, Handler h) : options(std::move(o)), handler(std::move(h)) {}

  const ServerOptions options;
  const Handler handler;
  asio::io_context ioc;
  std::atomic<bool> draining{false};

  // std::mutex rather than absl::Mutex: the distro's abseil is not built with
  // TSan, which then cannot see absl::Mutex's ordering and reports false races.
  std::mutex mu;
  std::condition_variable no_sessions;  // signalled when `sessions` empties
  // Set once the I/O threads are about to exit; no more work may be posted.
  bool stopped = false;                                            // guarded by mu
  absl::flat_hash_map<Session*, std::weak_ptr<Session>> sessions;  // guarded by mu
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  static constexpr size_t kInitialReadBytes = 8 * 1024;
  // A buffer grown past this for one large body is released before the next
  // request, so idle keep-alive connections do not pin memory.
  static constexpr size_t kMaxKeptReadBytes = 256 * 1024;

  Session(std::shared_ptr<Shared> shared, tcp::socket socket)
      : shared_(std::move(shared)), stream_(std::move(socket)) {
    // Beast reads into the buffer's free space, at least 512 bytes: an empty
    // buffer meant ~380 reads for a 190 KB batch. Room for the headers and a
    // small body now; OnHeader makes room for larger bodies.
    buffer_.reserve(kInitialReadBytes);
    beast::error_code ec;
    auto endpoint = stream_.socket().remote_endpoint(ec);
    if (!ec) remote_address_ = endpoint.address().to_string();
  }

  ~Session() { Unregister(); }

  void Start() {
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->ReadNext(); });
  }

  // Closes the connection unless a request is being handled; that one closes
  // after its response is written.
  void Drain() {
    if (!handling_) Close();
  }

  void Close() {
    if (closed_) return;
    closed_ = true;
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.close();
    Unregister();
  }

  // Shutdown waits for open connections, not for Session objects: a handler
  // may hold a responder (and so the Session) longer than the connection.
  void Unregister() {
    std::lock_guard<std::mutex> lock(shared_->mu);
    if (shared_->sessions.erase(this) > 0 && shared_->sessions.empty()) {
      shared_->no_sessions.notify_all();
    }
  }

  asio::any_io_executor executor() { return stream_.get_executor(); }

  // Called by the responder from any thread.
  void PostResponse(Response response) {
    std::lock_guard<std::mutex> lock(shared_->mu);
    if (shared_->stopped) return;  // the server is gone; drop it
    asio::post(stream_.get_executor(),
               [self = shared_from_this(), response = std::move(response)]() mutable {
                 self->WriteResponse(std::move(response));
               });
  }

 private:
  void ReadNext() {
    if (closed_) return;
    if (shared_->draining.load()) return Close();
    if (buffer_.size() == 0 && buffer_.capacity() > kMaxKeptReadBytes) {
      buffer_ = beast::flat_buffer();
      buffer_.reserve(kInitialReadBytes);
    }
    parser_.emplace();
    parser_->body_limit(shared_->options.max_body_bytes);
    parser_->header_limit(static_cast<std::uint32_t>(shared_->options.max_header_bytes));
    stream_.expires_after(ToChrono(shared_->options.idle_timeout));
    bhttp::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->OnHeader(ec); });
  }

  // Clients such as curl send `Expect: 100-continue` before large bodies and
  // wait (a second, for curl) unless told to go on.
  void OnHeader(beast::error_code ec) {
    if (ec) return OnRead(ec);
    // Read the body in as few calls as its declared length allows (bounded by
    // the body limit, which the parser enforces anyway).
    if (const auto length = parser_->content_length(); length.has_value()) {
      const size_t body = std::min<uint64_t>(*length, shared_->options.max_body_bytes);
      if (buffer_.capacity() - buffer_.size() < body) buffer_.reserve(buffer_.size() + body);
    }
    const auto& message = parser_->get();
    if (message.version() >= 11 && beast::iequals(message[bhttp::field::expect], "100-continue")) {
      static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      asio::async_write(stream_, asio::buffer(kContinue.data(), kContinue.size()),
                        [self = shared_from_this()](beast::error_code ec, size_t) {
                          if (ec) return self->Close();
                          self->ReadBody();
                        });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    bhttp::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->OnRead(ec); });
  }

  void OnRead(beast::error_code ec) {
    if (ec == bhttp::error::body_limit) return WriteError(413, "request body too large\n");
    if (ec == bhttp::error::header_limit) return WriteError(431, "request headers too large\n");
    if (ec == bhttp::error::end_of_stream || ec == beast::error::timeout ||
        ec == asio::error::operation_aborted || ec == asio::error::connection_reset ||
        ec == asio::error::eof) {
      return Close();
    }
    if (ec) {
      if (ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category()) {
        return WriteError(400, "malformed request\n");
      }
      return Close();
    }
    stream_.expires_never();
    handling_ = true;
    auto& message = parser_->get();
    keep_alive_ = message.keep_alive();
    head_ = message.method() == bhttp::verb::head;
    version_ = message.version();

    Request request;
    request.method = std::string(message.method_string());
    request.target = std::string(message.target());
    std::string_view target = request.target;
    size_t q = target.find('?');
    request.path = std::string(target.substr(0, q));
    if (q != std::string_view::npos) request.query = std::string(target.substr(q + 1));
    request.headers.reserve(8);
    for (const auto& field : message) {
      request.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    request.body = std::move(message.body());
    request.remote_address = remote_address_;
    parser_.reset();
    shared_->handler(std::move(request), MakeResponder());
  }

  Responder MakeResponder();

  void WriteError(int status, std::string text) {
    handling_ = true;
    head_ = false;
    keep_alive_ = false;
    WriteResponse(Response::Text(status, std::move(text)));
  }

  void WriteResponse(Response response) {
    if (closed_) return;
    response_ = {};
    response_.version(version_);
    // Beast throws on codes above 999; a handler bug must not take down the thread.
    bool valid = response.status >= 100 && response.status <= 999;
    response_.result(static_cast<unsigned>(valid ? response.status : 500));
    bool close = !keep_alive_ || shared_->draining.load();
    for (auto& [name, value] : response.headers) {
      if (beast::iequals(name, "Content-Length")) continue;
      if (beast::iequals(name, "Connection")) {
        if (beast::iequals(value, "close")) close = true;
        continue;
      }
      response_.insert(name, value);
    }
    // These statuses have no body; Beast throws if one is set.
    unsigned code = response_.result_int();
    if (code >= 200 && code != 204 && code != 304) response_.body() = std::move(response.body);
    response_.keep_alive(!close);
    response_.prepare_payload();
    if (head_) response_.body().clear();  // keeps Content-Length, sends no body
    stream_.expires_after(ToChrono(shared_->options.idle_timeout));
    bhttp::async_write(stream_, response_,
                       [self = shared_from_this(), close](beast::error_code ec, size_t) {
                         self->OnWrite(ec, close);
                       });
  }

  void OnWrite(beast::error_code ec, bool close) {
    handling_ = false;
    response_ = {};
    if (ec) return Close();
    if (close) return Linger();
    ReadNext();
  }

  // Half-closes and discards what the client still sends, so a client that
  // is mid-upload (e.g. after a 413) reads our response instead of a reset.
  void Linger() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    if (ec) return Close();
    DiscardInput();
  }

  void DiscardInput() {
    if (closed_) return;
    if (shared_->draining.load()) return Close();
    stream_.expires_after(std::chrono::seconds(2));
    buffer_.consume(buffer_.size());
    stream_.async_read_some(buffer_.prepare(64 * 1024),
                            [self = shared_from_this()](beast::error_code ec, size_t n) {
                              if (ec) return self->Close();
                              self->buffer_.commit(n);
                              self->DiscardInput();
                            });
  }

  std::shared_ptr<Shared> shared_;  // first: destroyed last
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  bhttp::response<bhttp::string_body> response_;
  std::string remote_address_;
  bool handling_ = false;  // from a parsed request until its response is written
  bool keep_alive_ = true;
  bool head_ = false;  // the current request is HEAD
  bool closed_ = false;
  unsigned version_ = 11;
};

// Shared by every copy of a Responder. Answers 500 if every copy is dropped
// unanswered, so a buggy handler cannot hang a connection forever.
class ResponderState {
 public:
  explicit ResponderState(std::shared_ptr<Session> session) : session_(std::move(session)) {}
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
  std::shared_ptr<Session> session_;
  std::atomic<bool> done_{false};
};

Responder Session::MakeResponder() {
  auto state = std::make_shared<ResponderState>(shared_from_this());
  return [state = std::move(state)](Response response) { state->Respond(std::move(response)); };
}

class BeastServer final : public Server {
 public:
  explicit BeastServer(std::shared_ptr<Shared> shared)
      : shared_(std::move(shared)),
        acceptor_(asio::make_strand(shared_->ioc)),
        work_(asio::make_work_guard(shared_->ioc)) {}

  ~BeastServer() override { Shutdown(absl::Seconds(10)); }

  absl::Status Listen() {
    beast::error_code ec;
    auto address = asio::ip::make_address(shared_->options.address, ec);
    if (ec) {
      return absl::InvalidArgumentError(
          absl::StrCat("bad listen address '", shared_->options.address, "'"));
    }
    tcp::endpoint endpoint(address, shared_->options.port);
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      return absl::UnavailableError(absl::StrCat("cannot listen on ", shared_->options.address, ":",
                                                 shared_->options.port, ": ", ec.message()));
    }
    port_ = acceptor_.local_endpoint(ec).port();
    return absl::OkStatus();
  }

  void Run() {
    Accept();
    int n = std::max(1, shared_->options.io_threads);
    for (int i = 0; i < n; ++i) threads_.emplace_back([this] { shared_->ioc.run(); });
  }

  uint16_t port() const override { return port_; }

  void Shutdown(absl::Duration grace) override {
    {
      std::lock_guard<std::mutex> lock(shutdown_mu_);
      if (shut_down_) return;
      shut_down_ = true;
    }
    shared_->draining.store(true);
    asio::post(acceptor_.get_executor(), [this] {
      beast::error_code ec;
      acceptor_.close(ec);
    });
    for (auto& session : LiveSessions()) {
      asio::post(session->executor(), [session] { session->Drain(); });
    }
    {
      std::unique_lock<std::mutex> lock(shared_->mu);
      shared_->no_sessions.wait_for(lock, absl::ToChronoNanoseconds(grace),
                                    [&] { return shared_->sessions.empty(); });
      shared_->stopped = true;
    }
    // Past the grace period: cut whatever is left so the threads can finish.
    for (auto& session : LiveSessions()) {
      asio::post(session->executor(), [session] { session->Close(); });
    }
    work_.reset();
    for (auto& thread : threads_) thread.join();
    threads_.clear();
  }

 private:
  void Accept() {
    acceptor_.async_accept(asio::make_strand(shared_->ioc),
                           [this](beast::error_code ec, tcp::socket socket) {
                             if (ec == asio::error::operation_aborted || !acceptor_.is_open()) {
                               return;
                             }
                             if (!ec && !shared_->draining.load()) StartSession(std::move(socket));
                             Accept();
                           });
  }

  void StartSession(tcp::socket socket) {
    beast::error_code ec;
    socket.set_option(tcp::no_delay(true), ec);
    auto session = std::make_shared<Session>(shared_, std::move(socket));
    {
      std::lock_guard<std::mutex> lock(shared_->mu);
      shared_->sessions.emplace(session.get(), session);
    }
    session->Start();
  }

  // Strong references, taken under the lock but released outside it: the
  // last reference may run ~Session, which takes the lock.
  std::vector<std::shared_ptr<Session>> LiveSessions() {
    std::vector<std::shared_ptr<Session>> out;
    std::lock_guard<std::mutex> lock(shared_->mu);
    for (auto& [ptr, weak] : shared_->sessions) {
      if (auto session = weak.lock()) out.push_back(std::move(session));
    }
    return out;
  }

  std::shared_ptr<Shared> shared_;  // first: outlives the acceptor
  tcp::acceptor acceptor_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  std::vector<std::thread> threads_;
  uint16_t port_ = 0;
  std::mutex shutdown_mu_;
  bool shut_down_ = false;  // guarded by shutdown_mu_
};

}  // namespace

absl::StatusOr<std::unique_ptr<Server>> Server::Start(ServerOptions options, Handler handler) {
  auto shared = std::make_shared<Shared>(std::move(options), std::move(handler));
  auto server = std::make_unique<BeastServer>(std::move(shared));
  if (absl::Status status = server->Listen(); !status.ok()) return status;
  server->Run();
  return server;
}

}  // namespace opentrack::http
