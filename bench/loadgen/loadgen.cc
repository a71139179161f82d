// HTTP load generator for the Tracking API: N keep-alive connections, each
// sending requests back to back, built from the sample events. Prints
// requests/s, events/s and latency percentiles. Loopback only.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/escaping.h"

namespace {

struct Options {
  std::string host = "127.0.0.1";
  int port = 8080;
  std::string path = "/v1/batch";
  int events_per_request = 100;
  int connections = 32;
  double seconds = 10;
  std::string write_key = "loadgen";
  std::string events_file = "../shared/data/events-sample.ndjson";
};

struct ThreadResult {
  uint64_t requests = 0;
  uint64_t errors = 0;
  std::vector<double> latencies_us;
};

std::vector<std::string> ReadLines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

// Pre-built HTTP requests, so the generator spends its time on I/O.
std::vector<std::string> BuildRequests(const Options& o, const std::vector<std::string>& events) {
  std::vector<std::string> out;
  const bool batch = o.path == "/v1/batch" || o.path == "/v1/b" || o.path == "/v1/import";
  const size_t per = batch ? o.events_per_request : 1;
  for (size_t start = 0; start < events.size(); start += per) {
    std::string body;
    if (batch) {
      body = "{\"batch\":[";
      for (size_t i = start; i < std::min(events.size(), start + per); ++i) {
        if (i > start) body.push_back(',');
        body += events[i];
      }
      body += "]}";
    } else {
      body = events[start];
    }
    out.push_back("POST " + o.path + " HTTP/1.1\r\nHost: " + o.host +
                  "\r\nContent-Type: application/json\r\nAuthorization: Basic " +
                  absl::Base64Escape(o.write_key + ":") +
                  "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
  }
  return out;
}

int Connect(const Options& o) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(o.port);
  inet_pton(AF_INET, o.host.c_str(), &addr.sin_addr);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return -1;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return fd;
}

// Reads one response; returns its status code or -1.
int ReadResponse(int fd, std::string& buf) {
  buf.clear();
  size_t header_end;
  char tmp[16384];
  while ((header_end = buf.find("\r\n\r\n")) == std::string::npos) {
    const ssize_t n = read(fd, tmp, sizeof(tmp));
    if (n <= 0) return -1;
    buf.append(tmp, n);
  }
  size_t content_length = 0;
  const size_t cl = buf.find("Content-Length: ");
  if (cl != std::string::npos && cl < header_end) content_length = std::stoul(buf.substr(cl + 16));
  while (buf.size() < header_end + 4 + content_length) {
    const ssize_t n = read(fd, tmp, sizeof(tmp));
    if (n <= 0) return -1;
    buf.append(tmp, n);
  }
  return std::stoi(buf.substr(9, 3));
}

// One keep-alive connection with one request in flight, until `end`.
void RunConnection(const Options& o, const std::vector<std::string>& requests, size_t offset,
                   std::chrono::steady_clock::time_point end, ThreadResult* result) {
  int fd = Connect(o);
  std::string buf;
  size_t next = offset;
  while (std::chrono::steady_clock::now() < end) {
    if (fd < 0) fd = Connect(o);
    if (fd < 0) {
      ++result->errors;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      continue;
    }
    const std::string& req = requests[next++ % requests.size()];
    const auto t0 = std::chrono::steady_clock::now();
    const int status = write(fd, req.data(), req.size()) == static_cast<ssize_t>(req.size())
                           ? ReadResponse(fd, buf)
                           : -1;
    const auto t1 = std::chrono::steady_clock::now();
    if (status < 0) {
      close(fd);
      fd = -1;
    }
    if (status != 200) {
      ++result->errors;
      continue;
    }
    ++result->requests;
    result->latencies_us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
  }
  if (fd >= 0) close(fd);
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"opentrack load generator"};
  app.add_option("--host", o.host);
  app.add_option("--port", o.port)->required();
  app.add_option("--path", o.path);
  app.add_option("--events-per-request", o.events_per_request);
  app.add_option("--connections", o.connections);
  app.add_option("--seconds", o.seconds);
  app.add_option("--write-key", o.write_key);
  app.add_option("--events", o.events_file);
  CLI11_PARSE(app, argc, argv);

  std::vector<std::string> events = ReadLines(o.events_file);
  // A single-event endpoint only takes its own type: /v1/track gets the track events.
  static const std::pair<const char*, const char*> kSingle[] = {
      {"/v1/track", "track"}, {"/v1/t", "track"},   {"/v1/identify", "identify"},
      {"/v1/i", "identify"},  {"/v1/page", "page"}, {"/v1/p", "page"},
      {"/v1/group", "group"}, {"/v1/g", "group"}};
  for (const auto& [path, type] : kSingle) {
    if (o.path != path) continue;
    const std::string needle = std::string("\"type\":\"") + type + "\"";
    std::erase_if(events,
                  [&](const std::string& e) { return e.find(needle) == std::string::npos; });
  }
  if (events.empty()) {
    std::fprintf(stderr, "no events in %s\n", o.events_file.c_str());
    return 1;
  }
  const std::vector<std::string> requests = BuildRequests(o, events);
  const auto start = std::chrono::steady_clock::now();
  const auto end = start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                               std::chrono::duration<double>(o.seconds));
  std::vector<ThreadResult> results(o.connections);
  std::vector<std::thread> threads;
  for (int i = 0; i < o.connections; ++i) {
    threads.emplace_back(RunConnection, std::cref(o), std::cref(requests), i * 7, end, &results[i]);
  }
  for (auto& t : threads) t.join();
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  uint64_t requests_done = 0, errors = 0;
  std::vector<double> lat;
  for (auto& r : results) {
    requests_done += r.requests;
    errors += r.errors;
    lat.insert(lat.end(), r.latencies_us.begin(), r.latencies_us.end());
  }
  std::sort(lat.begin(), lat.end());
  auto pct = [&](double p) {
    return lat.empty() ? 0.0 : lat[static_cast<size_t>(p * (lat.size() - 1))];
  };
  const bool batch = o.path == "/v1/batch" || o.path == "/v1/b" || o.path == "/v1/import";
  const double events_per_req = batch ? o.events_per_request : 1;
  std::printf(
      "path=%s connections=%d seconds=%.1f requests=%llu errors=%llu\n"
      "requests/s=%.0f events/s=%.0f p50_ms=%.2f p99_ms=%.2f max_ms=%.2f\n",
      o.path.c_str(), o.connections, elapsed, static_cast<unsigned long long>(requests_done),
      static_cast<unsigned long long>(errors), requests_done / elapsed,
      requests_done * events_per_req / elapsed, pct(0.50) / 1000, pct(0.99) / 1000,
      lat.empty() ? 0.0 : lat.back() / 1000);
  return errors == 0 ? 0 : 2;
}
