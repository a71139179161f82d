#include "worker.h"

#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <string_view>
#include <utility>

#include "response_parser.h"

namespace opentrack::loadgen {
namespace {

constexpr auto kReconnectDelay = std::chrono::milliseconds(10);
constexpr int kMaxEvents = 256;
constexpr size_t kReadBufferBytes = 64 * 1024;

}  // namespace

void WorkerStats::Merge(const WorkerStats& other) {
  ok += other.ok;
  for (size_t i = 0; i < by_status.size(); ++i) by_status[i] += other.by_status[i];
  connect_errors += other.connect_errors;
  connection_errors += other.connection_errors;
  unanswered += other.unanswered;
  latencies_ns.insert(latencies_ns.end(), other.latencies_ns.begin(), other.latencies_ns.end());
}

uint64_t WorkerStats::non_ok() const {
  uint64_t n = 0;
  for (uint64_t count : by_status) n += count;
  return n;
}

// Requests in flight form a FIFO ring (HTTP/1.1 answers in order): the first
// `written` are fully sent, the next has `offset` bytes sent, the rest none.
struct Worker::Connection {
  struct InFlight {
    uint32_t request;
    Clock::time_point queued_at;
  };

  int fd = -1;
  bool connecting = false;
  bool want_write = false;  // EPOLLOUT is registered
  Clock::time_point retry_at;
  size_t next_request = 0;
  std::vector<InFlight> ring;
  size_t head = 0;
  size_t count = 0;
  size_t written = 0;
  size_t offset = 0;
  ResponseParser parser;

  InFlight& at(size_t i) { return ring[(head + i) % ring.size()]; }
};

Worker::Worker(WorkerOptions options, const std::vector<std::string>& requests)
    : options_(std::move(options)),
      requests_(requests),
      connections_(options_.first_requests.size()),
      read_buffer_(kReadBufferBytes) {
  for (size_t i = 0; i < connections_.size(); ++i) {
    connections_[i].next_request = options_.first_requests[i];
    connections_[i].ring.resize(options_.pipeline);
  }
  stats_.latencies_ns.reserve(1 << 18);
}

Worker::~Worker() {
  for (Connection& c : connections_) {
    if (c.fd >= 0) close(c.fd);
  }
  if (epoll_fd_ >= 0) close(epoll_fd_);
}

void Worker::Run() {
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd_ < 0) {
    ++stats_.connect_errors;
    return;
  }
  Clock::time_point now = Clock::now();
  for (Connection& c : connections_) Connect(c, now);
  epoll_event events[kMaxEvents];
  while ((now = Clock::now()) < options_.deadline) {
    if (closed_ > 0) ReconnectDue(now);
    const int n = epoll_wait(epoll_fd_, events, kMaxEvents, TimeoutMs(now));
    for (int i = 0; i < n; ++i) OnEvent(connections_[events[i].data.u32], events[i].events);
  }
  for (Connection& c : connections_) {
    if (c.fd >= 0) close(c.fd);
    c.fd = -1;
  }
}

// Until the deadline or the next reconnect, rounded up so the loop does not spin.
int Worker::TimeoutMs(Clock::time_point now) const {
  Clock::time_point wake = options_.deadline;
  if (closed_ > 0) {
    for (const Connection& c : connections_) {
      if (c.fd < 0) wake = std::min(wake, c.retry_at);
    }
  }
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(wake - now).count();
  return static_cast<int>(std::clamp<int64_t>((us + 999) / 1000, 0, INT_MAX));
}

void Worker::ReconnectDue(Clock::time_point now) {
  for (Connection& c : connections_) {
    if (c.fd < 0 && c.retry_at <= now) {
      --closed_;
      Connect(c, now);
    }
  }
}

void Worker::Connect(Connection& c, Clock::time_point now) {
  c.fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (c.fd < 0) {
    ++stats_.connect_errors;
    return Close(c, now + kReconnectDelay);
  }
  const int one = 1;
  setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  const int rc =
      connect(c.fd, reinterpret_cast<const sockaddr*>(&options_.address), sizeof(options_.address));
  if (rc != 0 && errno != EINPROGRESS) {
    ++stats_.connect_errors;
    return Close(c, now + kReconnectDelay);
  }
  c.connecting = rc != 0;
  c.want_write = c.connecting;
  epoll_event ev{};
  ev.events = EPOLLIN | (c.connecting ? uint32_t{EPOLLOUT} : 0u);
  ev.data.u32 = static_cast<uint32_t>(&c - connections_.data());
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, c.fd, &ev) != 0) {
    ++stats_.connect_errors;
    return Close(c, now + kReconnectDelay);
  }
  if (!c.connecting) OnConnected(c, now);
}

void Worker::OnConnected(Connection& c, Clock::time_point now) {
  c.connecting = false;
  FillAndFlush(c, now);
}

