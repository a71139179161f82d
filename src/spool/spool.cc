// Reading, acknowledging and closing (docs/spool-format.md, "Reading", "The
// ack cursor", "Trimming").
#include "spool/spool.h"

#include <algorithm>
#include <iterator>

#include "absl/strings/str_cat.h"
#include "common/error_code.h"
#include "spdlog/spdlog.h"
#include "spool/cursor.h"

namespace opentrack::spool {
namespace {

constexpr uint64_t kReadChunk = 256 << 10;

}  // namespace

Spool::~Spool() { Close(); }

void Spool::Close() {
  {
    absl::MutexLock lock(&mu_);
    if (closing_) {
      // Another Close is draining or has drained; wait for it to finish.
      while (!closed_) readable_cv_.Wait(&mu_);
      return;
    }
    closing_ = true;
    work_cv_.Signal();
  }
  if (writer_.joinable()) writer_.join();
  if (writer_file_ != nullptr) {
    absl::Status s = options_.sync ? absl::OkStatus() : writer_file_->Sync();
    if (s.ok()) s = writer_file_->Close();
    if (!s.ok()) spdlog::error("spool: closing {}: {}", PathOf(writer_file_number_), s.ToString());
    writer_file_.reset();
  }
  absl::MutexLock lock(&mu_);
  closed_ = true;
  readable_cv_.SignalAll();
}

bool Spool::NextReadableLocked(Position* pos) const {
  for (;;) {
    auto it = files_.lower_bound(pos->file_number);
    if (it == files_.end()) return false;
    if (it->first != pos->file_number) *pos = Position{it->first, 0};
    const LogFile& file = it->second;
    for (const ByteRange& r : file.skipped) {
      const uint64_t at = FrameOffset(*pos);
      if (at >= r.begin && at < r.end) *pos = MakePosition(it->first, r.end);
    }
    if (FrameOffset(*pos) < file.size) return true;
    if (!file.sealed) return false;
    *pos = Position{it->first + 1, 0};
  }
}

uint64_t Spool::UnackedBytesLocked() const {
  uint64_t bytes = 0;
  for (auto it = files_.lower_bound(cursor_.file_number); it != files_.end(); ++it) {
    // A partly acknowledged block counts whole: it is on disk until its file goes.
    uint64_t from = it->first == cursor_.file_number ? FrameOffset(cursor_) : 0;
    if (it->second.size > from) bytes += it->second.size - from;
  }
  return bytes;
}

std::vector<uint64_t> Spool::TrimLocked() {
  std::vector<uint64_t> doomed;
  for (auto it = files_.begin(); it != files_.end();) {
    const bool acked =
        it->first < cursor_.file_number || (it->first == cursor_.file_number && it->second.sealed &&
                                            FrameOffset(cursor_) >= it->second.size);
    if (!acked) break;
    doomed.push_back(it->first);
    it = files_.erase(it);
  }
  return doomed;
}

absl::Status Spool::FillBuffer(uint64_t file, uint64_t offset, uint64_t n, uint64_t limit) {
  if (reader_file_ == nullptr || buffer_file_ != file) {
    reader_file_.reset();
    buffer_.clear();
    // Direct reads too: a buffered read could cache a tail page that the writer
    // then rewrites past the page cache (docs/spool-format.md, "Direct I/O").
    auto opened = options_.direct_io ? env_->NewDirectRandomAccessFile(PathOf(file))
                                     : env_->NewRandomAccessFile(PathOf(file));
    if (!opened.ok()) return opened.status();
    reader_file_ = std::move(*opened);
    buffer_file_ = file;
  }
  // frame_records_ may point into buffer_.
  frame_loaded_ = false;
  buffer_offset_ = offset;
  n = std::min(std::max(n, kReadChunk), limit - offset);
  return reader_file_->Read(offset, n, &buffer_);
}

bool Spool::BufferCovers(uint64_t file, uint64_t offset, uint64_t n) const {
  return reader_file_ != nullptr && buffer_file_ == file && offset >= buffer_offset_ &&
         offset + n <= buffer_offset_ + buffer_.size();
}

absl::Status Spool::ReadFrameAt(uint64_t file, uint64_t offset, uint64_t limit, Frame* frame) {
  auto damaged = [&](std::string_view what) {
    return absl::DataLossError(
        absl::StrCat("spool ", PathOf(file), " offset ", offset, ": ", std::string(what)));
  };
  if (!BufferCovers(file, offset, kHeaderSize)) {
    if (absl::Status s = FillBuffer(file, offset, kHeaderSize, limit); !s.ok()) return s;
    if (!BufferCovers(file, offset, kHeaderSize)) return damaged("truncated header");
  }
  std::string_view view(buffer_);
  view.remove_prefix(offset - buffer_offset_);
  const uint64_t needed = kHeaderSize + uint64_t{HeaderLength(view)};
  if (offset + needed > limit) return damaged("frame runs past the readable end");
  if (!BufferCovers(file, offset, needed)) {
    if (absl::Status s = FillBuffer(file, offset, needed, limit); !s.ok()) return s;
    if (!BufferCovers(file, offset, needed)) return damaged("truncated frame");
    view = std::string_view(buffer_);
  }
  if (ParseFrame(view, frame) != ParseStatus::kFrame) return damaged("bad frame");
  return absl::OkStatus();
}

absl::Status Spool::LoadFrame(uint64_t file, uint64_t offset, uint64_t limit) {
  const Position first = MakePosition(file, offset);
  if (frame_loaded_ && frame_ == first) return absl::OkStatus();
  frame_loaded_ = false;
  Frame frame;
  if (absl::Status s = ReadFrameAt(file, offset, limit, &frame); !s.ok()) return s;
  if (absl::Status s = DecodeFrame(frame, &block_decoder_, &frame_records_); !s.ok()) {
    return absl::DataLossError(
        absl::StrCat("spool ", PathOf(file), " offset ", offset, ": ", s.message()));
  }
  frame_loaded_ = true;
  frame_ = first;
  frame_end_ = offset + frame.size;
  return absl::OkStatus();
}

absl::StatusOr<std::vector<Record>> Spool::Read(size_t max_records, size_t max_bytes,
                                                absl::Duration wait) {
  absl::MutexLock read_lock(&read_mu_);
  std::vector<Record> out;
  Position pos;
  {
    absl::MutexLock lock(&mu_);
    const absl::Time deadline = absl::Now() + wait;
    while (!NextReadableLocked(&read_pos_)) {
      if (closed_) return absl::FailedPreconditionError("spool is closed");
      if (readable_cv_.WaitWithDeadline(&mu_, deadline)) {
        if (!NextReadableLocked(&read_pos_)) return out;
        break;
      }
    }
    pos = read_pos_;
  }
  size_t bytes = 0;
  std::vector<std::pair<Position, uint64_t>> ends;
  while (out.size() < max_records) {
    uint64_t limit;
    {
      absl::MutexLock lock(&mu_);
      if (!NextReadableLocked(&pos)) break;
      limit = files_.at(pos.file_number).size;
    }
    if (absl::Status s = LoadFrame(pos.file_number, FrameOffset(pos), limit); !s.ok()) {
      if (!out.empty()) break;  // return what we have; the error repeats on the next Read
      return s;
    }
    const uint64_t index = RecordIndex(pos);
    if (index >= frame_records_.size()) {
      pos = MakePosition(pos.file_number, frame_end_);  // a damaged cursor past the block's end
      continue;
    }
    const Position next = index + 1 < frame_records_.size()
                              ? MakePosition(pos.file_number, FrameOffset(pos), index + 1)
                              : MakePosition(pos.file_number, frame_end_);
    const std::string_view payload = frame_records_[index];
    if (!out.empty() && bytes + payload.size() > max_bytes) break;
    bytes += payload.size();
    Record& record = out.emplace_back();
    record.position = pos;
    record.data.reserve(payload.size() + kRecordReadSlack);
    record.data.assign(payload);
    ends.emplace_back(pos, next.offset);
    pos = next;
  }
  absl::MutexLock lock(&mu_);
  read_pos_ = pos;
  for (auto& [p, end] : ends) delivered_.emplace(p, end);
  return out;
}

absl::Status Spool::Ack(Position upto) {
  absl::MutexLock ack_lock(&ack_mu_);
  Position cursor;
  {
    absl::MutexLock lock(&mu_);
    auto it = delivered_.upper_bound(upto);
    if (it == delivered_.begin()) return absl::OkStatus();
    auto last = std::prev(it);
    cursor = Position{last->first.file_number, last->second};
    if (cursor <= cursor_) return absl::OkStatus();
  }
  if (absl::Status s = WriteCursor(env_, options_.directory, cursor); !s.ok()) return s;
  std::vector<uint64_t> doomed;
  {
    absl::MutexLock lock(&mu_);
    auto end = delivered_.upper_bound(upto);
    unacked_records_ -= static_cast<uint64_t>(std::distance(delivered_.begin(), end));
    delivered_.erase(delivered_.begin(), end);
    cursor_ = cursor;
    if (read_pos_ < cursor_) read_pos_ = cursor_;
    doomed = TrimLocked();
  }
  // Only after the cursor is durable; a deletion lost to a crash is redone on Open.
  for (uint64_t n : doomed) {
    absl::Status s = env_->DeleteFile(PathOf(n));
    if (!s.ok()) spdlog::warn("spool: trimming {}: {}", PathOf(n), s.ToString());
  }
  return absl::OkStatus();
}

void Spool::Rewind() {
  absl::MutexLock lock(&mu_);
  read_pos_ = cursor_;
}

SpoolStats Spool::Stats() {
  absl::MutexLock lock(&mu_);
  SpoolStats stats;
  for (const auto& [n, file] : files_) stats.bytes_on_disk += file.size;
  stats.unacked_bytes = UnackedBytesLocked();
  stats.unacked_records = unacked_records_;
  stats.files = files_.size();
  stats.ack = cursor_;
  stats.write = Position{next_file_number_, 0};
  if (!files_.empty() && !files_.rbegin()->second.sealed) {
    stats.write = MakePosition(files_.rbegin()->first, files_.rbegin()->second.size);
  }
  stats.fsyncs = fsyncs_;
  stats.appends = appends_;
  stats.dropped_bytes = dropped_bytes_;
  return stats;
}

}  // namespace opentrack::spool
