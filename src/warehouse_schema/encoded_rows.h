// The insertAll-ready rows of one table, back to back in one buffer: the
// steady state appends an event's rows without a heap allocation per row
// (three strings per row were about 10% of the mapping's cycles).
#ifndef OPENTRACK_WAREHOUSE_SCHEMA_ENCODED_ROWS_H_
#define OPENTRACK_WAREHOUSE_SCHEMA_ENCODED_ROWS_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/time/time.h"

namespace opentrack::warehouse_schema {

// Rows are numbered from the oldest kept: DropFirst(n) renumbers. Views into
// it are valid until the next call that changes it. Not thread-safe.
class EncodedRows {
 public:
  size_t size() const { return records_.size() - first_; }
  bool empty() const { return size() == 0; }

  std::string_view insert_id(size_t i) const {
    const Record& r = records_[first_ + i];
    return std::string_view(bytes_.data() + r.offset, r.id_size);
  }
  // The row object as insertAll's `json` takes it.
  std::string_view json(size_t i) const {
    const Record& r = records_[first_ + i];
    return std::string_view(bytes_.data() + r.offset + r.id_size, r.json_size);
  }
  absl::Time received_at(size_t i) const {
    return absl::FromUnixMicros(records_[first_ + i].received_micros);
  }

  void Add(std::string_view insert_id, absl::Time received_at, std::string_view json);
  // Keeps the first `n` rows (n <= size()).
  void Truncate(size_t n);
  // Forgets the first `n` rows (n <= size()). Their bytes are reclaimed when
  // every row is gone, or moved out once they are most of the buffer: a
  // batch written in parts is not copied for each part.
  void DropFirst(size_t n);
  void Clear();

  // For writers that build a row in place (EventMapper::MapEncoded). The
  // buffer's size is its capacity: text beyond end() is scratch, and a
  // writer grows the buffer but never shrinks it (JsonWriter::Scratch).
  std::string* buffer() { return &bytes_; }
  size_t end() const { return end_; }
  // The buffer's size: the most the rows ever needed (kept for reuse).
  size_t capacity_bytes() const { return bytes_.size(); }
  // Keeps the row written at end(): its insert id (`id_size` bytes), then
  // its JSON up to `json_end`.
  void Commit(size_t id_size, size_t json_end, absl::Time received_at);

 private:
  struct Record {
    size_t offset;  // of the insert id; the JSON follows it
    uint32_t id_size;
    uint32_t json_size;
    int64_t received_micros;
  };
  void Compact();

  std::string bytes_;
  size_t end_ = 0;  // bytes in use; bytes_.size() is what was ever needed
  std::vector<Record> records_;
  size_t first_ = 0;  // records before it were dropped
};

}  // namespace opentrack::warehouse_schema

#endif  // OPENTRACK_WAREHOUSE_SCHEMA_ENCODED_ROWS_H_
