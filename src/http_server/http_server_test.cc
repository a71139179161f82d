#include "http_server/http_server.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "boost/asio/connect.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/read.hpp"
#include "boost/asio/write.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"
#include "gtest/gtest.h"

namespace opentrack::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

// A blocking HTTP/1.1 client on one connection, so tests control exactly
// what goes on the wire (pipelining, oversized bodies, keep-alive).
class TestClient {
 public:
  explicit TestClient(uint16_t port) : socket_(ioc_) {
    socket_.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  }

  void SendRaw(const std::string& bytes) { asio::write(socket_, asio::buffer(bytes)); }

  void Send(const std::string& method, const std::string& target, const std::string& body = "",
            bool close = false) {
    std::string raw = method + " " + target + " HTTP/1.1\r\nHost: test\r\n";
    if (!body.empty() || method == "POST") {
      raw += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    }
    if (close) raw += "Connection: close\r\n";
    raw += "\r\n" + body;
    SendRaw(raw);
  }

  std::string ReadRaw(size_t n) {
    std::string out(n, '\0');
    asio::read(socket_, asio::buffer(out));
    return out;
  }

  bhttp::response<bhttp::string_body> Read() {
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    bhttp::read(socket_, buffer_, parser);
    return parser.release();
  }

  // True when the server closed the connection (EOF before any response).
  bool ReadsEof() {
    bhttp::response<bhttp::string_body> response;
    beast::error_code ec;
    bhttp::read(socket_, buffer_, response, ec);
    return ec == bhttp::error::end_of_stream || ec == asio::error::eof ||
           ec == asio::error::connection_reset;
  }

 private:
  asio::io_context ioc_;
  tcp::socket socket_;
  beast::flat_buffer buffer_;
};

std::unique_ptr<Server> StartOrDie(ServerOptions options, Handler handler) {
  auto server = Server::Start(std::move(options), std::move(handler));
  EXPECT_TRUE(server.ok()) << server.status();
  return std::move(server).value();
}

// Echoes what the server parsed, one line per fact.
void EchoHandler(Request request, Responder respond) {
  std::string body = request.method + "\n" + request.path + "\n" + request.query + "\n" +
                     std::string(request.Header("x-test")) + "\n" + request.QueryParam("q") + "\n" +
                     std::to_string(request.body.size()) + "\n" + request.remote_address;
  Response response = Response::Text(200, body);
  response.SetHeader("X-Echo", "yes");
  respond(std::move(response));
}

// Collects responders so the test answers them from its own thread.
class ResponderQueue {
 public:
  void Push(Request request, Responder respond) {
    std::lock_guard<std::mutex> lock(mu_);
    items_.emplace_back(std::move(request), std::move(respond));
    cv_.notify_all();
  }
  std::pair<Request, Responder> Pop() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return !items_.empty(); });
    auto item = std::move(items_.front());
    items_.pop_front();
    return item;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::pair<Request, Responder>> items_;
};

// Every test runs with one I/O thread (connections on the io_context's own
// executor) and with two (a strand per connection).
class HttpServerTest : public ::testing::TestWithParam<int> {
 protected:
  ServerOptions Options() const {
    ServerOptions options;
    options.io_threads = GetParam();
    return options;
  }
};

TEST_P(HttpServerTest, ParsesRequestAndWritesResponse) {
  auto server = StartOrDie(Options(), EchoHandler);
  ASSERT_NE(server->port(), 0);
  TestClient client(server->port());
  client.SendRaw(
      "POST /v1/track?q=a%20b&x=1 HTTP/1.1\r\nHost: t\r\nX-Test: hello\r\n"
      "Content-Length: 5\r\n\r\nabcde");
  auto response = client.Read();
  EXPECT_EQ(response.result_int(), 200);
  EXPECT_EQ(response.body(), "POST\n/v1/track\nq=a%20b&x=1\nhello\na b\n5\n127.0.0.1");
  EXPECT_EQ(response[bhttp::field::content_type], "text/plain; charset=utf-8");
  EXPECT_EQ(response["X-Echo"], "yes");
  EXPECT_TRUE(response.keep_alive());
}

