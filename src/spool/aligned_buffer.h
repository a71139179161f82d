// A heap buffer whose address is a multiple of a power-of-two alignment, as
// O_DIRECT needs for the memory it writes from and reads into.
#ifndef OPENTRACK_SPOOL_ALIGNED_BUFFER_H_
#define OPENTRACK_SPOOL_ALIGNED_BUFFER_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>

namespace opentrack::spool {

inline uint64_t RoundDown(uint64_t n, size_t alignment) { return n & ~uint64_t{alignment - 1}; }
inline uint64_t RoundUp(uint64_t n, size_t alignment) {
  return RoundDown(n + alignment - 1, alignment);
}

// Not thread-safe. Capacity is always a multiple of the alignment.
class AlignedBuffer {
 public:
  explicit AlignedBuffer(size_t alignment) : alignment_(alignment) {}

  char* data() { return data_.get(); }
  size_t capacity() const { return capacity_; }

  // Makes capacity() at least `n`, keeping the first `keep` bytes.
  void Reserve(size_t n, size_t keep = 0) {
    if (n <= capacity_) return;
    const size_t grown = RoundUp(std::max(n, capacity_ * 2), alignment_);
    std::unique_ptr<char, Free> bigger(static_cast<char*>(std::aligned_alloc(alignment_, grown)));
    if (bigger == nullptr) std::abort();  // as operator new would, without exceptions
    if (keep > 0) std::memcpy(bigger.get(), data_.get(), keep);
    data_ = std::move(bigger);
    capacity_ = grown;
  }

 private:
  struct Free {
    void operator()(char* p) const { std::free(p); }
  };
  const size_t alignment_;
  std::unique_ptr<char, Free> data_;
  size_t capacity_ = 0;
};

}  // namespace opentrack::spool

#endif  // OPENTRACK_SPOOL_ALIGNED_BUFFER_H_
