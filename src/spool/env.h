// The file system seen by the spool. Everything the spool does to disk goes
// through an Env so tests can run in memory and simulate crashes (MemEnv).
#ifndef OPENTRACK_SPOOL_ENV_H_
#define OPENTRACK_SPOOL_ENV_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace opentrack::spool {

// A file being written sequentially. Not thread-safe.
class WritableFile {
 public:
  virtual ~WritableFile() = default;
  virtual absl::Status Append(std::string_view data) = 0;
  // Appends the pieces in order, as one Append of their concatenation would.
  // This default joins them; files that can gather (writev, a direct I/O
  // buffer) override it and spare that copy.
  virtual absl::Status AppendPieces(std::span<const std::string_view> pieces);
  // Makes every appended byte durable (fdatasync).
  virtual absl::Status Sync() = 0;
  virtual absl::Status Close() = 0;
};

// A file written with O_DIRECT, past the page cache (docs/spool-format.md,
// "Direct I/O"). Every write is positional and aligned; DirectLogFile turns
// appends into such writes. Not thread-safe.
class DirectWritableFile {
 public:
  virtual ~DirectWritableFile() = default;
  // The offset, data.size() and data.data() of every WriteAt must be
  // multiples of this (a power of two); otherwise InvalidArgument.
  virtual size_t alignment() const = 0;
  virtual absl::Status WriteAt(uint64_t offset, std::string_view data) = 0;
  // Makes every written byte and the file size durable (fdatasync).
  virtual absl::Status Sync() = 0;
  // Sets the file size; durable after the next Sync.
  virtual absl::Status Truncate(uint64_t size) = 0;
  virtual absl::Status Close() = 0;
};

// What every DirectWritableFile::WriteAt checks first: OK, or the
// InvalidArgument its contract promises for a misaligned write to `path`.
absl::Status CheckDirectWriteAlignment(std::string_view path, uint64_t offset,
                                       std::string_view data, size_t alignment);

// Positional reads of an existing file. Thread-safe.
class RandomAccessFile {
 public:
  virtual ~RandomAccessFile() = default;
  // Replaces *out with up to `n` bytes at `offset`; fewer only at end of file.
  virtual absl::Status Read(uint64_t offset, size_t n, std::string* out) const = 0;
};

// Implementations are thread-safe. Paths are plain strings joined with '/'.
class Env {
 public:
  virtual ~Env() = default;

  // Creates or truncates `path`. The new name is durable only after SyncDir.
  virtual absl::StatusOr<std::unique_ptr<WritableFile>> NewWritableFile(
      const std::string& path) = 0;
  virtual absl::StatusOr<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(
      const std::string& path) = 0;
  // Creates or truncates `path` for writing with O_DIRECT. FailedPrecondition
  // when its file system refuses direct I/O.
  virtual absl::StatusOr<std::unique_ptr<DirectWritableFile>> NewDirectWritableFile(
      const std::string& path) = 0;
  // Reads with O_DIRECT (aligned, through a bounce buffer): never a page-cache
  // copy of a page that a DirectWritableFile rewrote since.
  virtual absl::StatusOr<std::unique_ptr<RandomAccessFile>> NewDirectRandomAccessFile(
      const std::string& path) = 0;
  virtual absl::StatusOr<uint64_t> GetFileSize(const std::string& path) = 0;
  virtual bool FileExists(const std::string& path) = 0;
  // Atomically replaces `to`; durable only after SyncDir.
  virtual absl::Status RenameFile(const std::string& from, const std::string& to) = 0;
  virtual absl::Status DeleteFile(const std::string& path) = 0;
  // Shortens `path` to `size` bytes and syncs it.
  virtual absl::Status TruncateFile(const std::string& path, uint64_t size) = 0;
  // Names (not paths) of the entries in `dir`.
  virtual absl::StatusOr<std::vector<std::string>> ListDir(const std::string& dir) = 0;
  // Creates `dir` (and parents); OK if it exists.
  virtual absl::Status CreateDir(const std::string& dir) = 0;
  // Makes creations, renames and deletions in `dir` durable.
  virtual absl::Status SyncDir(const std::string& dir) = 0;

  // Reads the whole file.
  absl::StatusOr<std::string> ReadFileToString(const std::string& path);

  // The process-wide POSIX implementation; never destroyed.
  static Env* Posix();
};

}  // namespace opentrack::spool

#endif  // OPENTRACK_SPOOL_ENV_H_
