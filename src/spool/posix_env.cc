// POSIX Env: plain file descriptors, fdatasync, rename(2), fsync of directories.
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "spool/aligned_buffer.h"
#include "spool/env.h"

namespace opentrack::spool {
namespace {

absl::Status ErrnoStatus(std::string_view op, const std::string& path, int err) {
  std::string message = absl::StrCat(std::string(op), " ", path, ": ", std::strerror(err));
  switch (err) {
    case ENOENT:
      return absl::NotFoundError(message);
    case ENOSPC:
    case EDQUOT:
      return absl::ResourceExhaustedError(message);
    case EACCES:
    case EPERM:
      return absl::PermissionDeniedError(message);
    default:
      return absl::InternalError(message);
  }
}

// The writable files' Sync and Close, buffered or direct.
absl::Status SyncData(int fd, const std::string& path) {
  if (::fdatasync(fd) != 0) return ErrnoStatus("fdatasync", path, errno);
  return absl::OkStatus();
}
absl::Status CloseOnce(int* fd, const std::string& path) {
  if (*fd < 0) return absl::OkStatus();
  const int rc = ::close(*fd);
  *fd = -1;
  if (rc != 0) return ErrnoStatus("close", path, errno);
  return absl::OkStatus();
}

class PosixWritableFile final : public WritableFile {
 public:
  PosixWritableFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  ~PosixWritableFile() override { Close().IgnoreError(); }

  absl::Status Append(std::string_view data) override {
    while (!data.empty()) {
      ssize_t n = ::write(fd_, data.data(), data.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        return ErrnoStatus("write", path_, errno);
      }
      data.remove_prefix(static_cast<size_t>(n));
    }
    return absl::OkStatus();
  }

  absl::Status AppendPieces(std::span<const std::string_view> pieces) override {
    std::vector<iovec> iov;
    iov.reserve(pieces.size());
    for (std::string_view piece : pieces) {
      if (!piece.empty()) iov.push_back(iovec{const_cast<char*>(piece.data()), piece.size()});
    }
    size_t next = 0;  // the first iovec not fully written
    while (next < iov.size()) {
      const int count = static_cast<int>(std::min<size_t>(iov.size() - next, IOV_MAX));
      ssize_t n = ::writev(fd_, iov.data() + next, count);
      if (n < 0) {
        if (errno == EINTR) continue;
        return ErrnoStatus("writev", path_, errno);
      }
      // A short write: skip what landed, resume inside a partly written piece.
      auto written = static_cast<size_t>(n);
      while (next < iov.size() && written >= iov[next].iov_len) written -= iov[next++].iov_len;
      if (written > 0) {
        iov[next].iov_base = static_cast<char*>(iov[next].iov_base) + written;
        iov[next].iov_len -= written;
      }
    }
    return absl::OkStatus();
  }

  absl::Status Sync() override { return SyncData(fd_, path_); }

  absl::Status Close() override { return CloseOnce(&fd_, path_); }

 private:
  std::string path_;
  int fd_;
};

class PosixRandomAccessFile final : public RandomAccessFile {
 public:
  PosixRandomAccessFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  ~PosixRandomAccessFile() override { ::close(fd_); }

  absl::Status Read(uint64_t offset, size_t n, std::string* out) const override {
    out->resize(n);
    size_t got = 0;
    while (got < n) {
      ssize_t r = ::pread(fd_, out->data() + got, n - got, static_cast<off_t>(offset + got));
      if (r < 0) {
        if (errno == EINTR) continue;
        return ErrnoStatus("pread", path_, errno);
      }
      if (r == 0) break;
      got += static_cast<size_t>(r);
    }
    out->resize(got);
    return absl::OkStatus();
  }

 private:
  std::string path_;
  int fd_;
};

// At least a page: also ext4's block, so no write is a partial-block write
// the file system must zero around. More if statx says the device needs it.
constexpr size_t kMinDirectIoAlignment = 4096;

size_t DirectIoAlignment(int fd) {
  size_t alignment = kMinDirectIoAlignment;
#ifdef STATX_DIOALIGN
  struct statx st;
  if (::statx(fd, "", AT_EMPTY_PATH, STATX_DIOALIGN, &st) == 0 && (st.stx_mask & STATX_DIOALIGN)) {
    alignment = std::max<size_t>({alignment, st.stx_dio_mem_align, st.stx_dio_offset_align});
  }
#endif
  return alignment;
}

bool IsAligned(uint64_t n, size_t alignment) { return (n & (alignment - 1)) == 0; }

// O_DIRECT fails with EINVAL on a file system without direct I/O.
absl::StatusOr<int> OpenDirect(const std::string& path, int flags) {
  int fd = ::open(path.c_str(), flags | O_DIRECT | O_CLOEXEC, 0644);
  if (fd >= 0) return fd;
  const int err = errno;
  if (err == EINVAL) {
    return absl::FailedPreconditionError(
        absl::StrCat("open ", path, " with O_DIRECT: ", std::strerror(err),
                     " (the file system does not support direct I/O)"));
  }
  return ErrnoStatus("open", path, err);
}

class PosixDirectWritableFile final : public DirectWritableFile {
 public:
  PosixDirectWritableFile(std::string path, int fd)
      : path_(std::move(path)), fd_(fd), alignment_(DirectIoAlignment(fd)) {}
  ~PosixDirectWritableFile() override { Close().IgnoreError(); }

  size_t alignment() const override { return alignment_; }