TEST_P(HttpServerTest, KeepAliveServesManyRequestsOnOneConnection) {
  auto server = StartOrDie(Options(), EchoHandler);
  TestClient client(server->port());
  for (int i = 0; i < 5; ++i) {
    client.Send("GET", "/n?q=" + std::to_string(i));
    auto response = client.Read();
    EXPECT_EQ(response.result_int(), 200);
    EXPECT_EQ(response.body(),
              "GET\n/n\nq=" + std::to_string(i) + "\n\n" + std::to_string(i) + "\n0\n127.0.0.1");
  }
  client.Send("GET", "/last", "", /*close=*/true);
  auto last = client.Read();
  EXPECT_FALSE(last.keep_alive());
  EXPECT_TRUE(client.ReadsEof());
}

TEST_P(HttpServerTest, PipelinedRequestsAnsweredInOrder) {
  auto server = StartOrDie(Options(), EchoHandler);
  TestClient client(server->port());
  std::string all;
  for (int i = 0; i < 10; ++i) {
    all += "POST /p?q=" + std::to_string(i) +
           " HTTP/1.1\r\nHost: t\r\nContent-Length: " + std::to_string(i) + "\r\n\r\n" +
           std::string(i, 'x');
  }
  client.SendRaw(all);
  for (int i = 0; i < 10; ++i) {
    auto response = client.Read();
    EXPECT_EQ(response.body(), "POST\n/p\nq=" + std::to_string(i) + "\n\n" + std::to_string(i) +
                                   "\n" + std::to_string(i) + "\n127.0.0.1");
  }
}

TEST_P(HttpServerTest, BodyAtLimitAcceptedAboveLimitIs413) {
  ServerOptions options = Options();
  options.max_body_bytes = 1024 * 1024;
  std::atomic<int> calls{0};
  auto server = StartOrDie(options, [&](Request request, Responder respond) {
    ++calls;
    respond(Response::Text(200, std::to_string(request.body.size())));
  });
  {
    TestClient client(server->port());
    client.Send("POST", "/big", std::string(1024 * 1024, 'a'));
    auto response = client.Read();
    EXPECT_EQ(response.result_int(), 200);
    EXPECT_EQ(response.body(), "1048576");
  }
  {
    TestClient client(server->port());
    client.Send("POST", "/big", std::string(1024 * 1024 + 1, 'a'));
    auto response = client.Read();
    EXPECT_EQ(response.result_int(), 413);
    EXPECT_FALSE(response.keep_alive());
  }
  EXPECT_EQ(calls.load(), 1);
}

// A large declared body is read straight into the request: it must arrive
// whole however it is split, and a request pipelined after it is still read.
TEST_P(HttpServerTest, LargeBodyInPiecesThenPipelinedRequest) {
  std::vector<std::string> bodies;
  std::mutex mu;
  auto server = StartOrDie(Options(), [&](Request request, Responder respond) {
    {
      std::lock_guard<std::mutex> lock(mu);
      bodies.push_back(request.body);
    }
    respond(Response::Text(200, std::to_string(request.body.size())));
  });
  std::string big(200 * 1024 + 7, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>('a' + i % 23);
  TestClient client(server->port());
  const std::string head =
      "POST /big HTTP/1.1\r\nHost: t\r\nContent-Length: " + std::to_string(big.size()) + "\r\n\r\n";
  // Headers with the body's first bytes, then the rest in uneven pieces,
  // the last one followed by a whole second request.
  client.SendRaw(head + big.substr(0, 1000));
  size_t sent = 1000;
  for (size_t piece : {1, 4095, 30000, 70000}) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    client.SendRaw(big.substr(sent, piece));
    sent += piece;
  }
  client.SendRaw(big.substr(sent) +
                 "POST /small HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\nok");
  EXPECT_EQ(client.Read().body(), std::to_string(big.size()));
  EXPECT_EQ(client.Read().body(), "2");
  std::lock_guard<std::mutex> lock(mu);
  ASSERT_EQ(bodies.size(), 2u);
  EXPECT_TRUE(bodies[0] == big);
  EXPECT_EQ(bodies[1], "ok");
}

