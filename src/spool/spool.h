// The durable spool: accepted events are appended to CRC-framed log files and
// fsynced (group commit) before the collector answers; the loader reads them
// back and acknowledges them once BigQuery has them. Format and recovery:
// docs/spool-format.md.
#ifndef OPENTRACK_SPOOL_SPOOL_H_
#define OPENTRACK_SPOOL_SPOOL_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "spool/block_format.h"
#include "spool/env.h"
#include "spool/log_format.h"
#include "spool/log_reader.h"
#include "spool/position.h"
#include "spool/round_buffer.h"

namespace opentrack::spool {

// Bytes past the end of each Record's data that may be read: a parser that
// reads past the end of its input (simdjson reads 64) then needs no copy.
inline constexpr size_t kRecordReadSlack = 64;

struct Record {
  Position position;  // of this record
  std::string data;   // its capacity holds kRecordReadSlack more bytes
};

// How appended records are written. Either way every format is read.
enum class Compression {
  kNone,  // one kFullRecord frame per record: the format before blocks
  kZstd,  // a group commit's records in kBlock frames of about block_target_bytes
};

// Chosen by records/s on the sample events: level 1 compresses a third better
// but costs more CPU than this 2-core machine can spare (docs/performance.md, "Spool").
inline constexpr int kDefaultZstdLevel = -3;

struct SpoolOptions {
  std::string directory;
  uint64_t max_file_bytes = 64 << 20;     // roll to a new log file after this
  uint64_t max_total_bytes = 8ull << 30;  // unacknowledged bytes; above -> ResourceExhausted
  bool sync = true;                       // fsync before completing appends (tests may turn off)
  Compression compression = Compression::kZstd;
  int zstd_level = kDefaultZstdLevel;       // ZSTD_c_compressionLevel; negative is faster
  uint64_t block_target_bytes = 256 << 10;  // a block ends before its content passes this
  // Write and read log files with O_DIRECT, past the page cache (docs/spool-format.md,
  // "Direct I/O"). Open fails with FailedPrecondition if the file system refuses it.
  bool direct_io = false;
};

struct SpoolStats {
  uint64_t bytes_on_disk = 0;    // readable bytes of the log files still on disk
  uint64_t unacked_bytes = 0;    // from the ack cursor to the write position
  uint64_t unacked_records = 0;  // records after the ack cursor
  uint64_t files = 0;            // log files on disk
  Position ack;                  // the cursor: just after the last acknowledged record
  Position write;                // where the next frame goes
  uint64_t fsyncs = 0;           // log file fsyncs by the writer
  uint64_t appends = 0;          // Append requests completed OK
  uint64_t dropped_bytes = 0;    // damaged bytes skipped by recovery
};

// Thread-safe, except that Read/Rewind/Ack form a single consumer.
class Spool {
 public:
  // Recovers `options.directory` (creating it if needed). `env` must outlive the spool.
  static absl::StatusOr<std::unique_ptr<Spool>> Open(SpoolOptions options, Env* env = Env::Posix());
  ~Spool();  // Close()
  Spool(const Spool&) = delete;
  Spool& operator=(const Spool&) = delete;

  // Appends the records (in order, contiguous) and calls done(OkStatus()) once they are durable,
  // done(ResourceExhausted) when over max_total_bytes (nothing written), InvalidArgument for a
  // record over kMaxPayloadSize, FailedPrecondition after Close, or the I/O error. `done` runs
  // on the writer thread (or the caller's, when rejected at once) and must not block.
  void Append(std::vector<std::string> records, std::function<void(absl::Status)> done);
  // As Append, for records that share their first bytes: record i is `prefix`
  // followed by suffixes[i], written and read back exactly as if appended whole,
  // without the caller building (and copying) each one.
  void Append(std::string prefix, std::vector<std::string> suffixes,
              std::function<void(absl::Status)> done);
  absl::Status AppendAndWait(std::vector<std::string> records);
  absl::Status AppendAndWait(std::string prefix, std::vector<std::string> suffixes);

  // The next records after the last one returned (after Open or Rewind: after the ack cursor),
  // waiting up to `wait` for at least one. At most `max_records`; stops before `max_bytes` of
  // data except that one record is always returned. Empty on timeout.
  absl::StatusOr<std::vector<Record>> Read(size_t max_records, size_t max_bytes,
                                           absl::Duration wait);
  // Every returned record at or before `upto` is delivered: persists the cursor durably and
  // deletes fully acknowledged log files. Acks only move forward (an older `upto` is a no-op).
  absl::Status Ack(Position upto);
  // Makes the next Read start again just after the ack cursor.
  void Rewind();

  SpoolStats Stats();
  // Completes queued appends, stops the writer thread. Idempotent.
  void Close();

