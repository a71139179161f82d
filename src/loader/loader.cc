#include "loader/loader.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/error_code.h"
#include "loader/spooled_event.h"
#include "loader/spooled_request.h"
#include "segment/request_parser.h"
#include "spdlog/spdlog.h"

namespace opentrack::loader {
namespace {

namespace ws = warehouse_schema;

std::string TableKey(const bigquery::TableRef& ref) {
  return absl::StrCat(ref.project_id, ":", ref.dataset_id, ".", ref.table_id);
}

std::string Str(const absl::Status& s) { return std::string(s.ToString()); }

std::string UnknownSource(std::string_view source) {
  return absl::StrCat("unknown source '", absl::string_view(source.data(), source.size()), "'");
}

// The quarantine id of a record's event: stable across re-reads, unique in
// the spool. `index`: the event's place in its request record.
std::string RejectId(const spool::Position& position, std::optional<size_t> index) {
  std::string id = absl::StrFormat("spool-%d-%d", position.file_number, position.offset);
  if (index.has_value()) absl::StrAppend(&id, "-", *index);
  return id;
}

}  // namespace

Loader::Loader(LoaderOptions options, spool::Spool* spool, BatchWriter* writer)
    : options_(std::move(options)),
      spool_(spool),
      writer_(writer),
      clock_(options_.clock),
      last_ack_(clock_->Now()) {
  InitMetrics();
}

void Loader::InitMetrics() {
  metrics::Registry* r = options_.metrics;
  if (r == nullptr) return;
  metrics_.records_read =
      &r->GetCounter("opentrack_loader_records_read_total", "Spool records read by the loader.");
  metrics_.records_dropped =
      &r->GetCounter("opentrack_loader_records_dropped_total",
                     "Spool records dropped: undecodable, or of a source with no destination.");
  metrics_.events_rejected =
      &r->GetCounter("opentrack_loader_events_rejected_total",
                     "Events that are not valid normalized events, kept in _opentrack_rejected.");
  metrics_.events_disagreed = &r->GetCounter(
      "opentrack_loader_events_disagreed_total",
      "Events the collector accepted that the loader's normalization rejected (and requests it "
      "failed on), kept in _opentrack_rejected. Should stay 0.");
  metrics_.rows_quarantined = &r->GetCounter("opentrack_loader_rows_quarantined_total",
                                             "Rows and events stored in _opentrack_rejected.");
  metrics_.batches =
      &r->GetCounter("opentrack_loader_batches_written_total", "Batches delivered to BigQuery.");
  metrics_.write_failures = &r->GetCounter("opentrack_loader_write_failures_total",
                                           "Batch deliveries that failed and will be retried.");
  metrics_.rows_in_flight = &r->GetGauge("opentrack_loader_rows_in_flight",
                                         "Rows mapped from the spool and not yet delivered.");
  metrics_.spool_unacked_records = &r->GetGauge("opentrack_loader_spool_unacked_records",
                                                "Spool records not yet acknowledged (lag).");
  metrics_.spool_unacked_bytes = &r->GetGauge("opentrack_loader_spool_unacked_bytes",
                                              "Spool bytes not yet acknowledged (lag).");
  metrics_.write_seconds = &r->GetHistogram("opentrack_loader_batch_write_seconds",
                                            "Time to deliver one batch, successful or not.");
}

Loader::~Loader() {
  if (thread_.joinable()) Stop().IgnoreError();
}

void Loader::Start() {
  stopping_ = false;
  thread_ = std::thread([this] { Loop(); });
}

absl::Status Loader::Stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
  return Flush();
}

void Loader::Loop() {
  while (!stopping_) {
    absl::Status s = RunOnce(options_.read_wait);
    // Delivery errors are retried per table; what reaches here is the spool
    // failing to read or ack. Pause so a broken disk does not spin the CPU.
    if (!s.ok()) {
      spdlog::error("loader: {}", Str(s));
      clock_->SleepFor(options_.read_wait);
    }
  }
}

absl::Status Loader::RunOnce(absl::Duration read_wait) {
  absl::Time now = clock_->Now();
  if (rows_in_flight_ < options_.max_in_flight_rows) {
    absl::Duration wait = std::min(read_wait, UntilNextDue(now, read_wait));
    absl::StatusOr<std::vector<spool::Record>> records =
        spool_->Read(options_.read_max_records, options_.read_max_bytes, wait);
    if (!records.ok()) return WithContext(records.status(), "loader: reading the spool");
    now = clock_->Now();
    for (const spool::Record& record : *records) Ingest(record, now);
  } else {
    // Backpressure: every table is failing or slow. Wait for the next retry.
    absl::Duration wait = std::min(read_wait, UntilNextDue(now, read_wait));
    if (wait > absl::ZeroDuration()) clock_->SleepFor(wait);
    now = clock_->Now();
  }
  absl::Status write = WriteDue(now, /*force=*/false);
  absl::Status ack = MaybeAck(clock_->Now(), /*force=*/false);
  // Write errors are retried with backoff; only the spool's errors stop a pass.
  if (!write.ok()) spdlog::debug("loader: {}", Str(write));
  return ack;
}

