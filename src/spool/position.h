// Where a record lives in the spool: log file number and byte offset.
#ifndef OPENTRACK_SPOOL_POSITION_H_
#define OPENTRACK_SPOOL_POSITION_H_

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

namespace opentrack::spool {

// Ordered by file number, then offset.
struct Position {
  uint64_t file_number = 0;
  uint64_t offset = 0;
  friend auto operator<=>(const Position&, const Position&) = default;
  friend bool operator==(const Position&, const Position&) = default;
};

// "000042.log" for file number 42.
std::string LogFileName(uint64_t file_number);
// Parses a LogFileName; false for any other name.
bool ParseLogFileName(std::string_view name, uint64_t* file_number);

inline constexpr char kCursorFileName[] = "CURSOR";
inline constexpr char kCursorTempFileName[] = "CURSOR.tmp";

}  // namespace opentrack::spool

#endif  // OPENTRACK_SPOOL_POSITION_H_
