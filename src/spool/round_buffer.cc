#include "spool/round_buffer.h"

namespace opentrack::spool {

void RoundBuffer::Copy(std::string_view bytes) {
  if (bytes.empty()) return;
  // Consecutive copies make one piece.
  if (!pieces_.empty() && pieces_.back().external == nullptr) {
    pieces_.back().size += bytes.size();
  } else {
    pieces_.push_back(Piece{nullptr, copied_.size(), bytes.size()});
  }
  copied_.append(bytes);
  size_ += bytes.size();
}

void RoundBuffer::Add(std::string_view bytes) {
  if (bytes.size() < kReferenceBytes) return Copy(bytes);
  pieces_.push_back(Piece{bytes.data(), 0, bytes.size()});
  size_ += bytes.size();
}

std::span<const std::string_view> RoundBuffer::Pieces() {
  views_.clear();
  for (const Piece& p : pieces_) {
    views_.emplace_back(p.external != nullptr ? p.external : copied_.data() + p.offset, p.size);
  }
  return views_;
}

void RoundBuffer::Clear(size_t max_kept_bytes) {
  if (copied_.capacity() > max_kept_bytes) {
    std::string().swap(copied_);
  } else {
    copied_.clear();
  }
  pieces_.clear();
  views_.clear();
  size_ = 0;
}

}  // namespace opentrack::spool