// A client that leaves in the middle of a large body gets no handler call.
TEST_P(HttpServerTest, LargeBodyCutShortNeverReachesTheHandler) {
  std::atomic<int> calls{0};
  auto server = StartOrDie(Options(), [&](Request, Responder respond) {
    ++calls;
    respond(Response::Text(200, "ok"));
  });
  {
    TestClient client(server->port());
    client.SendRaw("POST /big HTTP/1.1\r\nHost: t\r\nContent-Length: 100000\r\n\r\n" +
                   std::string(50000, 'x'));
  }  // closed
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(calls.load(), 0);
  TestClient client(server->port());  // the server still serves
  client.Send("POST", "/p", "x");
  EXPECT_EQ(client.Read().body(), "ok");
}

TEST_P(HttpServerTest, ChunkedBodyAboveLimitIs413) {
  ServerOptions options = Options();
  options.max_body_bytes = 10;
  auto server =
      StartOrDie(options, [](Request, Responder respond) { respond(Response::Text(200, "ok")); });
  TestClient client(server->port());
  client.SendRaw(
      "POST /c HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
      "8\r\n12345678\r\n8\r\n12345678\r\n0\r\n\r\n");
  EXPECT_EQ(client.Read().result_int(), 413);
}

TEST_P(HttpServerTest, ExpectContinueGetsInterimResponse) {
  auto server = StartOrDie(Options(), EchoHandler);
  TestClient client(server->port());
  client.SendRaw(
      "POST /e HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n");
  EXPECT_EQ(client.ReadRaw(25), "HTTP/1.1 100 Continue\r\n\r\n");
  client.SendRaw("abc");
  auto response = client.Read();
  EXPECT_EQ(response.result_int(), 200);
  EXPECT_EQ(response.body(), "POST\n/e\n\n\n\n3\n127.0.0.1");
}

TEST_P(HttpServerTest, HeadResponseHasLengthButNoBody) {
  auto server = StartOrDie(Options(), EchoHandler);
  TestClient client(server->port());
  client.Send("HEAD", "/h");
  client.Send("GET", "/g");
  std::string raw = client.ReadRaw(150);
  EXPECT_NE(raw.find("Content-Length: 22\r\n"), std::string::npos) << raw;
  // The GET's response follows the HEAD's header directly.
  EXPECT_NE(raw.find("\r\n\r\nHTTP/1.1 200 OK\r\n"), std::string::npos) << raw;
}

TEST_P(HttpServerTest, MalformedRequestIs400) {
  auto server = StartOrDie(Options(), EchoHandler);
  TestClient client(server->port());
  client.SendRaw("NOT HTTP AT ALL\r\n\r\n");
  EXPECT_EQ(client.Read().result_int(), 400);
}

TEST_P(HttpServerTest, AsyncResponderAnsweredFromAnotherThread) {
  ResponderQueue queue;
  auto server = StartOrDie(Options(), [&](Request request, Responder respond) {
    queue.Push(std::move(request), std::move(respond));
  });
  TestClient first(server->port());
  TestClient second(server->port());
  first.Send("GET", "/first");
  second.Send("GET", "/second");
  auto a = queue.Pop();
  auto b = queue.Pop();
  // Answer in the opposite order of arrival, from a thread the server does not
  // own. Two io threads may take the requests in either order, so the status
  // follows the path, not the arrival.
  const auto status = [](const Request& r) { return r.path == "/first" ? 202 : 200; };
  std::thread answerer([&] {
    b.second(Response::Text(status(b.first), b.first.path));
    a.second(Response::Text(status(a.first), a.first.path));
  });
  auto first_response = first.Read();
  auto second_response = second.Read();
  answerer.join();
  EXPECT_EQ(first_response.result_int(), 202);
  EXPECT_EQ(first_response.body(), "/first");
  EXPECT_EQ(second_response.body(), "/second");
}