absl::Status Loader::Flush() {
  absl::Status write = WriteDue(clock_->Now(), /*force=*/true);
  absl::Status ack = MaybeAck(clock_->Now(), /*force=*/true);
  return write.ok() ? ack : write;
}

void Loader::Ingest(const spool::Record& record, absl::Time now) {
  uint64_t seq = tracker_.Add(record.position);
  Inc(metrics_.records_read);
  {
    absl::MutexLock lock(&stats_mu_);
    ++stats_.records_read;
  }
  if (IsSpooledRequest(record.data)) return IngestRequest(record, seq, now);
  // A record of the one-event format: spools written before request records.
  absl::StatusOr<SpooledEvent> event = DecodeSpooledEvent(record.data);
  if (!event.ok()) return Drop(record, Str(event.status()));
  const Destination* dest = DestinationOf(event->source);
  if (dest == nullptr) return Drop(record, UnknownSource(event->source));
  // The event ends the record, whose buffer has kRecordReadSlack bytes to spare.
  IngestEvent(*dest, seq, record.position, std::nullopt, event->json,
              record.data.capacity() - record.data.size(), now);
}

void Loader::IngestRequest(const spool::Record& record, uint64_t seq, absl::Time now) {
  absl::StatusOr<SpooledRequest> request = DecodeSpooledRequest(record.data);
  if (!request.ok()) return Drop(record, Str(request.status()));
  const Destination* dest = DestinationOf(request->source);
  if (dest == nullptr) return Drop(record, UnknownSource(request->source));
  // The collector's context, so the events come out as they would have
  // there, with the same ids on every read (the seed).
  segment::RequestContext context;
  context.received_at = request->received_at;
  context.client_ip = std::string(request->client_ip);
  // The body ends the record, whose buffer has kRecordReadSlack bytes to spare.
  context.body_readable_after_end = record.data.capacity() - record.data.size();
  context.message_id_seed = request->message_id_seed;
  absl::StatusOr<segment::ParsedRequest> parsed =
      segment::ParseRequest(request->body, request->endpoint, context, request->limits);
  size_t disagreed = 0;
  if (parsed.ok()) {
    disagreed = IngestParsed(*dest, seq, record.position, *request, *parsed, now);
  } else {
    // The collector accepted this body, and the client was told it is stored.
    disagreed = 1;
    Quarantine(*dest, seq,
               {RejectId(record.position, std::nullopt), std::string(request->body),
                absl::StrCat("the collector accepted this request; normalizing it failed: ",
                             parsed.status().message())});
  }
  if (disagreed > 0) {
    spdlog::error(
        "loader: spool record {}:{}: {} accepted events (or the request) fail "
        "normalization; quarantined",
        record.position.file_number, record.position.offset, disagreed);
    Inc(metrics_.events_disagreed, disagreed);
    absl::MutexLock lock(&stats_mu_);
    stats_.events_disagreed += disagreed;
  }
}

