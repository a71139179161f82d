// Process metrics: counters, gauges and fixed-bucket histograms with labels,
// rendered in the Prometheus text exposition format (version 0.0.4).
// Look a metric up once and keep the reference: updates are lock-free atomics.
#ifndef OPENTRACK_METRICS_METRICS_H_
#define OPENTRACK_METRICS_METRICS_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace opentrack::metrics {

// Label pairs; order does not matter (they are sorted by name on lookup).
using Labels = std::vector<std::pair<std::string, std::string>>;

// Monotonically increasing count. Thread-safe.
class Counter {
 public:
  void Increment(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

// A value that goes up and down. Thread-safe.
class Gauge {
 public:
  void Set(double v) { value_.store(v, std::memory_order_relaxed); }
  void Add(double d) { value_.fetch_add(d, std::memory_order_relaxed); }
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// Counts observations into buckets fixed at creation. Thread-safe.
class Histogram {
 public:
  // `bounds` are the buckets' inclusive upper bounds, ascending; +Inf is implied.
  explicit Histogram(std::vector<double> bounds);
  void Observe(double v);

  const std::vector<double>& bounds() const { return bounds_; }
  // Cumulative counts, one per bound plus the +Inf bucket.
  std::vector<uint64_t> CumulativeCounts() const;
  uint64_t Count() const { return count_.load(std::memory_order_relaxed); }
  double Sum() const { return sum_.load(std::memory_order_relaxed); }

 private:
  const std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;  // per bucket, not cumulative
  std::atomic<uint64_t> count_{0};
  std::atomic<double> sum_{0};
};

// Bounds for request latencies, in seconds (1 ms .. 10 s).
std::vector<double> LatencyBuckets();

// Owns every metric. Lookups take a lock; returned references stay valid for
// the registry's lifetime. A name belongs to one type: asking for it as
// another type returns a detached metric that is never rendered.
class Registry {
 public:
  Registry() = default;
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // The process-wide registry; never destroyed.
  static Registry& Default();

  Counter& GetCounter(std::string_view name, std::string_view help, const Labels& labels = {});
  Gauge& GetGauge(std::string_view name, std::string_view help, const Labels& labels = {});
  // The family's bounds are those of its first lookup.
  Histogram& GetHistogram(std::string_view name, std::string_view help, const Labels& labels = {},
                          std::vector<double> bounds = LatencyBuckets());

  // Families sorted by name, series by their label text.
  std::string RenderPrometheus() const;

 private:
  enum class Type { kCounter, kGauge, kHistogram };
  struct Family {
    Type type;
    std::string help;
    std::vector<double> bounds;
    std::map<std::string, std::unique_ptr<Counter>> counters;  // by rendered labels
    std::map<std::string, std::unique_ptr<Gauge>> gauges;
    std::map<std::string, std::unique_ptr<Histogram>> histograms;
  };

  Family* FindOrAdd(std::string_view name, std::string_view help, Type type,
                    const std::vector<double>& bounds);  // requires mu_

  // std::mutex, not absl::Mutex: the distro's abseil is not TSan-instrumented.
  mutable std::mutex mu_;  // guards everything below
  std::map<std::string, Family, std::less<>> families_;
  // Metrics handed out on a type clash; kept alive, never rendered.
  std::vector<std::unique_ptr<Counter>> orphan_counters_;
  std::vector<std::unique_ptr<Gauge>> orphan_gauges_;
  std::vector<std::unique_ptr<Histogram>> orphan_histograms_;
};

// Prometheus number text: shortest round-trip form, "+Inf", "-Inf", "NaN".
std::string FormatValue(double v);

}  // namespace opentrack::metrics

#endif  // OPENTRACK_METRICS_METRICS_H_
