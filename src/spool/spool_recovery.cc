// Spool::Open and the recovery scan (docs/spool-format.md, "Recovery").
#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "common/error_code.h"
#include "spdlog/spdlog.h"
#include "spool/aligned_buffer.h"
#include "spool/cursor.h"
#include "spool/spool.h"

namespace opentrack::spool {
namespace {

bool IsZeroFilled(std::string_view bytes) {
  return std::all_of(bytes.begin(), bytes.end(), [](char c) { return c == 0; });
}

}  // namespace

absl::StatusOr<std::unique_ptr<Spool>> Spool::Open(SpoolOptions options, Env* env) {
  if (options.directory.empty()) return absl::InvalidArgumentError("spool directory is empty");
  // Positions keep frame offsets in the top bits (position.h).
  if (options.max_file_bytes > kMaxFrameOffset / 2) {
    return absl::InvalidArgumentError(
        absl::StrCat("spool max_file_bytes ", options.max_file_bytes, " is too large"));
  }
  std::unique_ptr<Spool> spool(new Spool(std::move(options), env));
  if (spool->options_.compression == Compression::kZstd) {
    spool->block_ = std::make_unique<BlockBuilder>(spool->options_.zstd_level);
  }
  absl::Status s = spool->Recover();
  if (s.ok() && spool->options_.direct_io) s = spool->CheckDirectIo();
  if (!s.ok()) return WithContext(s, absl::StrCat("opening spool ", spool->options_.directory));
  spool->writer_ = std::thread([s = spool.get()] { s->WriterLoop(); });
  return spool;
}

Spool::Spool(SpoolOptions options, Env* env) : options_(std::move(options)), env_(env) {}

std::string Spool::PathOf(uint64_t file_number) const {
  return absl::StrCat(options_.directory, "/", LogFileName(file_number));
}

absl::Status Spool::CheckDirectIo() {
  const std::string probe = absl::StrCat(options_.directory, "/", kDirectIoProbeFileName);
  auto file = env_->NewDirectWritableFile(probe);
  if (!file.ok()) return WithContext(file.status(), "spool direct I/O");
  // Some file systems accept O_DIRECT at open and refuse the write.
  AlignedBuffer block((*file)->alignment());
  block.Reserve((*file)->alignment());
  std::memset(block.data(), 0, block.capacity());
  absl::Status s = (*file)->WriteAt(0, std::string_view(block.data(), (*file)->alignment()));
  absl::Status closed = (*file)->Close();
  if (s.ok()) s = closed;
  absl::Status deleted = env_->DeleteFile(probe);
  if (s.ok()) s = deleted;
  if (!s.ok()) return WithContext(s, "spool direct I/O");
  return absl::OkStatus();
}

absl::Status Spool::Recover() {
  const std::string& dir = options_.directory;
  if (absl::Status s = env_->CreateDir(dir); !s.ok()) return s;
  // A leftover temp cursor means its rename never happened: CURSOR is authoritative.
  const std::string tmp = absl::StrCat(dir, "/", kCursorTempFileName);
  if (env_->FileExists(tmp)) {
    if (absl::Status s = env_->DeleteFile(tmp); !s.ok()) return s;
  }
  auto cursor = ReadCursor(env_, dir);
  if (!cursor.ok()) return cursor.status();
  const Position start = cursor->value_or(Position{});

  auto names = env_->ListDir(dir);
  if (!names.ok()) return names.status();
  std::vector<uint64_t> numbers;
  for (const std::string& name : *names) {
    uint64_t n = 0;
    if (ParseLogFileName(name, &n)) numbers.push_back(n);
  }
  std::sort(numbers.begin(), numbers.end());

  absl::MutexLock lock(&mu_);
  next_file_number_ = std::max(start.file_number, numbers.empty() ? 0 : numbers.back()) + 1;
  for (uint64_t n : numbers) {
    if (n < start.file_number) {
      // Trimmed before a crash undid the deletion: fully acknowledged.
      if (absl::Status s = env_->DeleteFile(PathOf(n)); !s.ok()) return s;
      continue;
    }
    auto contents = env_->ReadFileToString(PathOf(n));
    if (!contents.ok()) return contents.status();
    // The cursor's file from the cursor (which may be inside a block), later files whole.
    uint64_t from = 0, from_index = 0;
    if (n == start.file_number) {
      from = std::min<uint64_t>(FrameOffset(start), contents->size());
      from_index = RecordIndex(start);
    }
    ScanResult scan = ScanLog(*contents, from, from_index);
    for (const ByteRange& r : scan.skipped) {
      spdlog::error(
          "spool: {} is damaged at offset {}: dropped {} bytes up to the next valid record",
          PathOf(n), r.begin, r.end - r.begin);
      dropped_bytes_ += r.end - r.begin;
    }
    if (scan.tail_bytes > 0 && n == numbers.back()) {
      if (IsZeroFilled(std::string_view(*contents).substr(scan.valid_end))) {
        // Direct I/O pads the last block with zeros (or the file system extended the file
        // before the data landed): a clean end of log.
        spdlog::info("spool: truncating {} zero bytes after offset {} of {}", scan.tail_bytes,
                     scan.valid_end, PathOf(n));
      } else {
        // An append whose fsync never completed: nobody was told it succeeded.
        spdlog::warn("spool: truncating the torn tail of {}: {} bytes after offset {}", PathOf(n),
                     scan.tail_bytes, scan.valid_end);
      }
      if (absl::Status s = env_->TruncateFile(PathOf(n), scan.valid_end); !s.ok()) return s;
    } else if (scan.tail_bytes > 0) {
      spdlog::error("spool: {} is damaged at offset {}: dropped its last {} bytes", PathOf(n),
                    scan.valid_end, scan.tail_bytes);
      dropped_bytes_ += scan.tail_bytes;
    }
    files_[n] = LogFile{scan.valid_end, /*sealed=*/true, std::move(scan.skipped)};
    unacked_records_ += scan.records;
  }
  cursor_ = start;
  read_pos_ = start;
  std::vector<uint64_t> trimmed = TrimLocked();
  for (uint64_t n : trimmed) {
    if (absl::Status s = env_->DeleteFile(PathOf(n)); !s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace opentrack::spool
