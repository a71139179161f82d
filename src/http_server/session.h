// Private to the server: the state shared by the server and its connections,
// and one connection (Session). A Session's handlers run on its executor: the
// io_context itself when one thread runs it, else a strand per connection, so
// a connection's handlers never race while connections proceed in parallel.
#ifndef OPENTRACK_HTTP_SERVER_SESSION_H_
#define OPENTRACK_HTTP_SERVER_SESSION_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "boost/asio/basic_stream_socket.hpp"
#include "boost/asio/basic_waitable_timer.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/strand.hpp"
#include "boost/beast/core/flat_buffer.hpp"
#include "http_server/http_server.h"
#include "http_server/request_parser.h"

namespace opentrack::http::internal {

class SessionBase;

// State shared by the server and its connections. Connections keep it alive
// (and with it the io_context) so a socket is never destroyed after its
// io_context, even when a handler keeps a responder past Shutdown().
struct Shared {
  Shared(ServerOptions o, Handler h);

  const ServerOptions options;
  const Handler handler;
  // options.idle_timeout, bounded so that now + idle_timeout cannot overflow.
  const std::chrono::steady_clock::duration idle_timeout;
  boost::asio::io_context ioc;
  std::atomic<bool> draining{false};

  // std::mutex rather than absl::Mutex: the distro's abseil is not built with
  // TSan, which then cannot see absl::Mutex's ordering and reports false races.
  std::mutex mu;
  std::condition_variable no_sessions;  // signalled when `sessions` empties
  // Set once the I/O threads are about to exit; no more work may be posted.
  bool stopped = false;                                                    // guarded by mu
  absl::flat_hash_map<SessionBase*, std::weak_ptr<SessionBase>> sessions;  // guarded by mu
};

// What the server and responders need from a connection, whatever its
// executor. Every method is thread-safe: it posts to the connection.
class SessionBase {
 public:
  virtual ~SessionBase() = default;
  // Closes the connection unless a request is being handled; that one closes
  // after its response is written.
  virtual void PostDrain() = 0;
  virtual void PostClose() = 0;
  // Writes the response to the request being handled; dropped after Shutdown.
  virtual void PostResponse(Response response) = 0;
};

// `Executor` is asio::io_context::executor_type (one I/O thread) or a strand
// of it; naming it, instead of asio::any_io_executor, spares every operation
// the type-erased executor's copies and moves.
template <typename Executor>
class Session final : public SessionBase, public std::enable_shared_from_this<Session<Executor>> {
 public:
  using Socket = boost::asio::basic_stream_socket<boost::asio::ip::tcp, Executor>;

  Session(std::shared_ptr<Shared> shared, Socket socket);
  ~Session() override;

  // Starts reading requests. Call once, after registering in shared->sessions.
  void Start();

  void PostDrain() override;
  void PostClose() override;
  void PostResponse(Response response) override;

 private:
  using Clock = std::chrono::steady_clock;
  using Timer = boost::asio::basic_waitable_timer<Clock, boost::asio::wait_traits<Clock>, Executor>;

  void SetDeadline(Clock::time_point deadline);
  void ArmTimer();
  void OnTimer();

  void ReadNext();
  void ReadSome();
  void Parse();
  void ReadBodyDirect(size_t remaining);
  void SendContinue();
  void OnParseError(boost::beast::error_code ec);
  void OnRequest();
  Responder MakeResponder();

  void WriteError(int status, std::string text);
  void WriteResponse(Response response);
  void OnWrite(boost::beast::error_code ec, bool close);
  void Linger();
  void DiscardInput();
  void Drain();
  void Close();
  void Unregister();

  std::shared_ptr<Shared> shared_;  // first: destroyed last
  Socket socket_;
  // One wait per connection, re-armed only when it fires: moving the deadline
  // for each request costs a clock read rather than a timer operation.
  Timer timer_;
  Clock::time_point deadline_ = Clock::time_point::max();
  boost::beast::flat_buffer buffer_;
  Request request_;  // the request being parsed
  std::optional<RequestParser> parser_;
  std::string head_;  // the response head being written; capacity reused
  std::string body_;  // the response body being written
  std::string remote_address_;
  bool handling_ = false;  // from a parsed request until its response is written
  bool keep_alive_ = true;
  bool head_request_ = false;  // the current request is HEAD
  bool continue_sent_ = false;
  bool closed_ = false;
  unsigned version_ = 11;
};

}  // namespace opentrack::http::internal

#endif  // OPENTRACK_HTTP_SERVER_SESSION_H_