void Worker::OnEvent(Connection& c, uint32_t events) {
  if (c.fd < 0) return;  // closed earlier in this batch of events
  if (c.connecting) {
    int error = 0;
    socklen_t len = sizeof(error);
    const Clock::time_point now = Clock::now();
    if (getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &error, &len) != 0 || error != 0) {
      ++stats_.connect_errors;
      return Close(c, now + kReconnectDelay);
    }
    if ((events & EPOLLOUT) == 0) return;  // not connected yet
    return OnConnected(c, now);
  }
  if (events & (EPOLLIN | EPOLLERR | EPOLLHUP)) OnReadable(c);
  if (c.fd >= 0 && (events & EPOLLOUT)) FillAndFlush(c, Clock::now());
}

// One read per readiness event: level-triggered epoll reports the rest.
void Worker::OnReadable(Connection& c) {
  const ssize_t n = read(c.fd, read_buffer_.data(), read_buffer_.size());
  const Clock::time_point now = Clock::now();
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
  if (n <= 0) {
    const bool eof = n == 0;
    if (eof && c.parser.ConsumeEof() == ParseResult::kResponse && c.count > 0 &&
        !OnResponse(c, now)) {
      return;
    }
    const bool clean = eof && c.count == 0 && c.parser.error().empty();
    if (!clean) {
      ++stats_.connection_errors;
      stats_.unanswered += c.count;
    }
    return Close(c, clean ? now : now + kReconnectDelay);
  }
  std::string_view data(read_buffer_.data(), static_cast<size_t>(n));
  while (!data.empty()) {
    const ParseResult r = c.parser.Consume(&data);
    if (r == ParseResult::kNeedMore) break;
    if (r == ParseResult::kError || c.count == 0) {  // garbage, or a response to nothing
      ++stats_.connection_errors;
      stats_.unanswered += c.count;
      return Close(c, now + kReconnectDelay);
    }
    if (!OnResponse(c, now)) return;
  }
  FillAndFlush(c, now);
}

// Records the response to the oldest request in flight. Returns false if the
// connection was closed because the server said it would close it.
bool Worker::OnResponse(Connection& c, Clock::time_point now) {
  const Connection::InFlight done = c.at(0);
  // Answered before it was fully sent (e.g. 413): the byte stream is out of
  // step, so this connection cannot carry more requests.
  const bool early = c.written == 0;
  c.head = (c.head + 1) % c.ring.size();
  --c.count;
  if (early) {
    c.offset = 0;
  } else {
    --c.written;
  }
  if (now < options_.deadline) {
    const int status = c.parser.status();
    if (status == 200) {
      ++stats_.ok;
      stats_.latencies_ns.push_back(
          std::chrono::duration_cast<std::chrono::nanoseconds>(now - done.queued_at).count());
    } else {
      ++stats_.by_status[status];
    }
  }
  if (!early && !c.parser.close()) return true;
  if (c.count > 0) {
    ++stats_.connection_errors;
    stats_.unanswered += c.count;
  }
  Close(c, now);
  return false;
}

// Queues requests up to the pipeline depth and writes what the socket takes.
void Worker::FillAndFlush(Connection& c, Clock::time_point now) {
  while (c.count < c.ring.size()) {
    c.at(c.count++) = {static_cast<uint32_t>(c.next_request++ % requests_.size()), now};
  }
  while (c.written < c.count) {
    iovec iov[64];
    const size_t k = std::min<size_t>(c.count - c.written, 64);
    for (size_t i = 0; i < k; ++i) {
      const std::string& request = requests_[c.at(c.written + i).request];
      const size_t skip = i == 0 ? c.offset : 0;
      iov[i] = {const_cast<char*>(request.data()) + skip, request.size() - skip};
    }
    ssize_t n = writev(c.fd, iov, static_cast<int>(k));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return SetWriteInterest(c, true);
    if (n < 0) {
      ++stats_.connection_errors;
      stats_.unanswered += c.count;
      return Close(c, now + kReconnectDelay);
    }
    for (size_t i = 0; i < k && n > 0; ++i) {
      const size_t left = iov[i].iov_len;
      if (static_cast<size_t>(n) < left) {
        c.offset += n;
        break;
      }
      n -= left;
      ++c.written;
      c.offset = 0;
    }
  }
  SetWriteInterest(c, false);
}

void Worker::SetWriteInterest(Connection& c, bool on) {
  if (c.want_write == on) return;
  c.want_write = on;
  epoll_event ev{};
  ev.events = EPOLLIN | (on ? uint32_t{EPOLLOUT} : 0u);
  ev.data.u32 = static_cast<uint32_t>(&c - connections_.data());
  epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, c.fd, &ev);
}

// Closes (closing the fd also removes it from the epoll set) and schedules
// the reconnect; requests in flight are dropped, counted by the caller.
void Worker::Close(Connection& c, Clock::time_point retry_at) {
  if (c.fd >= 0) close(c.fd);
  c.fd = -1;
  c.connecting = false;
  c.want_write = false;
  c.head = c.count = c.written = c.offset = 0;
  c.parser = ResponseParser();
  c.retry_at = retry_at;
  ++closed_;
}

}  // namespace opentrack::loadgen
