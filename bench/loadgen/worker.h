// One load-generating thread: a set of keep-alive connections driven by one
// epoll loop with non-blocking sockets, each with up to `pipeline` requests in
// flight, cycling through pre-built request bytes until a deadline.
#ifndef OPENTRACK_BENCH_LOADGEN_WORKER_H_
#define OPENTRACK_BENCH_LOADGEN_WORKER_H_

#include <netinet/in.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace opentrack::loadgen {

using Clock = std::chrono::steady_clock;

// What one worker saw. Only responses that ended before the deadline count.
struct WorkerStats {
  uint64_t ok = 0;                         // 200 responses
  std::array<uint64_t, 1000> by_status{};  // every other final status
  uint64_t connect_errors = 0;             // connect() attempts that failed
  uint64_t connection_errors = 0;          // resets, malformed responses, closes mid-request
  uint64_t unanswered = 0;                 // requests lost with those connections
  std::vector<int64_t> latencies_ns;       // of the 200 responses, request queued to response end

  void Merge(const WorkerStats& other);
  uint64_t non_ok() const;
};

struct WorkerOptions {
  sockaddr_in address{};
  int pipeline = 1;  // requests in flight per connection
  // Index of each connection's first request, one entry per connection.
  std::vector<size_t> first_requests;
  Clock::time_point deadline;
};

// Runs on the calling thread. `requests` must outlive Run() and hold at least
// one request.
class Worker {
 public:
  Worker(WorkerOptions options, const std::vector<std::string>& requests);
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;
  ~Worker();

  // Connects and sends until the deadline, then closes every connection.
  void Run();
  const WorkerStats& stats() const { return stats_; }

 private:
  struct Connection;

  void Connect(Connection& c, Clock::time_point now);
  void OnConnected(Connection& c, Clock::time_point now);
  void OnEvent(Connection& c, uint32_t events);
  void OnReadable(Connection& c);
  bool OnResponse(Connection& c, Clock::time_point now);
  void FillAndFlush(Connection& c, Clock::time_point now);
  void SetWriteInterest(Connection& c, bool on);
  void Close(Connection& c, Clock::time_point retry_at);
  void ReconnectDue(Clock::time_point now);
  int TimeoutMs(Clock::time_point now) const;

  const WorkerOptions options_;
  const std::vector<std::string>& requests_;
  int epoll_fd_ = -1;
  std::vector<Connection> connections_;
  size_t closed_ = 0;  // connections waiting to reconnect
  std::vector<char> read_buffer_;
  WorkerStats stats_;
};

}  // namespace opentrack::loadgen

#endif  // OPENTRACK_BENCH_LOADGEN_WORKER_H_
