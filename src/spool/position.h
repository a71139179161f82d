// Where a record lives in the spool: log file number and record address.
#ifndef OPENTRACK_SPOOL_POSITION_H_
#define OPENTRACK_SPOOL_POSITION_H_

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

namespace opentrack::spool {

// Bits of Position::offset that hold a record's index inside its frame.
inline constexpr int kIndexBits = 16;
// A block frame holds at most this many records.
inline constexpr uint64_t kMaxRecordsPerFrame = uint64_t{1} << kIndexBits;
// Frame offsets must stay below this so `offset` does not overflow.
inline constexpr uint64_t kMaxFrameOffset = uint64_t{1} << (64 - kIndexBits);

// Ordered by file number, then offset. `offset` is a record address, not a byte offset:
// (byte offset of the frame holding the record << kIndexBits) | index of the record in
// that frame (0 for a single-record frame). Every record gets a distinct, increasing
// address, and the address just after a frame's last record is the next frame's.
struct Position {
  uint64_t file_number = 0;
  uint64_t offset = 0;
  friend auto operator<=>(const Position&, const Position&) = default;
  friend bool operator==(const Position&, const Position&) = default;
};

inline Position MakePosition(uint64_t file_number, uint64_t frame_offset, uint64_t index = 0) {
  return Position{file_number, (frame_offset << kIndexBits) | index};
}
inline uint64_t FrameOffset(Position p) { return p.offset >> kIndexBits; }
inline uint64_t RecordIndex(Position p) { return p.offset & (kMaxRecordsPerFrame - 1); }

// "000042.log" for file number 42.
std::string LogFileName(uint64_t file_number);
// Parses a LogFileName; false for any other name.
bool ParseLogFileName(std::string_view name, uint64_t* file_number);

inline constexpr char kCursorFileName[] = "CURSOR";
inline constexpr char kCursorTempFileName[] = "CURSOR.tmp";
// Written and deleted by Open with direct_io, to check the file system takes O_DIRECT.
inline constexpr char kDirectIoProbeFileName[] = "DIRECT_IO.probe";

}  // namespace opentrack::spool

#endif  // OPENTRACK_SPOOL_POSITION_H_