size_t Loader::IngestParsed(const Destination& dest, uint64_t seq, const spool::Position& position,
                            const SpooledRequest& request, const segment::ParsedRequest& parsed,
                            absl::Time now) {
  // ParseRequest gives each event, in order, to `accepted` or to `rejected`
  // (with its index); the collector's rejected indexes ascend too.
  const std::vector<segment::RejectedEvent>& rejected = parsed.rejected;
  const std::vector<size_t>& answered = request.rejected_indexes;
  size_t next_accepted = 0, next_rejected = 0, next_answered = 0;
  size_t disagreed = 0, late_accepts = 0;
  // Disagreeing events share one quarantined copy of the body: a copy each
  // could hold a batch's body thousands of times.
  constexpr size_t kMaxListedDisagreements = 20;
  size_t first_disagreed = 0;
  std::string disagreements;
  for (size_t i = 0; next_accepted < parsed.accepted.size() || next_rejected < rejected.size();
       ++i) {
    const bool answered_rejected = next_answered < answered.size() && answered[next_answered] == i;
    if (answered_rejected) ++next_answered;
    if (next_rejected < rejected.size() && rejected[next_rejected].index == i) {
      const segment::RejectedEvent& r = rejected[next_rejected++];
      if (answered_rejected) continue;
      // Should never happen (a fuzzer keeps ValidateRequest and ParseRequest
      // in agreement), but the client was told the event is stored.
      if (disagreed == 0) first_disagreed = i;
      if (disagreed++ < kMaxListedDisagreements) {
        absl::StrAppend(&disagreements, disagreements.empty() ? "" : "; ",
                        "the collector accepted event ", i, "; normalizing it failed: ", r.code,
                        ": ", r.message);
      }
      continue;
    }
    if (next_accepted == parsed.accepted.size()) break;  // `rejected` out of order
    const std::string& json = parsed.accepted[next_accepted++].json;
    if (answered_rejected) {  // the client was told it is not stored
      ++late_accepts;
      continue;
    }
    IngestEvent(dest, seq, position, i, json, json.capacity() - json.size(), now);
  }
  if (disagreed > 0) {
    if (disagreed > kMaxListedDisagreements) {
      absl::StrAppend(&disagreements, "; and ", disagreed - kMaxListedDisagreements, " more");
    }
    Quarantine(
        dest, seq,
        {RejectId(position, first_disagreed), std::string(request.body), std::move(disagreements)});
  }
  if (late_accepts > 0) {
    spdlog::warn(
        "loader: spool record {}:{}: skipped {} events the collector rejected, which "
        "normalize now",
        position.file_number, position.offset, late_accepts);
  }
  return disagreed;
}

void Loader::IngestEvent(const Destination& dest, uint64_t seq, const spool::Position& position,
                         std::optional<size_t> index, std::string_view json, size_t readable_after,
                         absl::Time now) {
  // Most events fit the tables' known schemas and are encoded at once, into
  // their batches; the rest become rows for the planner.
  encoded_into_.clear();
  const TableBatches& batches = batches_of_[&dest];
  absl::StatusOr<bool> direct = mapper_.MapEncoded(
      json, now, [&](std::string_view table) { return OutputFor(batches, table); }, readable_after);
  if (!direct.ok() || !*direct) encoded_into_.clear();  // nothing was kept
  scratch_.clear();
  absl::Status mapped = direct.status();
  if (direct.ok() && !*direct) mapped = mapper_.Map(json, now, &scratch_, readable_after);
  if (!mapped.ok()) {
    Quarantine(dest, seq,
               {RejectId(position, index), std::string(json), std::string(mapped.message())});
    Inc(metrics_.events_rejected);
    absl::MutexLock lock(&stats_mu_);
    ++stats_.events_rejected;
    return;
  }
  tracker_.AddRows(seq, static_cast<uint32_t>(scratch_.size() + encoded_into_.size()));
  if (!encoded_into_.empty()) {
    absl::MutexLock lock(&stats_mu_);
    stats_.rows_encoded_directly += encoded_into_.size();
  }
  // The event's size bounds each of its rows' encoded size closely enough.
  const PendingRow pending{seq, json.size(), now};
  for (Batch* batch : encoded_into_) {
    batch->encoded_meta.push_back(pending);
    batch->bytes += pending.bytes;
    ++rows_in_flight_;
  }
  for (ws::Row& row : scratch_) {
    Batch& batch = BatchFor(dest, row.table);
    batch.rows.push_back(std::move(row));
    batch.meta.push_back(pending);
    batch.bytes += pending.bytes;
    ++rows_in_flight_;
  }
}

void Loader::Quarantine(const Destination& dest, uint64_t seq, RejectedEvent event) {
  RejectBatch& rb = rejects_[absl::StrCat(dest.project_id, ":", dest.dataset_id)];
  rb.dataset = {dest.project_id, dest.dataset_id, ""};
  rb.events.push_back(std::move(event));
  rb.seqs.push_back(seq);
  tracker_.AddRows(seq, 1);
  ++rows_in_flight_;
}

const Destination* Loader::DestinationOf(std::string_view source) const {
  auto it = options_.destinations.find(std::string(source));
  return it == options_.destinations.end() ? nullptr : &it->second;
}

void Loader::Drop(const spool::Record& record, std::string_view why) {
  spdlog::error("loader: dropping spool record {}:{}: {}", record.position.file_number,
                record.position.offset, why);
  Inc(metrics_.records_dropped);
  absl::MutexLock lock(&stats_mu_);
  ++stats_.records_dropped;
}

ws::TableOutput Loader::OutputFor(const TableBatches& batches, std::string_view table) {
  auto it = batches.find(absl::string_view(table.data(), table.size()));
  // A table without a batch has not been written yet: its schema is unknown.
  if (it == batches.end()) return {};
  Batch* batch = it->second;
  encoded_into_.push_back(batch);
  return {batch->schema.get(), &batch->encoded};
}

