// The loader: the spool's single consumer. It decodes each record (a request
// the collector accepted, normalized here; or, from older versions, one
// normalized event), maps each event to warehouse rows, gathers rows into
// per-table batches, delivers a batch when it is full or old (BatchWriter),
// and acknowledges the spool up to the last record whose rows are all
// delivered. Delivery is at least once: after a crash, unacknowledged records
// are read again and resent with the same insert ids. See docs/loader.md.
#ifndef OPENTRACK_LOADER_LOADER_H_
#define OPENTRACK_LOADER_LOADER_H_

#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "loader/ack_tracker.h"
#include "loader/batch_writer.h"
#include "loader/spooled_request.h"
#include "metrics/metrics.h"
#include "segment/request_parser.h"
#include "spool/spool.h"
#include "warehouse_schema/event_mapper.h"

namespace opentrack::loader {

// Where one source's events go.
struct Destination {
  std::string project_id;
  std::string dataset_id;
};

struct LoaderOptions {
  // Spool source name -> destination. A record of an unknown source cannot be
  // routed: it is logged, counted and acknowledged (dropped).
  std::map<std::string, Destination> destinations;

  // A table's batch is written when any limit is reached. Streaming inserts
  // like small, fresh batches; for load jobs use e.g. 10000 rows and 60 s.
  size_t batch_max_rows = 500;
  size_t batch_max_bytes = 8 << 20;  // sum of the events' JSON sizes
  absl::Duration batch_max_age = absl::Seconds(1);

  // Backpressure: no spool Read while this many rows wait for delivery.
  size_t max_in_flight_rows = 100000;
  size_t read_max_records = 1000;
  size_t read_max_bytes = 4 << 20;
  absl::Duration read_wait = absl::Milliseconds(100);  // the consumer thread's idle wait

  absl::Duration ack_interval = absl::Milliseconds(250);
  // Backoff of a table whose write failed: initial * 2^(failures-1), capped.
  absl::Duration initial_backoff = absl::Seconds(1);
  absl::Duration max_backoff = absl::Minutes(1);

  Clock* clock = RealClock::Get();       // not owned
  metrics::Registry* metrics = nullptr;  // not owned; null: no metrics
};

struct LoaderStats {
  uint64_t records_read = 0;
  uint64_t records_dropped = 0;  // undecodable or of an unknown source
  uint64_t events_rejected = 0;  // not a valid event: quarantined whole
  // Accepted by the collector, rejected by the loader's normalization (or
  // whole requests it failed on): quarantined. Should stay 0.
  uint64_t events_disagreed = 0;
  uint64_t rows_written = 0;
  uint64_t rows_quarantined = 0;
  uint64_t rows_encoded_directly = 0;  // of a known schema: no planning (MapEncoded)
  uint64_t batches_written = 0;
  uint64_t write_failures = 0;
  uint64_t acks = 0;
  size_t rows_in_flight = 0;
  std::optional<spool::Position> acked;                   // last position acknowledged
  std::map<std::string, uint64_t> rows_written_by_table;  // "project:dataset.table"
};

class Loader {
 public:
  // Pointers are not owned and must outlive the loader.
  Loader(LoaderOptions options, spool::Spool* spool, BatchWriter* writer);
  ~Loader();  // Stop()s if started
  Loader(const Loader&) = delete;
  Loader& operator=(const Loader&) = delete;

  // Runs the consumer loop on its own thread.
  void Start();
  // Ends the thread, then writes every batch (ignoring age and backoff)
  // and acknowledges what was delivered. Undelivered records stay in the
  // spool for the next start. Returns the first delivery error, if any.
  absl::Status Stop();

  // One pass of the loop: read (unless backpressured), write due batches,
  // acknowledge if the ack interval passed. `read_wait` bounds the spool
  // wait. Tests drive the loader with this and a FakeClock instead of Start.
  absl::Status RunOnce(absl::Duration read_wait);
  // Writes every non-empty batch now and acknowledges (as Stop, without the
  // thread).
  absl::Status Flush();

  LoaderStats Stats() const;
  // Every table a row was routed to so far (for the views).
  std::vector<bigquery::TableRef> KnownTables() const;

 private:
  struct PendingRow {
    uint64_t seq;  // AckTracker sequence of the record it came from
    size_t bytes;
    absl::Time arrived;
  };
  // Counters shared by all tables; null members when there is no registry.
  struct Metrics {
    metrics::Counter* records_read = nullptr;
    metrics::Counter* records_dropped = nullptr;
    metrics::Counter* events_rejected = nullptr;
    metrics::Counter* events_disagreed = nullptr;
    metrics::Counter* rows_quarantined = nullptr;
    metrics::Counter* batches = nullptr;
    metrics::Counter* write_failures = nullptr;
    metrics::Gauge* rows_in_flight = nullptr;
    metrics::Gauge* spool_unacked_records = nullptr;
    metrics::Gauge* spool_unacked_bytes = nullptr;
    metrics::Histogram* write_seconds = nullptr;
  };
  struct Batch {
    bigquery::TableRef ref;
    metrics::Counter* rows_written = nullptr;  // this table's, if metrics are on
    // The table's schema as the last write saw it: events whose values all
    // fit are encoded at once (MapEncoded), into `encoded`. Null: unknown.
    std::shared_ptr<const warehouse_schema::SchemaIndex> schema;
    std::vector<warehouse_schema::Row> rows;  // for the planner
    std::vector<PendingRow> meta;             // parallel to rows
    warehouse_schema::EncodedRows encoded;    // encoded against a known schema
    std::vector<PendingRow> encoded_meta;     // parallel to encoded
    size_t bytes = 0;
    int failures = 0;
    absl::Time retry_at = absl::InfinitePast();
  };
  struct RejectBatch {
    bigquery::TableRef dataset;  // table_id unused
    std::vector<RejectedEvent> events;
    std::vector<uint64_t> seqs;
    int failures = 0;
    absl::Time retry_at = absl::InfinitePast();
  };

