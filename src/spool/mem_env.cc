#include "spool/mem_env.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace opentrack::spool {
namespace {

std::string Parent(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? std::string() : path.substr(0, slash);
}

absl::Status NotFound(std::string_view op, const std::string& path) {
  return absl::NotFoundError(absl::StrCat(std::string(op), " ", path, ": no such file"));
}

}  // namespace

class MemEnv::File final : public WritableFile {
 public:
  File(MemEnv* env, std::shared_ptr<Node> node) : env_(env), node_(std::move(node)) {}
  absl::Status Append(std::string_view data) override { return env_->Append(node_.get(), data); }
  absl::Status Sync() override { return env_->Sync(node_.get()); }
  absl::Status Close() override { return absl::OkStatus(); }

 private:
  MemEnv* env_;
  std::shared_ptr<Node> node_;
};

class MemEnv::DirectFile final : public DirectWritableFile {
 public:
  DirectFile(MemEnv* env, std::string path, std::shared_ptr<Node> node, size_t alignment)
      : env_(env), path_(std::move(path)), node_(std::move(node)), alignment_(alignment) {}
  size_t alignment() const override { return alignment_; }
  absl::Status WriteAt(uint64_t offset, std::string_view data) override {
    if (absl::Status s = CheckDirectWriteAlignment(path_, offset, data, alignment_); !s.ok()) {
      return s;
    }
    return env_->WriteAt(node_.get(), offset, data);
  }
  absl::Status Sync() override { return env_->Sync(node_.get()); }
  absl::Status Truncate(uint64_t size) override {
    absl::MutexLock lock(&env_->mu_);
    node_->data.resize(size);
    node_->dirty_from = std::min(node_->dirty_from, size);
    return absl::OkStatus();
  }
  absl::Status Close() override { return absl::OkStatus(); }

 private:
  MemEnv* env_;
  const std::string path_;
  std::shared_ptr<Node> node_;
  const size_t alignment_;
};

class MemEnv::Reader final : public RandomAccessFile {
 public:
  Reader(MemEnv* env, std::shared_ptr<Node> node) : env_(env), node_(std::move(node)) {}
  absl::Status Read(uint64_t offset, size_t n, std::string* out) const override {
    absl::MutexLock lock(&env_->mu_);
    const std::string& data = node_->data;
    if (offset >= data.size()) {
      out->clear();
    } else {
      out->assign(data, offset, std::min<uint64_t>(n, data.size() - offset));
    }
    return absl::OkStatus();
  }

 private:
  MemEnv* env_;
  std::shared_ptr<Node> node_;
};

absl::Status MemEnv::Append(Node* node, std::string_view data) {
  absl::MutexLock lock(&mu_);
  node->dirty_from = std::min<uint64_t>(node->dirty_from, node->data.size());
  if (!append_error_.ok()) {
    node->data.append(data.substr(0, std::min<uint64_t>(append_error_partial_, data.size())));
    return append_error_;
  }
  node->data.append(data);
  return absl::OkStatus();
}

absl::Status MemEnv::WriteAt(Node* node, uint64_t offset, std::string_view data) {
  absl::MutexLock lock(&mu_);
  ++direct_writes_;
  if (!append_error_.ok()) {
    data = data.substr(0, std::min<uint64_t>(append_error_partial_, data.size()));
  }
  if (node->data.size() < offset + data.size()) node->data.resize(offset + data.size());
  node->data.replace(offset, data.size(), data);
  node->dirty_from = std::min(node->dirty_from, offset);
  return append_error_;
}

void MemEnv::MarkDurable(Node* node) {
  node->durable.resize(node->data.size());
  if (node->dirty_from < node->data.size()) {
    node->durable.replace(node->dirty_from, std::string::npos, node->data, node->dirty_from);
  }
  node->dirty_from = node->data.size();
}