Loader::Batch& Loader::BatchFor(const Destination& dest, std::string_view table) {
  bigquery::TableRef ref{dest.project_id, dest.dataset_id, std::string(table)};
  Batch& batch = batches_[TableKey(ref)];
  // Destinations can share a dataset, hence its batches.
  batches_of_[&dest].try_emplace(ref.table_id, &batch);
  if (batch.ref.table_id.empty()) {
    if (options_.metrics != nullptr) {
      batch.rows_written = &options_.metrics->GetCounter(
          "opentrack_loader_rows_written_total", "Rows BigQuery accepted, per table.",
          {{"dataset", ref.dataset_id}, {"table", ref.table_id}});
    }
    batch.ref = ref;
    absl::MutexLock lock(&stats_mu_);
    known_tables_.push_back(std::move(ref));
  }
  return batch;
}

absl::Time Loader::Oldest(const Batch& batch) {
  absl::Time oldest = absl::InfiniteFuture();
  if (!batch.meta.empty()) oldest = batch.meta.front().arrived;
  if (!batch.encoded_meta.empty()) oldest = std::min(oldest, batch.encoded_meta.front().arrived);
  return oldest;
}

bool Loader::Due(const Batch& batch, absl::Time now, bool force) const {
  if (Size(batch) == 0) return false;
  if (force) return true;
  if (now < batch.retry_at) return false;
  return Size(batch) >= options_.batch_max_rows || batch.bytes >= options_.batch_max_bytes ||
         now - Oldest(batch) >= options_.batch_max_age;
}

absl::Status Loader::WriteBatch(Batch& batch, absl::Time now, bool force) {
  while (Due(batch, now, force)) {
    // At most one batch's worth: rows for the planner first, then encoded ones.
    size_t n = 0, m = 0, bytes = 0;
    const auto room_for = [&](const PendingRow& p) {
      return n + m < options_.batch_max_rows &&
             (n + m == 0 || bytes + p.bytes <= options_.batch_max_bytes);
    };
    while (n < batch.rows.size() && room_for(batch.meta[n])) bytes += batch.meta[n++].bytes;
    while (m < batch.encoded.size() && room_for(batch.encoded_meta[m])) {
      bytes += batch.encoded_meta[m++].bytes;
    }
    write_views_.clear();
    AppendRowViews(batch.encoded, m, &write_views_);
    absl::Time start = clock_->Now();
    absl::StatusOr<DeliveryResult> result =
        writer_->Write(batch.ref, std::span<const ws::Row>(batch.rows.data(), n), write_views_);
    if (metrics_.write_seconds != nullptr) {
      metrics_.write_seconds->Observe(absl::ToDoubleSeconds(clock_->Now() - start));
    }
    if (!result.ok()) {
      Inc(metrics_.write_failures);
      ++batch.failures;
      batch.retry_at = clock_->Now() + Backoff(batch.failures);
      // The table may have changed under us (dropped, recreated): later
      // events go through the planner until a write succeeds again.
      batch.schema.reset();
      spdlog::warn("loader: writing {} rows to {} failed ({} in a row), retrying in {}: {}", n + m,
                   TableKey(batch.ref), batch.failures,
                   absl::FormatDuration(Backoff(batch.failures)), Str(result.status()));
      absl::MutexLock lock(&stats_mu_);
      ++stats_.write_failures;
      return WithContext(result.status(), TableKey(batch.ref));
    }
    for (size_t i = 0; i < n; ++i) tracker_.RowsDone(batch.meta[i].seq, 1);
    for (size_t i = 0; i < m; ++i) tracker_.RowsDone(batch.encoded_meta[i].seq, 1);
    batch.rows.erase(batch.rows.begin(), batch.rows.begin() + n);
    batch.meta.erase(batch.meta.begin(), batch.meta.begin() + n);
    batch.encoded.DropFirst(m);
    // The buffer is kept for the next rows, but not the size a backlog (after
    // failed writes) made it.
    if (batch.encoded.empty() && batch.encoded.capacity_bytes() > 4 * options_.batch_max_bytes) {
      batch.encoded = ws::EncodedRows();
    }
    batch.encoded_meta.erase(batch.encoded_meta.begin(), batch.encoded_meta.begin() + m);
    if (result->schema != nullptr) batch.schema = std::move(result->schema);
    batch.bytes -= bytes;
    batch.failures = 0;
    batch.retry_at = absl::InfinitePast();
    rows_in_flight_ -= n + m;
    Inc(batch.rows_written, result->written);
    Inc(metrics_.rows_quarantined, result->quarantined);
    Inc(metrics_.batches);
    absl::MutexLock lock(&stats_mu_);
    stats_.rows_written += result->written;
    stats_.rows_quarantined += result->quarantined;
    stats_.rows_written_by_table[TableKey(batch.ref)] += result->written;
    ++stats_.batches_written;
  }
  return absl::OkStatus();
}

