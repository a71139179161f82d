// Server implementation over Boost.Asio and Beast's parser. Every I/O thread
// runs one io_context; with one thread, connections use its executor
// directly, with several each connection gets a strand (session.h).
#include <algorithm>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "boost/asio/executor_work_guard.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/post.hpp"
#include "boost/asio/strand.hpp"
#include "http_server/http_server.h"
#include "http_server/session.h"

namespace opentrack::http {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using internal::Session;
using internal::SessionBase;
using internal::Shared;

class BeastServer final : public Server {
 public:
  explicit BeastServer(std::shared_ptr<Shared> shared)
      : shared_(std::move(shared)),
        acceptor_(asio::make_strand(shared_->ioc)),
        work_(asio::make_work_guard(shared_->ioc)) {}

  ~BeastServer() override { Shutdown(absl::Seconds(10)); }

  absl::Status Listen() {
    boost::system::error_code ec;
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
    for (int i = 0; i < IoThreads(); ++i) threads_.emplace_back([this] { shared_->ioc.run(); });
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
      boost::system::error_code ec;
      acceptor_.close(ec);
    });
    for (auto& session : LiveSessions()) session->PostDrain();
    {
      std::unique_lock<std::mutex> lock(shared_->mu);
      shared_->no_sessions.wait_for(lock, absl::ToChronoNanoseconds(grace),
                                    [&] { return shared_->sessions.empty(); });
      shared_->stopped = true;
    }
    // Past the grace period: cut whatever is left so the threads can finish.
    for (auto& session : LiveSessions()) session->PostClose();
    work_.reset();
    for (auto& thread : threads_) thread.join();
    threads_.clear();
  }

 private:
  int IoThreads() const { return std::max(1, shared_->options.io_threads); }

  void Accept() {
    if (IoThreads() == 1) return AcceptOn(shared_->ioc.get_executor());
    AcceptOn(asio::make_strand(shared_->ioc));
  }

  // Accepts one connection whose handlers will run on `executor`.
  template <typename Executor>
  void AcceptOn(Executor executor) {
    acceptor_.async_accept(
        executor, [this](boost::system::error_code ec, typename Session<Executor>::Socket socket) {
          if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
          if (!ec && !shared_->draining.load()) StartSession<Executor>(std::move(socket));
          Accept();
        });
  }

  template <typename Executor>
  void StartSession(typename Session<Executor>::Socket socket) {
    boost::system::error_code ec;
    socket.set_option(tcp::no_delay(true), ec);
    auto session = std::make_shared<Session<Executor>>(shared_, std::move(socket));
    {
      std::lock_guard<std::mutex> lock(shared_->mu);
      shared_->sessions.emplace(session.get(), session);
    }
    session->Start();
  }

  // Strong references, taken under the lock but released outside it: the
  // last reference may run ~Session, which takes the lock.
  std::vector<std::shared_ptr<SessionBase>> LiveSessions() {
    std::vector<std::shared_ptr<SessionBase>> out;
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