TEST_P(HttpServerTest, SecondCallOfResponderIsIgnored) {
  auto server = StartOrDie(Options(), [](Request, Responder respond) {
    respond(Response::Text(200, "one"));
    respond(Response::Text(500, "two"));
  });
  TestClient client(server->port());
  client.Send("GET", "/a");
  client.Send("GET", "/b");
  EXPECT_EQ(client.Read().body(), "one");
  EXPECT_EQ(client.Read().body(), "one");
}

TEST_P(HttpServerTest, BadStatusAndBodilessStatusesAreSafe) {
  auto server = StartOrDie(Options(), [](Request request, Responder respond) {
    respond(Response::Text(request.path == "/204" ? 204 : 5000, "body"));
  });
  TestClient client(server->port());
  client.Send("GET", "/204");
  auto no_content = client.Read();
  EXPECT_EQ(no_content.result_int(), 204);
  EXPECT_EQ(no_content.body(), "");
  client.Send("GET", "/bad");
  EXPECT_EQ(client.Read().result_int(), 500);
}

TEST_P(HttpServerTest, DroppedResponderAnswers500) {
  auto server = StartOrDie(Options(), [](Request, Responder) {});
  TestClient client(server->port());
  client.Send("GET", "/dropped");
  EXPECT_EQ(client.Read().result_int(), 500);
}

TEST_P(HttpServerTest, ShutdownCompletesInFlightRequest) {
  ResponderQueue queue;
  auto server = StartOrDie(Options(), [&](Request request, Responder respond) {
    queue.Push(std::move(request), std::move(respond));
  });
  uint16_t port = server->port();
  TestClient busy(port);
  TestClient idle(port);
  idle.Send("GET", "/warm");
  queue.Pop().second(Response::Text(200, "warm"));
  EXPECT_EQ(idle.Read().body(), "warm");

  busy.Send("GET", "/slow");
  auto pending = queue.Pop();
  std::thread stopper([&] { server->Shutdown(absl::Seconds(30)); });
  // The idle connection is closed; the busy one still gets its answer.
  EXPECT_TRUE(idle.ReadsEof());
  pending.second(Response::Text(200, "done"));
  auto response = busy.Read();
  stopper.join();
  EXPECT_EQ(response.body(), "done");
  EXPECT_FALSE(response.keep_alive());
  beast::error_code ec;
  asio::io_context ioc;
  tcp::socket socket(ioc);
  socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
  EXPECT_TRUE(ec) << "still accepting after Shutdown";
}

TEST_P(HttpServerTest, ShutdownGivesUpAfterGrace) {
  ResponderQueue queue;
  auto server = StartOrDie(Options(), [&](Request request, Responder respond) {
    queue.Push(std::move(request), std::move(respond));
  });
  TestClient client(server->port());
  client.Send("GET", "/never");
  auto pending = queue.Pop();
  server->Shutdown(absl::Milliseconds(20));
  server->Shutdown();  // idempotent
  EXPECT_TRUE(client.ReadsEof());
  pending.second(Response::Text(200, "too late"));  // dropped, no crash
  server.reset();
}

TEST_P(HttpServerTest, ResponderOutlivesServer) {
  ResponderQueue queue;
  auto server = StartOrDie(Options(), [&](Request request, Responder respond) {
    queue.Push(std::move(request), std::move(respond));
  });
  TestClient client(server->port());
  client.Send("GET", "/x");
  auto pending = queue.Pop();
  server->Shutdown(absl::Milliseconds(1));
  server.reset();
  pending.second(Response::Text(200, "late"));  // the connection state is still alive
  pending = {};
}

