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
  if (!append_error_.ok()) {
    node->data.append(data.substr(0, std::min<uint64_t>(append_error_partial_, data.size())));
    return append_error_;
  }
  node->data.append(data);
  return absl::OkStatus();
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
  node->synced = node->data.size();
  ++file_syncs_;
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<WritableFile>> MemEnv::NewWritableFile(const std::string& path) {
  absl::MutexLock lock(&mu_);
  auto node = std::make_shared<Node>();
  live_[path] = node;
  return std::make_unique<File>(this, std::move(node));
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
  node.synced = node.data.size();
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
    auto survivor = std::make_shared<Node>();
    uint64_t keep = std::min<uint64_t>(node->data.size(), node->synced + torn_bytes);
    survivor->data = node->data.substr(0, keep);
    survivor->synced = keep;
    copy->live_[path] = survivor;
    copy->durable_[path] = survivor;
  }
  return copy;
}

void MemEnv::PutFile(const std::string& path, std::string contents) {
  absl::MutexLock lock(&mu_);
  auto node = std::make_shared<Node>();
  node->data = std::move(contents);
  node->synced = node->data.size();
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

uint64_t MemEnv::file_syncs() {
  absl::MutexLock lock(&mu_);
  return file_syncs_;
}

}  // namespace opentrack::spool
