#include "loader/ack_tracker.h"

#include <cassert>

namespace opentrack::loader {

uint64_t AckTracker::Add(spool::Position position) {
  records_.push_back({position, 0});
  return first_seq_ + records_.size() - 1;
}

void AckTracker::AddRows(uint64_t seq, uint32_t n) {
  assert(seq >= first_seq_ && seq - first_seq_ < records_.size());
  records_[seq - first_seq_].rows_left += n;
}

void AckTracker::RowsDone(uint64_t seq, uint32_t n) {
  assert(seq >= first_seq_ && seq - first_seq_ < records_.size());
  Entry& e = records_[seq - first_seq_];
  assert(e.rows_left >= n);
  e.rows_left -= n;
}

std::optional<spool::Position> AckTracker::PopDone() {
  std::optional<spool::Position> last;
  while (!records_.empty() && records_.front().rows_left == 0) {
    last = records_.front().position;
    records_.pop_front();
    ++first_seq_;
  }
  return last;
}

}  // namespace opentrack::loader
