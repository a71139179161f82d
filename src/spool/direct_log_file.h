// Appends to a log file written with O_DIRECT (docs/spool-format.md, "Direct
// I/O"). Direct writes must be aligned, so each Append rewrites the partial
// last block of the file with the new bytes after it, zero-padded to the
// alignment: the file reads exactly as if appended, up to size(), then zeros.
#ifndef OPENTRACK_SPOOL_DIRECT_LOG_FILE_H_
#define OPENTRACK_SPOOL_DIRECT_LOG_FILE_H_

#include <cstdint>
#include <memory>
#include <string_view>

#include "absl/status/status.h"
#include "spool/aligned_buffer.h"
#include "spool/env.h"

namespace opentrack::spool {

// Not thread-safe.
class DirectLogFile final : public WritableFile {
 public:
  // `file` must be new and empty.
  explicit DirectLogFile(std::unique_ptr<DirectWritableFile> file);
  ~DirectLogFile() override;

  absl::Status Append(std::string_view data) override;
  // Copies the pieces once, straight into the aligned buffer.
  absl::Status AppendPieces(std::span<const std::string_view> pieces) override;
  absl::Status Sync() override;
  // Truncates the padding away and syncs, so a closed (sealed) log file has
  // none: even after a failed Append or Sync, so the file then holds what a
  // buffered file would (whatever of the appends landed), not zeros after it.
  absl::Status Close() override;

  uint64_t size() const { return size_; }  // bytes appended

 private:
  std::unique_ptr<DirectWritableFile> file_;
  const size_t alignment_;
  uint64_t size_ = 0;
  uint64_t file_size_ = 0;  // on disk: size_ rounded up to the alignment, or more after a failure
  // Starts with the size_ % alignment_ bytes of the partial last block.
  AlignedBuffer buffer_;
};

}  // namespace opentrack::spool

#endif  // OPENTRACK_SPOOL_DIRECT_LOG_FILE_H_
