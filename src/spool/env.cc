#include "spool/env.h"

namespace opentrack::spool {

absl::StatusOr<std::string> Env::ReadFileToString(const std::string& path) {
  auto file = NewRandomAccessFile(path);
  if (!file.ok()) return file.status();
  std::string contents, chunk;
  constexpr size_t kChunk = 1 << 20;
  for (;;) {
    absl::Status s = (*file)->Read(contents.size(), kChunk, &chunk);
    if (!s.ok()) return s;
    contents += chunk;
    if (chunk.size() < kChunk) return contents;
  }
}

}  // namespace opentrack::spool
