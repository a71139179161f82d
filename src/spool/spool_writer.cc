// The append path: one writer thread, group commit (docs/spool-format.md,
// "Appends and group commit").
#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "common/error_code.h"
#include "spdlog/spdlog.h"
#include "spool/direct_log_file.h"
#include "spool/spool.h"

namespace opentrack::spool {

void Spool::Append(std::vector<std::string> records, std::function<void(absl::Status)> done) {
  Append(std::string(), std::move(records), std::move(done));
}

void Spool::Append(std::string prefix, std::vector<std::string> suffixes,
                   std::function<void(absl::Status)> done) {
  Request request{std::move(prefix), std::move(suffixes), std::move(done), 0};
  for (const std::string& s : request.suffixes) {
    request.bytes += FramedSize(request.prefix.size() + s.size());
  }
  {
    absl::MutexLock lock(&mu_);
    if (!closing_) {
      queue_.push_back(std::move(request));
      work_cv_.Signal();
      return;
    }
  }
  if (request.done) request.done(absl::FailedPreconditionError("spool is closed"));
}

absl::Status Spool::AppendAndWait(std::vector<std::string> records) {
  return AppendAndWait(std::string(), std::move(records));
}

absl::Status Spool::AppendAndWait(std::string prefix, std::vector<std::string> suffixes) {
  absl::Notification finished;
  absl::Status result;
  Append(std::move(prefix), std::move(suffixes), [&](absl::Status s) {
    result = std::move(s);
    finished.Notify();
  });
  finished.WaitForNotification();
  return result;
}

void Spool::WriterLoop() {
  for (;;) {
    std::deque<Request> batch;
    uint64_t unacked = 0;
    {
      absl::MutexLock lock(&mu_);
      while (queue_.empty() && !closing_) work_cv_.Wait(&mu_);
      if (queue_.empty()) return;
      batch.swap(queue_);
      unacked = UnackedBytesLocked();
    }
    // Admission: a rejected request writes nothing; the others share one round.
    std::vector<std::pair<Request*, absl::Status>> outcomes;
    std::vector<Request*> accepted;
    for (Request& r : batch) {
      absl::Status verdict;
      for (const std::string& suffix : r.suffixes) {
        if (const size_t size = r.prefix.size() + suffix.size(); size > kMaxPayloadSize) {
          verdict = absl::InvalidArgumentError(
              absl::StrCat("spool record of ", size, " bytes exceeds ", kMaxPayloadSize));
          break;
        }
      }
      if (verdict.ok() && unacked + r.bytes > options_.max_total_bytes) {
        verdict = absl::ResourceExhaustedError(
            absl::StrCat("spool is full: ", unacked, " unacknowledged bytes + ", r.bytes,
                         " would exceed max_total_bytes ", options_.max_total_bytes));
      }
      if (verdict.ok()) {
        unacked += r.bytes;
        accepted.push_back(&r);
      }
      outcomes.emplace_back(&r, std::move(verdict));
    }
    absl::Status written = accepted.empty() ? absl::OkStatus() : WriteRound(accepted);
    for (auto& [request, verdict] : outcomes) {
      if (!request->done) continue;
      request->done(verdict.ok() ? written : verdict);
    }
  }
}

absl::Status Spool::WriteRound(const std::vector<Request*>& requests) {
  // Large records are referenced from `requests`, alive until this returns.
  RoundBuffer& buffer = round_;
  buffer.Clear();
  std::vector<std::pair<uint64_t, uint64_t>> sealed;  // file number, final size
  uint64_t records = 0;
  absl::Status s;
  for (Request* r : requests) {
    for (const std::string& suffix : r->suffixes) {
      s = FrameRecord(r->prefix, suffix, &buffer, &sealed);
      if (!s.ok()) break;
      ++records;
    }
    if (!s.ok()) break;
  }
  FinishBlock(&buffer);
  if (s.ok()) s = Flush(&buffer);
  buffer.Clear();  // drops the references whatever happened
  absl::MutexLock lock(&mu_);
  if (!s.ok()) {
    // The file's state after a failed write or fsync is unknown: never write it again, and
    // publish nothing of this round (docs/spool-format.md).
    for (auto& [n, size] : sealed) files_[n].sealed = true;
    if (writer_file_ != nullptr) {
      files_[writer_file_number_].sealed = true;
      writer_file_->Close().IgnoreError();
      writer_file_.reset();
    }
    spdlog::error("spool: append failed: {}", std::string(s.message()));
    return s;
  }
  for (auto& [n, size] : sealed) files_[n] = LogFile{size, /*sealed=*/true, {}};
  if (writer_file_ != nullptr) {
    files_[writer_file_number_].size = writer_size_;
    files_[writer_file_number_].sealed = false;
  }
  unacked_records_ += records;
  appends_ += requests.size();
  if (options_.sync && writer_file_ != nullptr) fsyncs_ += sealed.size() + 1;
  readable_cv_.SignalAll();
  return absl::OkStatus();
}

absl::Status Spool::FrameRecord(std::string_view prefix, std::string_view suffix,
                                RoundBuffer* buffer,
                                std::vector<std::pair<uint64_t, uint64_t>>* sealed) {
  const size_t size = prefix.size() + suffix.size();
  // Without compression, or too big for a block: a frame of its own, after the pending block.
  const bool in_block = block_ != nullptr && BlockBuilder::FitsInABlock(size);
  if (!in_block || !block_->HasRoomFor(size, options_.block_target_bytes)) {
    FinishBlock(buffer);
  }
  // Roll only between frames, so a block never spans two files.
  if (!in_block || block_->empty()) {
    if (writer_file_ == nullptr || writer_size_ + buffer->size() >= options_.max_file_bytes) {
      if (absl::Status s = Roll(buffer, sealed); !s.ok()) return s;
    }
  }
  if (in_block) {
    block_->Add(prefix, suffix);
  } else {
    char header[kHeaderSize];
    EncodeFrameHeader(kFullRecord, prefix, suffix, header);
    buffer->Copy(std::string_view(header, kHeaderSize));
    buffer->Add(prefix);
    buffer->Add(suffix);
  }
  return absl::OkStatus();
}

void Spool::FinishBlock(RoundBuffer* buffer) {
  if (block_ == nullptr || block_->empty()) return;
  const std::string_view payload = block_->Finish();
  char header[kHeaderSize];
  EncodeFrameHeader(kBlock, {}, payload, header);
  buffer->Copy(std::string_view(header, kHeaderSize));
  buffer->Copy(payload);  // the block builder reuses its output
}

absl::Status Spool::Flush(RoundBuffer* buffer) {
  if (writer_file_ == nullptr) return absl::OkStatus();
  absl::Status s =
      buffer->empty() ? absl::OkStatus() : writer_file_->AppendPieces(buffer->Pieces());
  if (s.ok()) writer_size_ += buffer->size();
  buffer->Clear();
  if (s.ok() && options_.sync) s = writer_file_->Sync();
  if (!s.ok()) return WithContext(s, PathOf(writer_file_number_));
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<WritableFile>> Spool::NewLogFile(const std::string& path) {
  if (!options_.direct_io) return env_->NewWritableFile(path);
  auto file = env_->NewDirectWritableFile(path);
  if (!file.ok()) return file.status();
  return std::make_unique<DirectLogFile>(*std::move(file));
}

absl::Status Spool::Roll(RoundBuffer* buffer, std::vector<std::pair<uint64_t, uint64_t>>* sealed) {
  if (writer_file_ != nullptr) {
    if (absl::Status s = Flush(buffer); !s.ok()) return s;
    // Direct I/O: Close truncates the zero padding and syncs, before the next file exists.
    if (absl::Status s = writer_file_->Close(); !s.ok()) return s;
    writer_file_.reset();
    sealed->emplace_back(writer_file_number_, writer_size_);
  }
  uint64_t number;
  {
    absl::MutexLock lock(&mu_);
    number = next_file_number_++;
  }
  auto file = NewLogFile(PathOf(number));
  if (!file.ok()) return file.status();
  // The new name must be durable before any record in it is reported durable.
  if (absl::Status s = env_->SyncDir(options_.directory); !s.ok()) return s;
  writer_file_ = std::move(*file);
  writer_file_number_ = number;
  writer_size_ = 0;
  absl::MutexLock lock(&mu_);
  files_[number] = LogFile{0, /*sealed=*/false, {}};
  return absl::OkStatus();
}

}  // namespace opentrack::spool
