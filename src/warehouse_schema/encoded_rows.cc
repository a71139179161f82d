#include "warehouse_schema/encoded_rows.h"

#include <cstring>

namespace opentrack::warehouse_schema {

void EncodedRows::Add(std::string_view insert_id, absl::Time received_at, std::string_view json) {
  const size_t need = end_ + insert_id.size() + json.size();
  if (need > bytes_.size()) bytes_.resize(need);
  // Views of nothing may have no data (memcpy's arguments must not be null).
  char* p = bytes_.data() + end_;
  if (!insert_id.empty()) std::memcpy(p, insert_id.data(), insert_id.size());
  if (!json.empty()) std::memcpy(p + insert_id.size(), json.data(), json.size());
  Commit(insert_id.size(), need, received_at);
}

void EncodedRows::Commit(size_t id_size, size_t json_end, absl::Time received_at) {
  records_.push_back({end_, static_cast<uint32_t>(id_size),
                      static_cast<uint32_t>(json_end - end_ - id_size),
                      absl::ToUnixMicros(received_at)});
  end_ = json_end;
}

void EncodedRows::Truncate(size_t n) {
  if (n >= size()) return;
  if (n == 0) {
    Clear();
    return;
  }
  records_.resize(first_ + n);
  const Record& last = records_.back();
  end_ = last.offset + last.id_size + last.json_size;
}

void EncodedRows::DropFirst(size_t n) {
  first_ += n;
  if (first_ == records_.size()) {
    Clear();
  } else if (records_[first_].offset > end_ / 2) {
    Compact();
  }
}

void EncodedRows::Clear() {
  records_.clear();
  first_ = 0;
  end_ = 0;
}

// Moves the kept rows to the front. Called when the dropped rows hold more
// than half the bytes, so each byte is moved at most once per halving.
void EncodedRows::Compact() {
  const size_t start = records_[first_].offset;
  std::memmove(bytes_.data(), bytes_.data() + start, end_ - start);
  end_ -= start;
  records_.erase(records_.begin(), records_.begin() + static_cast<ptrdiff_t>(first_));
  first_ = 0;
  for (Record& r : records_) r.offset -= start;
}

}  // namespace opentrack::warehouse_schema
