// The ack cursor file: where the next unacknowledged record starts. Replaced
// atomically (temp file, fsync, rename, fsync directory).
#ifndef OPENTRACK_SPOOL_CURSOR_H_
#define OPENTRACK_SPOOL_CURSOR_H_

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "spool/env.h"
#include "spool/position.h"

namespace opentrack::spool {

inline constexpr size_t kCursorSize = 24;

// Always the current ("OTC2") layout.
std::string EncodeCursor(Position cursor);
// nullopt when `bytes` is not a valid cursor (size, magic or CRC). Also reads
// the "OTC1" cursors of earlier versions.
std::optional<Position> DecodeCursor(std::string_view bytes);

// Durably replaces `dir`/CURSOR with `cursor`.
absl::Status WriteCursor(Env* env, const std::string& dir, Position cursor);

// The cursor in `dir`: nullopt when there is none; a damaged cursor is logged
// and also reported as nullopt (everything is redelivered).
absl::StatusOr<std::optional<Position>> ReadCursor(Env* env, const std::string& dir);

}  // namespace opentrack::spool

#endif  // OPENTRACK_SPOOL_CURSOR_H_