absl::Status MemEnv::Sync(Node* node) {
  std::function<void()> hook;
  {
    absl::MutexLock lock(&mu_);
    hook = sync_hook_;
  }
  if (hook) hook();
  absl::MutexLock lock(&mu_);
  if (!sync_error_.ok()) return sync_error_;
  MarkDurable(node);
  ++file_syncs_;
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<WritableFile>> MemEnv::NewWritableFile(const std::string& path) {
  absl::MutexLock lock(&mu_);
  auto node = std::make_shared<Node>();
  live_[path] = node;
  return std::make_unique<File>(this, std::move(node));
}

absl::StatusOr<std::unique_ptr<DirectWritableFile>> MemEnv::NewDirectWritableFile(
    const std::string& path) {
  absl::MutexLock lock(&mu_);
  if (!direct_io_supported_) {
    return absl::FailedPreconditionError(
        absl::StrCat("open ", path, " with O_DIRECT: not supported"));
  }
  auto node = std::make_shared<Node>();
  live_[path] = node;
  return std::make_unique<DirectFile>(this, path, std::move(node), direct_io_alignment_);
}

absl::StatusOr<std::unique_ptr<RandomAccessFile>> MemEnv::NewDirectRandomAccessFile(
    const std::string& path) {
  {
    absl::MutexLock lock(&mu_);
    if (!direct_io_supported_) {
      return absl::FailedPreconditionError(
          absl::StrCat("open ", path, " with O_DIRECT: not supported"));
    }
  }
  return NewRandomAccessFile(path);
}

absl::StatusOr<std::unique_ptr<RandomAccessFile>> MemEnv::NewRandomAccessFile(
    const std::string& path) {
  absl::MutexLock lock(&mu_);
  auto it = live_.find(path);
  if (it == live_.end()) return NotFound("open", path);
  return std::make_unique<Reader>(this, it->second);
}

absl::StatusOr<uint64_t> MemEnv::GetFileSize(const std::string& path) {
  absl::MutexLock lock(&mu_);
  auto it = live_.find(path);
  if (it == live_.end()) return NotFound("stat", path);
  return it->second->data.size();
}

bool MemEnv::FileExists(const std::string& path) {
  absl::MutexLock lock(&mu_);
  return live_.contains(path);
}

absl::Status MemEnv::RenameFile(const std::string& from, const std::string& to) {
  absl::MutexLock lock(&mu_);
  auto it = live_.find(from);
  if (it == live_.end()) return NotFound("rename", from);
  auto node = it->second;
  live_.erase(it);
  live_[to] = std::move(node);
  return absl::OkStatus();
}

absl::Status MemEnv::DeleteFile(const std::string& path) {
  absl::MutexLock lock(&mu_);
  if (live_.erase(path) == 0) return NotFound("unlink", path);
  return absl::OkStatus();
}

absl::Status MemEnv::TruncateFile(const std::string& path, uint64_t size) {
  absl::MutexLock lock(&mu_);
  auto it = live_.find(path);
  if (it == live_.end()) return NotFound("truncate", path);
  Node& node = *it->second;
  if (size < node.data.size()) node.data.resize(size);
  node.dirty_from = std::min<uint64_t>(node.dirty_from, node.data.size());
  MarkDurable(&node);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> MemEnv::ListDir(const std::string& dir) {
  absl::MutexLock lock(&mu_);
  std::vector<std::string> names;
  for (const auto& [path, node] : live_) {
    if (Parent(path) == dir) names.push_back(path.substr(dir.size() + 1));
  }
  return names;
}

absl::Status MemEnv::CreateDir(const std::string& dir) { return absl::OkStatus(); }

absl::Status MemEnv::SyncDir(const std::string& dir) {
  absl::MutexLock lock(&mu_);
  std::erase_if(durable_, [&](const auto& entry) { return Parent(entry.first) == dir; });
  for (const auto& [path, node] : live_) {
    if (Parent(path) == dir) durable_[path] = node;
  }
  return absl::OkStatus();
}

std::unique_ptr<MemEnv> MemEnv::CrashCopy(uint64_t torn_bytes) {
  auto copy = std::make_unique<MemEnv>();
  absl::MutexLock lock(&mu_);
  absl::MutexLock copy_lock(&copy->mu_);
  for (const auto& [path, node] : durable_) {
    // The synced bytes, with the first torn_bytes of what was written since over them.
    auto survivor = std::make_shared<Node>();
    const uint64_t torn_end = std::min<uint64_t>(node->data.size(), node->dirty_from + torn_bytes);
    survivor->data = node->data.substr(0, torn_end);
    if (node->durable.size() > torn_end) survivor->data.append(node->durable, torn_end);
    survivor->durable = survivor->data;
    survivor->dirty_from = survivor->data.size();
    copy->live_[path] = survivor;
    copy->durable_[path] = survivor;
  }
  return copy;
}

void MemEnv::PutFile(const std::string& path, std::string contents) {
  absl::MutexLock lock(&mu_);
  auto node = std::make_shared<Node>();
  node->data = std::move(contents);
  node->durable = node->data;
  node->dirty_from = node->data.size();
  live_[path] = node;
  durable_[path] = node;
}

std::string MemEnv::GetFile(const std::string& path) {
  absl::MutexLock lock(&mu_);
  auto it = live_.find(path);
  return it == live_.end() ? std::string() : it->second->data;
}

void MemEnv::SetSyncHook(std::function<void()> hook) {
  absl::MutexLock lock(&mu_);
  sync_hook_ = std::move(hook);
}

void MemEnv::SetAppendError(absl::Status status, uint64_t partial_bytes) {
  absl::MutexLock lock(&mu_);
  append_error_ = std::move(status);
  append_error_partial_ = partial_bytes;
}

void MemEnv::SetSyncError(absl::Status status) {
  absl::MutexLock lock(&mu_);
  sync_error_ = std::move(status);
}

void MemEnv::SetDirectIoAlignment(size_t alignment) {
  absl::MutexLock lock(&mu_);
  direct_io_alignment_ = alignment;
}

void MemEnv::SetDirectIoSupported(bool supported) {
  absl::MutexLock lock(&mu_);
  direct_io_supported_ = supported;
}

uint64_t MemEnv::direct_writes() {
  absl::MutexLock lock(&mu_);
  return direct_writes_;
}

uint64_t MemEnv::file_syncs() {
  absl::MutexLock lock(&mu_);
  return file_syncs_;
}

}  // namespace opentrack::spool
