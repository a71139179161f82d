#include "spool/direct_log_file.h"

#include <algorithm>
#include <cstring>

namespace opentrack::spool {

DirectLogFile::DirectLogFile(std::unique_ptr<DirectWritableFile> file)
    : file_(std::move(file)), alignment_(file_->alignment()), buffer_(alignment_) {}

DirectLogFile::~DirectLogFile() { Close().IgnoreError(); }

absl::Status DirectLogFile::Append(std::string_view data) {
  return AppendPieces(std::span<const std::string_view>(&data, 1));
}

absl::Status DirectLogFile::AppendPieces(std::span<const std::string_view> pieces) {
  if (file_ == nullptr) return absl::FailedPreconditionError("append to a closed log file");
  size_t bytes = 0;
  for (std::string_view piece : pieces) bytes += piece.size();
  if (bytes == 0) return absl::OkStatus();
  const uint64_t start = RoundDown(size_, alignment_);
  const size_t tail = size_ - start;
  const size_t end = tail + bytes;
  const size_t padded = RoundUp(end, alignment_);
  buffer_.Reserve(padded, tail);
  size_t at = tail;
  for (std::string_view piece : pieces) {
    if (piece.empty()) continue;
    std::memcpy(buffer_.data() + at, piece.data(), piece.size());
    at += piece.size();
  }
  // Zeros after the last byte: kind 0 is never a frame, so they read as end of log.
  std::memset(buffer_.data() + end, 0, padded - end);
  if (absl::Status s = file_->WriteAt(start, std::string_view(buffer_.data(), padded)); !s.ok()) {
    file_size_ = std::max<uint64_t>(file_size_, start + padded);  // some of it may have landed
    return s;
  }
  size_ += bytes;
  file_size_ = start + padded;
  // Keep the new partial last block at the front for the next Append.
  const uint64_t next_start = RoundDown(size_, alignment_);
  std::memmove(buffer_.data(), buffer_.data() + (next_start - start), size_ - next_start);
  return absl::OkStatus();
}

absl::Status DirectLogFile::Sync() {
  if (file_ == nullptr) return absl::FailedPreconditionError("sync of a closed log file");
  return file_->Sync();
}

absl::Status DirectLogFile::Close() {
  if (file_ == nullptr) return absl::OkStatus();
  absl::Status s;
  if (file_size_ != size_) {
    s = file_->Truncate(size_);
    if (s.ok()) s = file_->Sync();
  }
  absl::Status closed = file_->Close();
  file_.reset();
  return s.ok() ? closed : s;
}

}  // namespace opentrack::spool