  void Ingest(const spool::Record& record, absl::Time now);
  // A request record (spooled_request.h): its body normalized as the
  // collector would have, then each event it accepted through IngestEvent.
  void IngestRequest(const spool::Record& record, uint64_t seq, absl::Time now);
  // IngestEvent for each event of `parsed` the collector accepted (not in
  // request.rejected_indexes); quarantines those it accepted and `parsed`
  // rejects, and returns how many.
  size_t IngestParsed(const Destination& dest, uint64_t seq, const spool::Position& position,
                      const SpooledRequest& request, const segment::ParsedRequest& parsed,
                      absl::Time now);
  // Maps one normalized event of record `seq` into its tables' batches, or
  // quarantines it when it is not one. `index`: its place in its request
  // (none for a one-event record), for the quarantine id. `readable_after`:
  // bytes past the end of `json` that may be read.
  void IngestEvent(const Destination& dest, uint64_t seq, const spool::Position& position,
                   std::optional<size_t> index, std::string_view json, size_t readable_after,
                   absl::Time now);
  // Keeps `event` in the `_opentrack_rejected` table of `dest`'s dataset, as
  // one of record `seq`'s rows.
  void Quarantine(const Destination& dest, uint64_t seq, RejectedEvent event);
  // Null when `source` has no destination.
  const Destination* DestinationOf(std::string_view source) const;
  // Logs, counts and forgets a record that cannot be routed: keeping it
  // would block every later ack forever.
  void Drop(const spool::Record& record, std::string_view why);
  // The batch of `table` in `dest`, created on first use.
  Batch& BatchFor(const Destination& dest, std::string_view table);
  static size_t Size(const Batch& batch) { return batch.rows.size() + batch.encoded.size(); }
  // A destination's batches by table id.
  using TableBatches = absl::flat_hash_map<std::string, Batch*>;
  // Where MapEncoded writes the row of `table` (one of `batches`).
  warehouse_schema::TableOutput OutputFor(const TableBatches& batches, std::string_view table);
  static absl::Time Oldest(const Batch& batch);
  bool Due(const Batch& batch, absl::Time now, bool force) const;
  // Writes `batch` while it is due; false if a write failed.
  absl::Status WriteBatch(Batch& batch, absl::Time now, bool force);
  absl::Status WriteRejects(RejectBatch& batch, absl::Time now, bool force);
  absl::Status WriteDue(absl::Time now, bool force);
  // Acks if the interval passed (or `force`), and refreshes the lag gauges.
  absl::Status MaybeAck(absl::Time now, bool force);
  absl::Status AckIfDue(absl::Time now, bool force);
  absl::Duration Backoff(int failures) const;
  // Time until the next batch becomes due, or read_wait when none.
  absl::Duration UntilNextDue(absl::Time now, absl::Duration read_wait) const;
  void Loop();

  void InitMetrics();
  static void Inc(metrics::Counter* c, uint64_t n = 1) {
    if (c != nullptr) c->Increment(n);
  }

  const LoaderOptions options_;
  Metrics metrics_;
  spool::Spool* const spool_;
  BatchWriter* const writer_;
  Clock* const clock_;

  // Consumer-thread state.
  warehouse_schema::EventMapper mapper_;
  std::vector<warehouse_schema::Row> scratch_;
  std::vector<Batch*> encoded_into_;                 // the batch of each row MapEncoded wrote
  std::vector<row_writer::EncodedRow> write_views_;  // WriteBatch's, of `encoded` rows
  AckTracker tracker_;
  std::map<std::string, Batch> batches_;  // "project:dataset.table"; stable addresses
  // One lookup per row of an event finds both its batch and its schema.
  std::map<const Destination*, TableBatches> batches_of_;
  std::map<std::string, RejectBatch> rejects_;  // "project:dataset"
  size_t rows_in_flight_ = 0;
  std::optional<spool::Position> ackable_;  // done, not yet acknowledged
  absl::Time last_ack_;                     // the first ack comes an ack_interval after start
  absl::Time last_lag_update_ = absl::InfinitePast();

  std::atomic<bool> stopping_{false};
  std::thread thread_;

  mutable absl::Mutex stats_mu_;
  LoaderStats stats_ ABSL_GUARDED_BY(stats_mu_);
  std::vector<bigquery::TableRef> known_tables_ ABSL_GUARDED_BY(stats_mu_);
};

}  // namespace opentrack::loader

#endif  // OPENTRACK_LOADER_LOADER_H_
