// Decides how far the loader may acknowledge the spool. Records are tracked in
// read order; a record is done once every row it produced is written or
// quarantined; the ack position is the last record of the longest done
// prefix, so nothing after an undelivered record is ever acknowledged.
#ifndef OPENTRACK_LOADER_ACK_TRACKER_H_
#define OPENTRACK_LOADER_ACK_TRACKER_H_

#include <cstdint>
#include <deque>
#include <optional>

#include "spool/position.h"

namespace opentrack::loader {

// Not thread-safe: owned by the loader's consumer thread.
class AckTracker {
 public:
  // Starts tracking the next record read (positions must increase); returns
  // its sequence number, used by AddRows/RowsDone.
  uint64_t Add(spool::Position position);
  // The record produced `n` more rows to deliver.
  void AddRows(uint64_t seq, uint32_t n);
  // `n` of the record's rows are written or quarantined.
  void RowsDone(uint64_t seq, uint32_t n);

  // Drops the done prefix and returns the position of its last record, if
  // the prefix was not empty.
  std::optional<spool::Position> PopDone();

  // Records read but not yet returned by PopDone.
  size_t pending_records() const { return records_.size(); }

 private:
  struct Entry {
    spool::Position position;
    uint32_t rows_left = 0;
  };
  std::deque<Entry> records_;  // records_[i] has sequence number first_seq_ + i
  uint64_t first_seq_ = 0;
};

}  // namespace opentrack::loader

#endif  // OPENTRACK_LOADER_ACK_TRACKER_H_
