// Decides whether simdjson's DOM parser would accept a document, from the
// structural index its stage 1 produced, without building the DOM (stage 2
// costs ~0.8 us per Segment event; this walk a fraction of that). It checks
// what stage 1 leaves to stage 2: token order, depth, literals, numbers and
// string escapes.
#ifndef OPENTRACK_SEGMENT_JSON_GRAMMAR_H_
#define OPENTRACK_SEGMENT_JSON_GRAMMAR_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "simdjson.h"

namespace opentrack::segment::internal {

// A document after a successful stage 1.
struct StructuralDocument {
  const char* text;  // SIMDJSON_PADDING bytes past `size` are readable
  size_t size;
  const uint32_t* index;  // stage 1's structurals: offsets of tokens' first bytes
  size_t count;
  bool has_backslash;  // false: no string has an escape to check
  // Its parse_string, the unescaper stage 2 uses, checks escapes.
  const simdjson::internal::dom_parser_implementation* strings;
};

// Not thread-safe: keeps its buffers between documents.
class JsonGrammar {
 public:
  // True exactly when simdjson's DOM parse with `max_depth` succeeds on a
  // document whose stage 1 succeeded. simdjson counts the depth of non-empty
  // arrays and objects only, and fails once it reaches `max_depth`.
  bool Check(const StructuralDocument& doc, size_t max_depth);

  // After Check returned true: for the structural `open` that opens an array
  // or object, the structural that closes it.
  uint32_t CloseOf(size_t open) const { return closes_[open]; }

 private:
  bool CheckString(const StructuralDocument& doc, size_t i);
  bool CheckNumber(const StructuralDocument& doc, size_t i);

  std::unique_ptr<uint32_t[]> closes_;  // by structural; only openers' entries are set
  size_t closes_capacity_ = 0;
  // By depth: where each open container opened, and whether it is an array.
  std::vector<uint32_t> open_;
  std::vector<uint8_t> is_array_;
  std::string unescaped_;  // parse_string's output, discarded
  simdjson::dom::parser number_parser_;
};

}  // namespace opentrack::segment::internal

#endif  // OPENTRACK_SEGMENT_JSON_GRAMMAR_H_
