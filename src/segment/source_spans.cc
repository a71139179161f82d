#include "segment/source_spans.h"

#include <array>
#include <cstring>

namespace opentrack::segment::internal {
namespace {

// Tables for the walk over a container's structurals, which keep the loop
// free of unpredictable branches: how a byte changes the nesting depth, and
// whether it is whitespace.
constexpr std::array<int8_t, 256> MakeDepthDeltas() {
  std::array<int8_t, 256> deltas{};
  deltas['{'] = deltas['['] = 1;
  deltas['}'] = deltas[']'] = -1;
  return deltas;
}

constexpr std::array<uint8_t, 256> MakeSpaces() {
  std::array<uint8_t, 256> spaces{};
  spaces[' '] = spaces['\n'] = spaces['\r'] = spaces['\t'] = 1;
  return spaces;
}

constexpr std::array<int8_t, 256> kDepthDeltas = MakeDepthDeltas();
constexpr std::array<uint8_t, 256> kSpaces = MakeSpaces();

int DepthDelta(char c) { return kDepthDeltas[static_cast<unsigned char>(c)]; }
// 1 for JSON whitespace, else 0: OR-able in the walk's loop.
uint8_t IsSpaceByte(char c) { return kSpaces[static_cast<unsigned char>(c)]; }
bool IsJsonSpace(char c) { return IsSpaceByte(c) != 0; }

// Copies text[from, to) to *dst. Short runs, the common case, are copied as
// one fixed 32-byte block (the caller leaves that much room; the source is
// read only inside `text`), which beats a memcpy call per run.
inline void CopyRun(std::string_view text, size_t from, size_t to, char** dst) {
  constexpr size_t kBlock = 32;
  const size_t n = to - from;
  if (n <= kBlock && from + kBlock <= text.size()) {
    std::memcpy(*dst, text.data() + from, kBlock);
  } else {
    std::memcpy(*dst, text.data() + from, n);
  }
  *dst += n;
}

// Whitespace between tokens always ends right before a structural, so the
// index marks every gap: copy what lies between them.
void AppendMinifiedByIndex(std::string* out, const ValueText& value) {
  const std::string_view text = value.text;
  const size_t before = out->size();
  out->resize(before + text.size() + 32);  // room for CopyRun's blocks
  char* dst = out->data() + before;
  const size_t base = value.structurals[0];
  size_t chunk = 0;
  for (size_t i = 1; i < value.structural_count; ++i) {
    const size_t at = value.structurals[i] - base;
    if (at <= chunk || at > text.size() || !IsJsonSpace(text[at - 1])) continue;
    size_t gap = at - 1;
    while (gap > chunk && IsJsonSpace(text[gap - 1])) --gap;
    CopyRun(text, chunk, gap, &dst);
    chunk = at;
  }
  CopyRun(text, chunk, text.size(), &dst);
  out->resize(static_cast<size_t>(dst - out->data()));
}

// Without an index: one byte at a time, minding strings and escapes.
void AppendMinifiedByScan(std::string* out, std::string_view text) {
  bool in_string = false;
  bool escaped = false;
  for (const char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (IsJsonSpace(c)) {
      continue;
    } else if (c == '"') {
      in_string = true;
    }
    out->push_back(c);
  }
}

}  // namespace

void AppendValueText(std::string* out, const ValueText& value) {
  if (!value.has_whitespace) {
    out->append(value.text);
  } else if (value.structurals != nullptr && value.structural_count != 0) {
    AppendMinifiedByIndex(out, value);
  } else {
    AppendMinifiedByScan(out, value.text);
  }
}

SourceCursor::SourceCursor(const simdjson::dom::parser& parser, std::string_view text)
    : SourceCursor(
          text, parser.implementation ? parser.implementation->structural_indexes.get() : nullptr,
          parser.implementation ? parser.implementation->n_structural_indexes : 0) {}

SourceCursor::SourceCursor(std::string_view text, const uint32_t* index, size_t count)
    : text_(text), index_(index), count_(index == nullptr ? 0 : count) {
  if (count_ == 0) failed_ = true;
}

void SourceCursor::Fail() {
  failed_ = true;
  pos_ = count_;
}

size_t SourceCursor::Offset() const {
  if (failed_ || pos_ >= count_ || index_[pos_] >= text_.size()) return text_.size();
  return index_[pos_];
}

char SourceCursor::Peek() const {
  if (failed_ || pos_ >= count_ || index_[pos_] >= text_.size()) return '\0';
  return text_[index_[pos_]];
}

size_t StructuralTokenEnd(std::string_view text, const uint32_t* index, size_t count, size_t pos) {
  const size_t begin = index[pos];
  size_t end = pos + 1 < count ? index[pos + 1] : text.size();
  if (end > text.size() || end <= begin) end = text.size();
  while (end > begin + 1 && IsJsonSpace(text[end - 1])) --end;
  return end;
}

size_t SourceCursor::TokenEnd(size_t pos) const {
  return StructuralTokenEnd(text_, index_, count_, pos);
}

ValueText SourceCursor::SkipValue() {
  const char first = Peek();
  if (first == '\0' || first == '}' || first == ']' || first == ':' || first == ',') {
    Fail();
    return {};
  }
  const size_t first_pos = pos_;
  const size_t begin = index_[pos_];
  ValueText value;
  size_t end;
  if (first == '{' || first == '[') {
    // Whitespace between tokens always ends right before a structural, so
    // checking the byte before each one finds all of it.
    ptrdiff_t depth = 1;
    uint8_t spaces = 0;
    size_t p = pos_ + 1;
    for (; p < count_; ++p) {
      const size_t at = index_[p];
      if (at <= begin || at >= text_.size()) break;  // not increasing: inconsistent
      spaces |= IsSpaceByte(text_[at - 1]);
      depth += DepthDelta(text_[at]);
      if (depth == 0) break;
    }
    if (p >= count_ || depth != 0) {
      Fail();
      return {};
    }
    value.has_whitespace = spaces != 0;
    end = index_[p] + 1;
    pos_ = p + 1;
  } else {
    end = TokenEnd(pos_);
    ++pos_;
  }
  value.text = text_.substr(begin, end - begin);
  value.structurals = index_ + first_pos;
  value.structural_count = pos_ - first_pos;
  if (Peek() == ',') ++pos_;
  return value;
}

bool SourceCursor::Enter() {
  const char c = Peek();
  if (c != '{' && c != '[') {
    Fail();
    return false;
  }
  ++pos_;
  return true;
}

bool SourceCursor::NextMember() {
  const char c = Peek();
  if (c == '}') {
    ++pos_;
    if (Peek() == ',') ++pos_;
    return false;
  }
  if (c != '"') {
    Fail();
    return false;
  }
  ++pos_;
  if (Peek() != ':') {
    Fail();
    return false;
  }
  ++pos_;
  return true;
}

bool SourceCursor::NextElement() {
  const char c = Peek();
  if (c == ']') {
    ++pos_;
    if (Peek() == ',') ++pos_;
    return false;
  }
  if (c == '\0' || c == '}' || c == ':' || c == ',') {
    Fail();
    return false;
  }
  return true;
}

bool CollectMemberTexts(SourceCursor* cursor, std::vector<ValueText>* values,
                        std::string_view* object_text) {
  const size_t begin = cursor->Offset();
  if (cursor->Peek() != '{' || !cursor->Enter()) return false;
  size_t end = begin;  // at the closing '}' once NextMember returns false
  while (end = cursor->Offset(), cursor->NextMember()) values->push_back(cursor->SkipValue());
  if (cursor->failed()) return false;
  if (object_text != nullptr) *object_text = cursor->Text().substr(begin, end + 1 - begin);
  return true;
}

}  // namespace opentrack::segment::internal
