// In-memory Env for tests and the fuzzer. It tracks what is durable the way
// a POSIX file system does: file bytes after their last Sync, and directory
// entries (creations, renames, deletions) after their directory's SyncDir.
// CrashCopy() returns the state a machine would find after losing power.
#ifndef OPENTRACK_SPOOL_MEM_ENV_H_
#define OPENTRACK_SPOOL_MEM_ENV_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "spool/env.h"

namespace opentrack::spool {

class MemEnv final : public Env {
 public:
  MemEnv() = default;

  absl::StatusOr<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path) override;
  absl::StatusOr<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(
      const std::string& path) override;
  absl::StatusOr<std::unique_ptr<DirectWritableFile>> NewDirectWritableFile(
      const std::string& path) override;
  absl::StatusOr<std::unique_ptr<RandomAccessFile>> NewDirectRandomAccessFile(
      const std::string& path) override;
  absl::StatusOr<uint64_t> GetFileSize(const std::string& path) override;
  bool FileExists(const std::string& path) override;
  absl::Status RenameFile(const std::string& from, const std::string& to) override;
  absl::Status DeleteFile(const std::string& path) override;
  absl::Status TruncateFile(const std::string& path, uint64_t size) override;
  absl::StatusOr<std::vector<std::string>> ListDir(const std::string& dir) override;
  absl::Status CreateDir(const std::string& dir) override;
  absl::Status SyncDir(const std::string& dir) override;

  // A new env holding what survives a power loss now: the directory as of
  // its last SyncDir, each file's synced bytes plus up to `torn_bytes` of
  // the bytes written after its last Sync, from the lowest offset written
  // (a torn write; direct writes may rewrite synced bytes). This env is
  // unchanged, so whatever still uses it cannot touch the copy.
  std::unique_ptr<MemEnv> CrashCopy(uint64_t torn_bytes = 0);

  // Test helpers. PutFile writes a file that is already durable.
  void PutFile(const std::string& path, std::string contents);
  std::string GetFile(const std::string& path);
  // Called at the start of every WritableFile::Sync, before anything is synced.
  void SetSyncHook(std::function<void()> hook);
  // While not OK, WritableFile::Append (after writing `partial_bytes` of the
  // data) or Sync return this error.
  void SetAppendError(absl::Status status, uint64_t partial_bytes = 0);
  void SetSyncError(absl::Status status);
  uint64_t file_syncs();
  // Direct files: the alignment WriteAt demands (it fails misaligned writes
  // with InvalidArgument, as the kernel does), and whether the "file system"
  // accepts O_DIRECT at all (FailedPrecondition when not).
  void SetDirectIoAlignment(size_t alignment);
  void SetDirectIoSupported(bool supported);
  uint64_t direct_writes();

 private:
  struct Node {
    std::string data;         // what a reader sees
    std::string durable;      // what survives a crash: data as of the last Sync
    uint64_t dirty_from = 0;  // data and durable are equal before this offset
  };
  class File;
  class DirectFile;
  class Reader;

  absl::Status Append(Node* node, std::string_view data);
  absl::Status WriteAt(Node* node, uint64_t offset, std::string_view data);
  absl::Status Sync(Node* node);
  static void MarkDurable(Node* node);

  absl::Mutex mu_;
  std::map<std::string, std::shared_ptr<Node>> live_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::shared_ptr<Node>> durable_ ABSL_GUARDED_BY(mu_);
  std::function<void()> sync_hook_ ABSL_GUARDED_BY(mu_);
  absl::Status append_error_ ABSL_GUARDED_BY(mu_);
  uint64_t append_error_partial_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Status sync_error_ ABSL_GUARDED_BY(mu_);
  uint64_t file_syncs_ ABSL_GUARDED_BY(mu_) = 0;
  size_t direct_io_alignment_ ABSL_GUARDED_BY(mu_) = 4096;
  bool direct_io_supported_ ABSL_GUARDED_BY(mu_) = true;
  uint64_t direct_writes_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace opentrack::spool

#endif  // OPENTRACK_SPOOL_MEM_ENV_H_
