// The bytes of one group-commit round, in order, without copying large
// records: small pieces (frame headers, blocks, small records) are copied in,
// a large record's payload is referenced where the appender left it. The
// file then gathers the pieces (writev, or one copy into a direct I/O
// buffer), where joining them first cost a copy of every byte.
#ifndef OPENTRACK_SPOOL_ROUND_BUFFER_H_
#define OPENTRACK_SPOOL_ROUND_BUFFER_H_

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace opentrack::spool {

// Not thread-safe.
class RoundBuffer {
 public:
  // Pieces at least this long are referenced rather than copied.
  static constexpr size_t kReferenceBytes = 4096;

  // Copies `bytes` in.
  void Copy(std::string_view bytes);
  // Adds `bytes` by reference when long, else copies them. Referenced memory
  // must stay unchanged until Clear().
  void Add(std::string_view bytes);

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  // The pieces in order; valid until the next Copy, Add or Clear.
  std::span<const std::string_view> Pieces();

  // Forgets every piece; copied bytes keep their capacity unless it grew
  // past `max_kept_bytes`.
  void Clear(size_t max_kept_bytes = size_t{16} << 20);

 private:
  struct Piece {
    const char* external;  // null: `copied_` from `offset`
    size_t offset;
    size_t size;
  };
  std::string copied_;
  std::vector<Piece> pieces_;
  std::vector<std::string_view> views_;
  size_t size_ = 0;
};

}  // namespace opentrack::spool

#endif  // OPENTRACK_SPOOL_ROUND_BUFFER_H_