TEST_P(HttpServerTest, ManyConcurrentClients) {
  ServerOptions options = Options();
  auto server = StartOrDie(options, EchoHandler);
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      TestClient client(server->port());
      for (int i = 0; i < 200; ++i) {
        client.Send("POST", "/load", "body");
        if (client.Read().result_int() == 200) ++ok;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(ok.load(), 1600);
}

TEST_P(HttpServerTest, HeadersAboveLimitAre431) {
  ServerOptions options = Options();
  options.max_header_bytes = 256;
  auto server = StartOrDie(options, EchoHandler);
  TestClient client(server->port());
  client.SendRaw("GET /h HTTP/1.1\r\nHost: t\r\nX-Big: " + std::string(512, 'a') + "\r\n\r\n");
  auto response = client.Read();
  EXPECT_EQ(response.result_int(), 431);
  EXPECT_FALSE(response.keep_alive());
}

TEST_P(HttpServerTest, Http10KeepAliveIsHonoured) {
  auto server = StartOrDie(Options(), EchoHandler);
  TestClient client(server->port());
  client.SendRaw("GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
  auto first = client.Read();
  EXPECT_EQ(first.version(), 10u);
  EXPECT_TRUE(first.keep_alive());
  client.SendRaw("GET /b HTTP/1.0\r\n\r\n");
  auto second = client.Read();
  EXPECT_EQ(second.body(), "GET\n/b\n\n\n\n0\n127.0.0.1");
  EXPECT_FALSE(second.keep_alive());
  EXPECT_TRUE(client.ReadsEof());
}

TEST_P(HttpServerTest, IdleConnectionIsClosedAfterIdleTimeout) {
  ServerOptions options = Options();
  options.idle_timeout = absl::Milliseconds(200);
  auto server = StartOrDie(options, EchoHandler);
  TestClient client(server->port());
  client.Send("GET", "/once");
  EXPECT_EQ(client.Read().result_int(), 200);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(client.ReadsEof());
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(150));
}

// Sends `wire`, a request that never completes: the connection must close at
// the idle timeout without a handler call.
void ExpectClosedAtIdleTimeout(ServerOptions options, const std::string& wire) {
  options.idle_timeout = absl::Milliseconds(200);
  std::atomic<int> calls{0};
  auto server = StartOrDie(options, [&](Request, Responder respond) {
    ++calls;
    respond(Response::Text(200, "ok"));
  });
  TestClient client(server->port());
  client.SendRaw(wire);
  EXPECT_TRUE(client.ReadsEof());
  EXPECT_EQ(calls.load(), 0);
}

TEST_P(HttpServerTest, RequestThatNeverCompletesIsClosedAfterIdleTimeout) {
  ExpectClosedAtIdleTimeout(Options(),
                            "POST /slow HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nabc");
}

// The same for a body large enough to be read straight into the request.
TEST_P(HttpServerTest, LargeBodyThatNeverCompletesIsClosedAfterIdleTimeout) {
  ExpectClosedAtIdleTimeout(
      Options(),
      "POST /slow HTTP/1.1\r\nHost: t\r\nContent-Length: 100000\r\n\r\n" + std::string(20000, 'x'));
}

// The deadline moves with each request: a connection busy for several idle
// timeouts in total stays open, and a slow handler is not cut off.
TEST_P(HttpServerTest, IdleTimeoutCountsFromTheLastActivity) {
  ServerOptions options = Options();
  options.idle_timeout = absl::Milliseconds(150);
  ResponderQueue queue;
  auto server = StartOrDie(options, [&](Request request, Responder respond) {
    queue.Push(std::move(request), std::move(respond));
  });
  TestClient client(server->port());
  for (int i = 0; i < 6; ++i) {
    client.Send("GET", "/" + std::to_string(i));
    auto pending = queue.Pop();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // a slow handler
    pending.second(Response::Text(200, pending.first.path));
    EXPECT_EQ(client.Read().body(), "/" + std::to_string(i));
  }
  EXPECT_TRUE(client.ReadsEof());
}

TEST_P(HttpServerTest, BadAddressFails) {
  ServerOptions options = Options();
  options.address = "not an address";
  auto server = Server::Start(options, EchoHandler);
  EXPECT_EQ(server.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_P(HttpServerTest, PortInUseFails) {
  auto first = StartOrDie(Options(), EchoHandler);
  ServerOptions options = Options();
  options.port = first->port();
  auto second = Server::Start(options, EchoHandler);
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
}

INSTANTIATE_TEST_SUITE_P(IoThreads, HttpServerTest, ::testing::Values(1, 2),
                         [](const ::testing::TestParamInfo<int>& info) {
                           return std::to_string(info.param) + "Threads";
                         });

}  // namespace
}  // namespace opentrack::http
