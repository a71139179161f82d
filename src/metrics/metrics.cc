#include "metrics/metrics.h"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace opentrack::metrics {
namespace {

void AppendEscaped(std::string* out, std::string_view s, bool quote) {
  for (char c : s) {
    if (c == '\\') {
      out->append("\\\\");
    } else if (c == '\n') {
      out->append("\\n");
    } else if (c == '"' && quote) {
      out->append("\\\"");
    } else {
      out->push_back(c);
    }
  }
}

// `{a="1",b="2"}` with labels sorted by name, or "" when there are none. The
// text is both the series key and what is rendered.
std::string LabelText(Labels labels) {
  if (labels.empty()) return "";
  std::sort(labels.begin(), labels.end());
  std::string out = "{";
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i > 0) out.push_back(',');
    out.append(labels[i].first);
    out.append("=\"");
    AppendEscaped(&out, labels[i].second, /*quote=*/true);
    out.push_back('"');
  }
  out.push_back('}');
  return out;
}

// Adds `le` to an existing label text.
std::string WithLe(const std::string& labels, const std::string& le) {
  std::string pair = "le=\"" + le + "\"";
  if (labels.empty()) return "{" + pair + "}";
  return labels.substr(0, labels.size() - 1) + "," + pair + "}";
}

const char* TypeName(int type) {
  static const char* const kNames[] = {"counter", "gauge", "histogram"};
  return kNames[type];
}

}  // namespace

std::string FormatValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  auto result = std::to_chars(buf, buf + sizeof(buf), v);
  return std::string(buf, result.ptr);
}

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)),
      buckets_(std::make_unique<std::atomic<uint64_t>[]>(bounds_.size() + 1)) {}

void Histogram::Observe(double v) {
  size_t i = std::lower_bound(bounds_.begin(), bounds_.end(), v) - bounds_.begin();
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(v, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
}

std::vector<uint64_t> Histogram::CumulativeCounts() const {
  std::vector<uint64_t> out(bounds_.size() + 1);
  uint64_t total = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    total += buckets_[i].load(std::memory_order_relaxed);
    out[i] = total;
  }
  return out;
}

std::vector<double> LatencyBuckets() {
  return {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

Registry& Registry::Default() {
  static Registry* registry = new Registry();
  return *registry;
}

Registry::Family* Registry::FindOrAdd(std::string_view name, std::string_view help, Type type,
                                      const std::vector<double>& bounds) {
  auto it = families_.find(name);
  if (it == families_.end()) {
    it = families_.emplace(std::string(name), Family{type, std::string(help), bounds, {}, {}, {}})
             .first;
  }
  return it->second.type == type ? &it->second : nullptr;
}

Counter& Registry::GetCounter(std::string_view name, std::string_view help, const Labels& labels) {
  std::lock_guard<std::mutex> lock(mu_);
  Family* family = FindOrAdd(name, help, Type::kCounter, {});
  if (family == nullptr) return *orphan_counters_.emplace_back(std::make_unique<Counter>());
  auto& slot = family->counters[LabelText(labels)];
  if (!slot) slot = std::make_unique<Counter>();
  return *slot;
}

Gauge& Registry::GetGauge(std::string_view name, std::string_view help, const Labels& labels) {
  std::lock_guard<std::mutex> lock(mu_);
  Family* family = FindOrAdd(name, help, Type::kGauge, {});
  if (family == nullptr) return *orphan_gauges_.emplace_back(std::make_unique<Gauge>());
  auto& slot = family->gauges[LabelText(labels)];
  if (!slot) slot = std::make_unique<Gauge>();
  return *slot;
}

Histogram& Registry::GetHistogram(std::string_view name, std::string_view help,
                                  const Labels& labels, std::vector<double> bounds) {
  std::sort(bounds.begin(), bounds.end());
  bounds.erase(std::unique(bounds.begin(), bounds.end()), bounds.end());
  std::lock_guard<std::mutex> lock(mu_);
  Family* family = FindOrAdd(name, help, Type::kHistogram, bounds);
  if (family == nullptr) {
    return *orphan_histograms_.emplace_back(std::make_unique<Histogram>(std::move(bounds)));
  }
  auto& slot = family->histograms[LabelText(labels)];
  if (!slot) slot = std::make_unique<Histogram>(family->bounds);
  return *slot;
}

std::string Registry::RenderPrometheus() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::string out;
  for (const auto& [name, family] : families_) {
    out.append("# HELP ").append(name).push_back(' ');
    AppendEscaped(&out, family.help, /*quote=*/false);
    out.append("\n# TYPE ").append(name).push_back(' ');
    out.append(TypeName(static_cast<int>(family.type))).push_back('\n');
    for (const auto& [labels, counter] : family.counters) {
      out.append(name).append(labels).append(" ").append(std::to_string(counter->Value()));
      out.push_back('\n');
    }
    for (const auto& [labels, gauge] : family.gauges) {
      out.append(name).append(labels).append(" ").append(FormatValue(gauge->Value()));
      out.push_back('\n');
    }
    for (const auto& [labels, histogram] : family.histograms) {
      std::vector<uint64_t> counts = histogram->CumulativeCounts();
      for (size_t i = 0; i < counts.size(); ++i) {
        std::string le = i < family.bounds.size() ? FormatValue(family.bounds[i]) : "+Inf";
        out.append(name).append("_bucket").append(WithLe(labels, le)).push_back(' ');
        out.append(std::to_string(counts[i])).push_back('\n');
      }
      // The +Inf bucket and _count are read separately; use the bucket total
      // for both so a scrape is self-consistent under concurrent updates.
      out.append(name).append("_sum").append(labels).push_back(' ');
      out.append(FormatValue(histogram->Sum())).push_back('\n');
      out.append(name).append("_count").append(labels).push_back(' ');
      out.append(std::to_string(counts.back())).push_back('\n');
    }
  }
  return out;
}

}  // namespace opentrack::metrics