  absl::Status WriteAt(uint64_t offset, std::string_view data) override {
    if (absl::Status s = CheckDirectWriteAlignment(path_, offset, data, alignment_); !s.ok()) {
      return s;
    }
    while (!data.empty()) {
      ssize_t n = ::pwrite(fd_, data.data(), data.size(), static_cast<off_t>(offset));
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == EINVAL) {  // aligned as statx asked: the file system refuses direct writes
          return absl::FailedPreconditionError(
              absl::StrCat("pwrite ", path_, " with O_DIRECT: ", std::strerror(errno),
                           " (the file system does not support direct I/O)"));
        }
        return ErrnoStatus("pwrite", path_, errno);
      }
      data.remove_prefix(static_cast<size_t>(n));
      offset += static_cast<uint64_t>(n);
    }
    return absl::OkStatus();
  }

  absl::Status Sync() override { return SyncData(fd_, path_); }

  absl::Status Truncate(uint64_t size) override {
    if (::ftruncate(fd_, static_cast<off_t>(size)) != 0) {
      return ErrnoStatus("ftruncate", path_, errno);
    }
    return absl::OkStatus();
  }

  absl::Status Close() override { return CloseOnce(&fd_, path_); }

 private:
  std::string path_;
  int fd_;
  const size_t alignment_;
};

// Reads the aligned blocks around the requested bytes into a bounce buffer,
// kept for the next Read: a new one each time costs page faults.
class PosixDirectRandomAccessFile final : public RandomAccessFile {
 public:
  PosixDirectRandomAccessFile(std::string path, int fd)
      : path_(std::move(path)), fd_(fd), alignment_(DirectIoAlignment(fd)), buffer_(alignment_) {}
  ~PosixDirectRandomAccessFile() override { ::close(fd_); }

  absl::Status Read(uint64_t offset, size_t n, std::string* out) const override {
    const uint64_t begin = RoundDown(offset, alignment_);
    const size_t span = RoundUp(offset + n, alignment_) - begin;
    absl::MutexLock lock(&mu_);
    buffer_.Reserve(span);
    size_t got = 0;
    // A short read ends at end of file (not aligned); only then may got be unaligned.
    while (got < span && IsAligned(got, alignment_)) {
      ssize_t r = ::pread(fd_, buffer_.data() + got, span - got, static_cast<off_t>(begin + got));
      if (r < 0) {
        if (errno == EINTR) continue;
        return ErrnoStatus("pread", path_, errno);
      }
      if (r == 0) break;
      got += static_cast<size_t>(r);
    }
    const size_t skip = offset - begin;
    if (got <= skip) {
      out->clear();
    } else {
      out->assign(buffer_.data() + skip, std::min(n, got - skip));
    }
    return absl::OkStatus();
  }

 private:
  std::string path_;
  int fd_;
  const size_t alignment_;
  mutable absl::Mutex mu_;
  mutable AlignedBuffer buffer_ ABSL_GUARDED_BY(mu_);
};

absl::Status SyncPath(const std::string& path, int flags) {
  int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus("open", path, errno);
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return ErrnoStatus("fsync", path, err);
  return absl::OkStatus();
}

class PosixEnv final : public Env {
 public:
  absl::StatusOr<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path) override {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return ErrnoStatus("open", path, errno);
    return std::make_unique<PosixWritableFile>(path, fd);
  }

  absl::StatusOr<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(
      const std::string& path) override {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return ErrnoStatus("open", path, errno);
    return std::make_unique<PosixRandomAccessFile>(path, fd);
  }

  absl::StatusOr<std::unique_ptr<DirectWritableFile>> NewDirectWritableFile(
      const std::string& path) override {
    auto fd = OpenDirect(path, O_WRONLY | O_CREAT | O_TRUNC);
    if (!fd.ok()) return fd.status();
    return std::make_unique<PosixDirectWritableFile>(path, *fd);
  }

  absl::StatusOr<std::unique_ptr<RandomAccessFile>> NewDirectRandomAccessFile(
      const std::string& path) override {
    auto fd = OpenDirect(path, O_RDONLY);
    if (!fd.ok()) return fd.status();
    return std::make_unique<PosixDirectRandomAccessFile>(path, *fd);
  }

  absl::StatusOr<uint64_t> GetFileSize(const std::string& path) override {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) return ErrnoStatus("stat", path, errno);
    return static_cast<uint64_t>(st.st_size);
  }

  bool FileExists(const std::string& path) override { return ::access(path.c_str(), F_OK) == 0; }

  absl::Status RenameFile(const std::string& from, const std::string& to) override {
    if (::rename(from.c_str(), to.c_str()) != 0) return ErrnoStatus("rename", from, errno);
    return absl::OkStatus();
  }

  absl::Status DeleteFile(const std::string& path) override {
    if (::unlink(path.c_str()) != 0) return ErrnoStatus("unlink", path, errno);
    return absl::OkStatus();
  }

  absl::Status TruncateFile(const std::string& path, uint64_t size) override {
    if (::truncate(path.c_str(), static_cast<off_t>(size)) != 0) {
      return ErrnoStatus("truncate", path, errno);
    }
    return SyncPath(path, O_WRONLY);
  }

  absl::StatusOr<std::vector<std::string>> ListDir(const std::string& dir) override {
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) return ErrnoStatus("opendir", dir, errno);
    std::vector<std::string> names;
    while (struct dirent* e = ::readdir(d)) {
      std::string_view name = e->d_name;
      if (name != "." && name != "..") names.emplace_back(name);
    }
    ::closedir(d);
    return names;
  }

  absl::Status CreateDir(const std::string& dir) override {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return ErrnoStatus("mkdir", dir, ec.value());
    return absl::OkStatus();
  }

  absl::Status SyncDir(const std::string& dir) override { return SyncPath(dir, O_RDONLY); }
};

}  // namespace

Env* Env::Posix() {
  static Env* env = new PosixEnv;
  return env;
}

}  // namespace opentrack::spool