 private:
  struct Request {
    std::string prefix;                 // of every record
    std::vector<std::string> suffixes;  // one per record
    std::function<void(absl::Status)> done;
    uint64_t bytes = 0;  // framed
  };
  struct LogFile {
    uint64_t size = 0;  // readable (synced, valid) bytes
    bool sealed = true;
    std::vector<ByteRange> skipped;  // damaged ranges found by recovery
  };

  Spool(SpoolOptions options, Env* env);
  absl::Status Recover();
  // Writes and deletes a probe file, so a file system without O_DIRECT fails Open.
  absl::Status CheckDirectIo();
  absl::StatusOr<std::unique_ptr<WritableFile>> NewLogFile(const std::string& path);
  std::string PathOf(uint64_t file_number) const;

  void WriterLoop();
  absl::Status WriteRound(const std::vector<Request*>& requests);
  // Frames the record `prefix` + `suffix` into *round, directly or through the
  // pending block, rolling to a new file first if needed.
  absl::Status FrameRecord(std::string_view prefix, std::string_view suffix, RoundBuffer* round,
                           std::vector<std::pair<uint64_t, uint64_t>>* sealed);
  // Frames the pending block, if any, into *round.
  void FinishBlock(RoundBuffer* round);
  absl::Status Flush(RoundBuffer* round);
  absl::Status Roll(RoundBuffer* round, std::vector<std::pair<uint64_t, uint64_t>>* sealed);

  // Makes frame_records_ the records of the frame at byte `offset` of `file`.
  absl::Status LoadFrame(uint64_t file, uint64_t offset, uint64_t limit)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(read_mu_);
  absl::Status ReadFrameAt(uint64_t file, uint64_t offset, uint64_t limit, Frame* frame)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(read_mu_);
  bool BufferCovers(uint64_t file, uint64_t offset, uint64_t n) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(read_mu_);
  absl::Status FillBuffer(uint64_t file, uint64_t offset, uint64_t n, uint64_t limit)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(read_mu_);

  // Moves *pos past exhausted sealed files and skipped ranges; true if a frame is there.
  bool NextReadableLocked(Position* pos) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  uint64_t UnackedBytesLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Removes fully acknowledged files from files_ and returns their numbers.
  std::vector<uint64_t> TrimLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void DeleteFiles(const std::vector<uint64_t>& numbers);

  const SpoolOptions options_;
  Env* const env_;

  absl::Mutex mu_;
  absl::CondVar work_cv_;      // queue_ non-empty or closing_
  absl::CondVar readable_cv_;  // new records published or closed_
  std::deque<Request> queue_ ABSL_GUARDED_BY(mu_);
  bool closing_ ABSL_GUARDED_BY(mu_) = false;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  std::map<uint64_t, LogFile> files_ ABSL_GUARDED_BY(mu_);
  uint64_t next_file_number_ ABSL_GUARDED_BY(mu_) = 1;
  Position cursor_ ABSL_GUARDED_BY(mu_);
  Position read_pos_ ABSL_GUARDED_BY(mu_);
  // Records returned by Read and not yet acknowledged: position -> offset of the next record.
  std::map<Position, uint64_t> delivered_ ABSL_GUARDED_BY(mu_);
  uint64_t unacked_records_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t fsyncs_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t appends_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t dropped_bytes_ ABSL_GUARDED_BY(mu_) = 0;

  // Owned by the writer thread.
  std::unique_ptr<WritableFile> writer_file_;
  uint64_t writer_file_number_ = 0;
  uint64_t writer_size_ = 0;  // bytes written to writer_file_, synced or not
  // A round's frames; large records by reference. Kept between rounds: a new
  // buffer each round grew by copying and faulted in fresh pages.
  RoundBuffer round_;
  std::unique_ptr<BlockBuilder> block_;  // null without compression
  std::thread writer_;

  // The consumer's read cache: a window of one log file, and the records of the
  // last frame decoded (pointing into buffer_ or block_decoder_).
  absl::Mutex read_mu_ ABSL_ACQUIRED_BEFORE(mu_);
  uint64_t buffer_file_ ABSL_GUARDED_BY(read_mu_) = 0;
  uint64_t buffer_offset_ ABSL_GUARDED_BY(read_mu_) = 0;
  std::string buffer_ ABSL_GUARDED_BY(read_mu_);
  std::unique_ptr<RandomAccessFile> reader_file_ ABSL_GUARDED_BY(read_mu_);
  BlockDecoder block_decoder_ ABSL_GUARDED_BY(read_mu_);
  bool frame_loaded_ ABSL_GUARDED_BY(read_mu_) = false;
  Position frame_ ABSL_GUARDED_BY(read_mu_);          // address of its first record
  uint64_t frame_end_ ABSL_GUARDED_BY(read_mu_) = 0;  // byte offset
  std::vector<std::string_view> frame_records_ ABSL_GUARDED_BY(read_mu_);

  absl::Mutex ack_mu_ ABSL_ACQUIRED_BEFORE(mu_);  // serializes cursor writes
};

}  // namespace opentrack::spool

#endif  // OPENTRACK_SPOOL_SPOOL_H_
