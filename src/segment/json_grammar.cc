#include "segment/json_grammar.h"

#include <algorithm>
#include <array>
#include <cstring>

#include "absl/base/attributes.h"

namespace opentrack::segment::internal {
namespace {

// Bytes that may follow a number or a literal: whitespace and the operators.
constexpr std::array<bool, 256> MakeTerminators() {
  std::array<bool, 256> table{};
  for (const unsigned char c : {' ', '\t', '\n', '\r', ',', ':', '[', ']', '{', '}'}) {
    table[c] = true;
  }
  return table;
}
constexpr std::array<bool, 256> kTerminators = MakeTerminators();

ABSL_ATTRIBUTE_ALWAYS_INLINE inline bool IsTerminator(char c) {
  return kTerminators[static_cast<unsigned char>(c)];
}
ABSL_ATTRIBUTE_ALWAYS_INLINE inline bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// How many of the 8 bytes at `p` are digits before the first other byte.
// Bytes past a value are readable (padding), whatever they hold.
ABSL_ATTRIBUTE_ALWAYS_INLINE inline size_t LeadingDigits(const char* p) {
  uint64_t word;
  std::memcpy(&word, p, sizeof(word));
  const uint64_t x = word ^ 0x3030303030303030;  // digits become 0..9
  // A byte's high bit ends up set unless it was 0..9. Carries only move
  // upwards, out of bytes already marked, so the lowest mark is right.
  const uint64_t marks = ((x + 0x7676767676767676) | x) & 0x8080808080808080;
  return marks == 0 ? 8 : static_cast<size_t>(__builtin_ctzll(marks)) / 8;
}

// The common numbers, -?(0|[1-9][0-9]{0,6})(\.[0-9]{1,7})? and a terminator
// or the document's end (`doc_end`; the padding after it may hold digits),
// checked with few branches; false means "look closer", not "invalid".
ABSL_ATTRIBUTE_ALWAYS_INLINE inline bool IsShortNumber(const char* p, const char* doc_end) {
  p += *p == '-';
  const size_t int_digits = LeadingDigits(p);
  const bool dot = p[int_digits] == '.';
  const size_t frac_digits = LeadingDigits(p + int_digits + 1);
  const char* end = p + int_digits + (dot ? 1 + frac_digits : 0);
  const bool ends_well = end < doc_end ? IsTerminator(*end) : end == doc_end;
  return (int_digits - 1 < 7) & !(int_digits > 1 && *p == '0') & (!dot || frac_digits - 1 < 7) &
         ends_well;
}

// Where the token at structural `i` ends at the latest: the next structural.
size_t TokenLimit(const StructuralDocument& doc, size_t i) {
  return i + 1 < doc.count ? doc.index[i + 1] : doc.size;
}

bool CheckLiteral(const StructuralDocument& doc, size_t at, std::string_view literal) {
  if (doc.size - at < literal.size() ||
      std::memcmp(doc.text + at, literal.data(), literal.size())) {
    return false;
  }
  return at + literal.size() == doc.size || IsTerminator(doc.text[at + literal.size()]);
}

}  // namespace

bool JsonGrammar::CheckString(const StructuralDocument& doc, size_t i) {
  if (!doc.has_backslash) return true;
  const size_t begin = doc.index[i] + 1;
  if (std::memchr(doc.text + begin, '\\', TokenLimit(doc, i) - begin) == nullptr) return true;
  // parse_string writes whole SIMD blocks: room for the string and a block.
  const size_t room = TokenLimit(doc, i) - begin + 2 * simdjson::SIMDJSON_PADDING;
  if (unescaped_.size() < room) unescaped_.resize(room);
  return doc.strings->parse_string(reinterpret_cast<const uint8_t*>(doc.text + begin),
                                   reinterpret_cast<uint8_t*>(unescaped_.data())) != nullptr;
}

// simdjson's number grammar, checked here; whether the value is in range is
// obvious for short integers and decimals, and asked of simdjson (parsing the
// token alone) for the rest: long integers, exponents.
bool JsonGrammar::CheckNumber(const StructuralDocument& doc, size_t i) {
  const char* t = doc.text;
  const size_t start = doc.index[i];
  const size_t end = doc.size;
  size_t p = start;
  if (t[p] == '-') ++p;
  const size_t int_begin = p;
  while (p < end && IsDigit(t[p])) ++p;
  const size_t int_digits = p - int_begin;
  if (int_digits == 0 || (int_digits > 1 && t[int_begin] == '0')) return false;
  size_t frac_digits = 0;
  if (p < end && t[p] == '.') {
    const size_t frac_begin = ++p;
    while (p < end && IsDigit(t[p])) ++p;
    frac_digits = p - frac_begin;
    if (frac_digits == 0) return false;
  }
  bool exponent = false;
  if (p < end && (t[p] == 'e' || t[p] == 'E')) {
    exponent = true;
    ++p;
    if (p < end && (t[p] == '+' || t[p] == '-')) ++p;
    const size_t exp_begin = p;
    while (p < end && IsDigit(t[p])) ++p;
    if (p == exp_begin) return false;
  }
  if (p < end && !IsTerminator(t[p])) return false;
  // Up to 18 digits fit an int64; a decimal of 32 digits is a finite double.
  const bool in_range =
      !exponent && (frac_digits == 0 ? int_digits <= 18 : int_digits + frac_digits <= 32);
  if (in_range) return true;
  simdjson::dom::element value;
  return number_parser_.parse(t + start, p - start, /*realloc_if_needed=*/true).get(value) ==
         simdjson::SUCCESS;
}

// A pushdown automaton over the tokens. It must decide exactly as
// simdjson's stage 2 does (that is the contract), so it follows the same
// rules: the same depth count (non-empty containers only) and the same check
// that a root container's last structural closes it. Each state is a label:
// jumping between them, rather than dispatching on a state variable, lets the
// branch predictor run ahead of the walk.
bool JsonGrammar::Check(const StructuralDocument& doc, size_t max_depth) {
  const size_t n = doc.count;
  if (n == 0) return false;
  if (closes_capacity_ < n) {
    closes_ = std::make_unique_for_overwrite<uint32_t[]>(n);
    closes_capacity_ = n;
  }
  // Nesting never passes max_depth (nor the number of tokens).
  const size_t stack_size = std::min(max_depth, n) + 1;
  if (open_.size() < stack_size) {
    open_.resize(stack_size);
    is_array_.resize(stack_size);
  }
  const char* t = doc.text;
  const uint32_t* index = doc.index;
  const char first = t[index[0]];
  const char last = t[index[n - 1]];
  if ((first == '{' && last != '}') || (first == '[' && last != ']')) return false;
  uint32_t* const closes = closes_.get();
  uint32_t* const open = open_.data();
  uint8_t* const is_array = is_array_.data();
  size_t i = 0;  // the next structural
  size_t depth = 0;
  // No bounds check per token: a root container's last structural is its
  // closer (checked above), so only consuming a closer can reach the end,
  // and the two places that consume closers check for it.
  const auto peek = [&]() ABSL_ATTRIBUTE_ALWAYS_INLINE -> char { return t[index[i]]; };
  const auto advance = [&]() ABSL_ATTRIBUTE_ALWAYS_INLINE -> char { return t[index[i++]]; };
  const auto string_ok = [&]() ABSL_ATTRIBUTE_ALWAYS_INLINE {
    return !doc.has_backslash || CheckString(doc, i - 1);
  };
  // The scalar just advanced over, starting with `c`.
  const auto scalar_ok = [&](char c) ABSL_ATTRIBUTE_ALWAYS_INLINE {
    switch (c) {
      case '"':
        return string_ok();
      case 't':
        return CheckLiteral(doc, index[i - 1], "true");
      case 'f':
        return CheckLiteral(doc, index[i - 1], "false");
      case 'n':
        return CheckLiteral(doc, index[i - 1], "null");
      default:
        return (c == '-' || IsDigit(c)) &&
               (IsShortNumber(t + index[i - 1], t + doc.size) || CheckNumber(doc, i - 1));
    }
  };
  // At an opener just advanced over: an empty container is skipped here.
  // Returns false, as "not empty", at the document's end too: the caller
  // then reads the closer as a value or a key and fails.
  const auto skip_empty = [&](char closer) ABSL_ATTRIBUTE_ALWAYS_INLINE {
    if (peek() != closer || (i + 1 == n && depth > 0)) return false;
    closes[i - 1] = static_cast<uint32_t>(i);
    ++i;
    return true;
  };

  {
    const char c = advance();
    if (c == '{') {
      if (skip_empty('}')) goto end_of_document;
      goto enter_object;
    }
    if (c == '[') {
      if (skip_empty(']')) goto end_of_document;
      goto enter_array;
    }
    if (!scalar_ok(c)) return false;
    goto end_of_document;
  }

enter_object:
  if (++depth >= max_depth) return false;
  open[depth] = static_cast<uint32_t>(i - 1);
  is_array[depth] = 0;
  if (advance() != '"' || !string_ok()) return false;

member_value:
  if (advance() != ':') return false;
  {
    const char c = advance();
    if (c == '{') {
      if (!skip_empty('}')) goto enter_object;
    } else if (c == '[') {
      if (!skip_empty(']')) goto enter_array;
    } else if (!scalar_ok(c)) {
      return false;
    }
  }

after_member:
  switch (advance()) {
    case ',':
      if (advance() != '"' || !string_ok()) return false;
      goto member_value;
    case '}':
      closes[open[depth]] = static_cast<uint32_t>(i - 1);
      goto leave_container;
    default:
      return false;
  }

leave_container:
  if (--depth == 0) goto end_of_document;
  if (i == n) return false;  // the last closer, and containers are still open
  if (is_array[depth]) goto after_element;
  goto after_member;

enter_array:
  if (++depth >= max_depth) return false;
  open[depth] = static_cast<uint32_t>(i - 1);
  is_array[depth] = 1;

element_value : {
  const char c = advance();
  if (c == '{') {
    if (!skip_empty('}')) goto enter_object;
  } else if (c == '[') {
    if (!skip_empty(']')) goto enter_array;
  } else if (!scalar_ok(c)) {
    return false;
  }
}

after_element:
  switch (advance()) {
    case ',':
      goto element_value;
    case ']':
      closes[open[depth]] = static_cast<uint32_t>(i - 1);
      goto leave_container;
    default:
      return false;
  }

end_of_document:
  return i == n;
}

}  // namespace opentrack::segment::internal
