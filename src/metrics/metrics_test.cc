#include "metrics/metrics.h"

#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace opentrack::metrics {
namespace {

TEST(MetricsTest, RendersExactText) {
  Registry registry;
  registry.GetCounter("ot_requests_total", "Requests.", {{"status", "200"}, {"endpoint", "track"}})
      .Increment(3);
  registry.GetCounter("ot_requests_total", "ignored", {{"endpoint", "batch"}, {"status", "400"}})
      .Increment();
  registry.GetGauge("ot_spool_bytes", "Bytes in the spool.").Set(1.5);
  Histogram& latency = registry.GetHistogram("ot_latency_seconds", "Latency.\nSecond line \\",
                                             {{"path", "a\"b\\c\nd"}}, {0.5, 0.1, 1});
  latency.Observe(0.05);
  latency.Observe(0.1);
  latency.Observe(0.7);
  latency.Observe(3);
  EXPECT_EQ(registry.RenderPrometheus(),
            "# HELP ot_latency_seconds Latency.\\nSecond line \\\\\n"
            "# TYPE ot_latency_seconds histogram\n"
            "ot_latency_seconds_bucket{path=\"a\\\"b\\\\c\\nd\",le=\"0.1\"} 2\n"
            "ot_latency_seconds_bucket{path=\"a\\\"b\\\\c\\nd\",le=\"0.5\"} 2\n"
            "ot_latency_seconds_bucket{path=\"a\\\"b\\\\c\\nd\",le=\"1\"} 3\n"
            "ot_latency_seconds_bucket{path=\"a\\\"b\\\\c\\nd\",le=\"+Inf\"} 4\n"
            "ot_latency_seconds_sum{path=\"a\\\"b\\\\c\\nd\"} 3.85\n"
            "ot_latency_seconds_count{path=\"a\\\"b\\\\c\\nd\"} 4\n"
            "# HELP ot_requests_total Requests.\n"
            "# TYPE ot_requests_total counter\n"
            "ot_requests_total{endpoint=\"batch\",status=\"400\"} 1\n"
            "ot_requests_total{endpoint=\"track\",status=\"200\"} 3\n"
            "# HELP ot_spool_bytes Bytes in the spool.\n"
            "# TYPE ot_spool_bytes gauge\n"
            "ot_spool_bytes 1.5\n");
}

TEST(MetricsTest, SameNameAndLabelsIsSameMetric) {
  Registry registry;
  Counter& a = registry.GetCounter("c", "h", {{"x", "1"}, {"y", "2"}});
  Counter& b = registry.GetCounter("c", "h", {{"y", "2"}, {"x", "1"}});
  EXPECT_EQ(&a, &b);
  EXPECT_NE(&a, &registry.GetCounter("c", "h", {{"x", "2"}}));
}

TEST(MetricsTest, TypeClashGivesDetachedMetric) {
  Registry registry;
  registry.GetCounter("m", "h").Increment();
  Gauge& gauge = registry.GetGauge("m", "h");
  gauge.Set(7);
  EXPECT_EQ(registry.RenderPrometheus(), "# HELP m h\n# TYPE m counter\nm 1\n");
}

TEST(MetricsTest, HistogramWithoutLabelsAndEdgeValues) {
  Registry registry;
  Histogram& h = registry.GetHistogram("h", "help", {}, {1});
  h.Observe(1);  // bounds are inclusive
  EXPECT_EQ(registry.RenderPrometheus(),
            "# HELP h help\n# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 1\n"
            "h_sum 1\nh_count 1\n");
}

TEST(MetricsTest, FormatValue) {
  EXPECT_EQ(FormatValue(0.1), "0.1");
  EXPECT_EQ(FormatValue(1e21), "1e+21");
  EXPECT_EQ(FormatValue(-2), "-2");
  EXPECT_EQ(FormatValue(1.0 / 0.0), "+Inf");
  EXPECT_EQ(FormatValue(-1.0 / 0.0), "-Inf");
}

TEST(MetricsTest, ConcurrentUpdates) {
  Registry registry;
  Counter& counter = registry.GetCounter("c", "h");
  Gauge& gauge = registry.GetGauge("g", "h");
  Histogram& histogram = registry.GetHistogram("h", "h");
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) {
        counter.Increment();
        gauge.Add(1);
        histogram.Observe(0.002);
        registry.GetCounter("c", "h");
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(counter.Value(), 40000u);
  EXPECT_EQ(gauge.Value(), 40000);
  EXPECT_EQ(histogram.Count(), 40000u);
  EXPECT_EQ(histogram.CumulativeCounts()[1], 40000u);
  EXPECT_EQ(histogram.CumulativeCounts()[0], 0u);
}

TEST(MetricsTest, DefaultIsOneInstance) { EXPECT_EQ(&Registry::Default(), &Registry::Default()); }

}  // namespace
}  // namespace opentrack::metrics
