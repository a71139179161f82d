#include "spool/env.h"

#include "absl/strings/str_cat.h"

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

absl::Status WritableFile::AppendPieces(std::span<const std::string_view> pieces) {
  if (pieces.size() == 1) return Append(pieces[0]);
  std::string joined;
  for (std::string_view piece : pieces) joined.append(piece);
  return Append(joined);
}

absl::Status CheckDirectWriteAlignment(std::string_view path, uint64_t offset,
                                       std::string_view data, size_t alignment) {
  const uint64_t address = reinterpret_cast<uintptr_t>(data.data());
  if (((offset | data.size() | address) & (alignment - 1)) == 0) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("direct write to ", absl::string_view(path.data(), path.size()), " at ", offset,
                   " of ", data.size(), " bytes is not ", alignment, "-byte aligned"));
}

}  // namespace opentrack::spool
