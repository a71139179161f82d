// Finds the source text of JSON values in a body simdjson's DOM parser has
// just parsed, so that values kept unchanged can be copied instead of written
// again from the DOM. The DOM has no offsets; stage 1's structural index,
// which simdjson keeps after a parse, does.
#ifndef OPENTRACK_SEGMENT_SOURCE_SPANS_H_
#define OPENTRACK_SEGMENT_SOURCE_SPANS_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "simdjson.h"

namespace opentrack::segment::internal {

// The text of one JSON value. It has no whitespace at either end, and
// `has_whitespace` tells whether there is any between its tokens.
struct ValueText {
  std::string_view text;
  bool has_whitespace = false;
  // The value's entries of the structural index (positions in the whole
  // document), when known: they mark where whitespace can be.
  const uint32_t* structurals = nullptr;
  size_t structural_count = 0;
};

// Appends `value` without whitespace between tokens (whitespace inside
// strings is content and stays). Escapes and number spellings are the
// client's.
void AppendValueText(std::string* out, const ValueText& value);

// The end of the token starting at structural `pos` of `text`: where the next
// structural starts (or the text ends), trailing whitespace trimmed, never
// before the token's first byte + 1. `index` holds `count` offsets into
// `text`; an inconsistent next offset counts as the text's end.
size_t StructuralTokenEnd(std::string_view text, const uint32_t* index, size_t count, size_t pos);

// Walks the structurals of a successfully parsed document in order: every
// `{ } [ ] : ,` and the first byte of every string, number, true, false, null.
// Not thread-safe; valid while the parser and the text are unchanged.
// Any inconsistency (which a successful parse rules out) makes the cursor
// fail rather than read out of bounds; callers then use the DOM instead.
class SourceCursor {
 public:
  // `text` must be exactly what `parser` last parsed, with success.
  SourceCursor(const simdjson::dom::parser& parser, std::string_view text);
  // For tests: an explicit index.
  SourceCursor(std::string_view text, const uint32_t* index, size_t count);

  bool failed() const { return failed_; }

  // The byte offset of the current token; the text's size at the end.
  size_t Offset() const;
  std::string_view Text() const { return text_; }

  // The first byte of the current token, or '\0' at the end or on failure.
  char Peek() const;

  // Returns the value starting at the current token and moves past it and a
  // following ','. Fails (empty text) if no value starts here.
  ValueText SkipValue();

  // At '{' or '[': moves inside. Returns false (and fails) otherwise.
  bool Enter();

  // Inside an object: moves past the next member's key and ':' to its value
  // and returns true, or past the closing '}' and returns false.
  bool NextMember();

  // Inside an array: returns true at the next element, or moves past the
  // closing ']' and returns false.
  bool NextElement();

 private:
  void Fail();
  // End of the token starting at index_[pos] (trailing whitespace trimmed).
  size_t TokenEnd(size_t pos) const;

  std::string_view text_;
  const uint32_t* index_;
  size_t count_;
  size_t pos_ = 0;
  bool failed_ = false;
};

// At '{': appends the text of each member's value, in document order (the
// order simdjson's DOM iterates them), and moves past the object. Returns
// false if the cursor failed. `object_text`, when set, receives the object's
// text as sent, from '{' to '}'.
bool CollectMemberTexts(SourceCursor* cursor, std::vector<ValueText>* values,
                        std::string_view* object_text = nullptr);

}  // namespace opentrack::segment::internal

#endif  // OPENTRACK_SEGMENT_SOURCE_SPANS_H_