absl::Status Loader::WriteRejects(RejectBatch& rb, absl::Time now, bool force) {
  if (rb.events.empty() || (!force && now < rb.retry_at)) return absl::OkStatus();
  absl::Status s = writer_->Reject(rb.dataset, rb.events);
  if (!s.ok()) {
    Inc(metrics_.write_failures);
    ++rb.failures;
    rb.retry_at = clock_->Now() + Backoff(rb.failures);
    spdlog::warn("loader: quarantining {} events in {}:{} failed: {}", rb.events.size(),
                 rb.dataset.project_id, rb.dataset.dataset_id, Str(s));
    absl::MutexLock lock(&stats_mu_);
    ++stats_.write_failures;
    return s;
  }
  for (uint64_t seq : rb.seqs) tracker_.RowsDone(seq, 1);
  rows_in_flight_ -= rb.events.size();
  Inc(metrics_.rows_quarantined, rb.events.size());
  {
    absl::MutexLock lock(&stats_mu_);
    stats_.rows_quarantined += rb.events.size();
  }
  rb.events.clear();
  rb.seqs.clear();
  rb.failures = 0;
  rb.retry_at = absl::InfinitePast();
  return absl::OkStatus();
}

absl::Status Loader::WriteDue(absl::Time now, bool force) {
  absl::Status first;
  for (auto& [key, rb] : rejects_) first.Update(WriteRejects(rb, now, force));
  for (auto& [key, batch] : batches_) first.Update(WriteBatch(batch, now, force));
  if (metrics_.rows_in_flight != nullptr) {
    metrics_.rows_in_flight->Set(static_cast<double>(rows_in_flight_));
  }
  {
    absl::MutexLock lock(&stats_mu_);
    stats_.rows_in_flight = rows_in_flight_;
  }
  return first;
}

absl::Status Loader::MaybeAck(absl::Time now, bool force) {
  absl::Status s = AckIfDue(now, force);
  // Spool lag, refreshed at the ack pace even when nothing can be acked.
  if (metrics_.spool_unacked_records != nullptr &&
      (force || now - last_lag_update_ >= options_.ack_interval)) {
    spool::SpoolStats spool_stats = spool_->Stats();
    metrics_.spool_unacked_records->Set(static_cast<double>(spool_stats.unacked_records));
    metrics_.spool_unacked_bytes->Set(static_cast<double>(spool_stats.unacked_bytes));
    last_lag_update_ = now;
  }
  return s;
}

absl::Status Loader::AckIfDue(absl::Time now, bool force) {
  if (std::optional<spool::Position> done = tracker_.PopDone()) ackable_ = done;
  if (!ackable_.has_value()) return absl::OkStatus();
  if (!force && now - last_ack_ < options_.ack_interval) return absl::OkStatus();
  absl::Status s = spool_->Ack(*ackable_);
  if (!s.ok()) return WithContext(s, "loader: acknowledging the spool");
  last_ack_ = now;
  absl::MutexLock lock(&stats_mu_);
  stats_.acked = ackable_;
  ++stats_.acks;
  ackable_.reset();
  return absl::OkStatus();
}

absl::Duration Loader::Backoff(int failures) const {
  absl::Duration d = options_.initial_backoff;
  for (int i = 1; i < failures && d < options_.max_backoff; ++i) d *= 2;
  return std::min(d, options_.max_backoff);
}

absl::Duration Loader::UntilNextDue(absl::Time now, absl::Duration read_wait) const {
  absl::Duration best = read_wait;
  for (const auto& [key, batch] : batches_) {
    if (Size(batch) == 0) continue;
    absl::Time due = std::max(batch.retry_at, Oldest(batch) + options_.batch_max_age);
    best = std::min(best, due - now);
  }
  for (const auto& [key, rb] : rejects_) {
    if (!rb.events.empty()) best = std::min(best, rb.retry_at - now);
  }
  return std::max(best, absl::ZeroDuration());
}

LoaderStats Loader::Stats() const {
  absl::MutexLock lock(&stats_mu_);
  return stats_;
}

std::vector<bigquery::TableRef> Loader::KnownTables() const {
  absl::MutexLock lock(&stats_mu_);
  return known_tables_;
}

}  // namespace opentrack::loader
