#include "spool/cursor.h"

#include "absl/strings/str_cat.h"
#include "common/error_code.h"
#include "spdlog/spdlog.h"
#include "spool/crc32c.h"
#include "spool/env.h"

namespace opentrack::spool {
namespace {

// OTC2 holds a record address (position.h). OTC1, written before block frames,
// holds the byte offset of a frame, which is the address of its first record.
constexpr std::string_view kMagic = "OTC2";
constexpr std::string_view kByteOffsetMagic = "OTC1";

void PutLE(uint64_t v, int bytes, std::string* out) {
  for (int i = 0; i < bytes; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

uint64_t GetLE(std::string_view p, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v |= uint64_t{static_cast<unsigned char>(p[i])} << (8 * i);
  return v;
}

}  // namespace

std::string EncodeCursor(Position cursor) {
  std::string out(kMagic);
  PutLE(cursor.file_number, 8, &out);
  PutLE(cursor.offset, 8, &out);
  PutLE(crc32c::Mask(crc32c::Value(out)), 4, &out);
  return out;
}

std::optional<Position> DecodeCursor(std::string_view bytes) {
  if (bytes.size() != kCursorSize) return std::nullopt;
  const std::string_view magic = bytes.substr(0, 4);
  if (magic != kMagic && magic != kByteOffsetMagic) return std::nullopt;
  uint32_t stored = static_cast<uint32_t>(GetLE(bytes.substr(20), 4));
  if (crc32c::Unmask(stored) != crc32c::Value(bytes.substr(0, 20))) return std::nullopt;
  const uint64_t file_number = GetLE(bytes.substr(4), 8);
  const uint64_t offset = GetLE(bytes.substr(12), 8);
  if (magic == kMagic) return Position{file_number, offset};
  if (offset >= kMaxFrameOffset) return std::nullopt;
  return MakePosition(file_number, offset);
}

absl::Status WriteCursor(Env* env, const std::string& dir, Position cursor) {
  const std::string tmp = absl::StrCat(dir, "/", kCursorTempFileName);
  auto file = env->NewWritableFile(tmp);
  if (!file.ok()) return file.status();
  absl::Status s = (*file)->Append(EncodeCursor(cursor));
  if (s.ok()) s = (*file)->Sync();
  absl::Status closed = (*file)->Close();
  if (s.ok()) s = closed;
  if (s.ok()) s = env->RenameFile(tmp, absl::StrCat(dir, "/", kCursorFileName));
  if (s.ok()) s = env->SyncDir(dir);
  if (!s.ok()) return WithContext(s, "writing spool cursor");
  return absl::OkStatus();
}

absl::StatusOr<std::optional<Position>> ReadCursor(Env* env, const std::string& dir) {
  const std::string path = absl::StrCat(dir, "/", kCursorFileName);
  if (!env->FileExists(path)) return std::optional<Position>();
  auto bytes = env->ReadFileToString(path);
  if (!bytes.ok()) return bytes.status();
  std::optional<Position> cursor = DecodeCursor(*bytes);
  if (!cursor) {
    spdlog::error("spool: cursor file {} is damaged ({} bytes); redelivering from the oldest log",
                  path, bytes->size());
  }
  return cursor;
}

}  // namespace opentrack::spool
