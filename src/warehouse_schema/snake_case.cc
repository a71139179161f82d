#include "warehouse_schema/snake_case.h"

namespace opentrack::warehouse_schema {
namespace {

bool IsLower(char c) { return c >= 'a' && c <= 'z'; }
bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsLowerOrDigit(char c) { return IsLower(c) || IsDigit(c); }
bool IsUpperOrDigit(char c) { return IsUpper(c) || IsDigit(c); }
bool IsAlnum(char c) { return IsLowerOrDigit(c) || IsUpper(c); }
char ToLower(char c) { return IsUpper(c) ? static_cast<char>(c - 'A' + 'a') : c; }

// Appends one word starting at s[*i]: a run of capitals/digits (lowercased),
// then a run of lowercase letters/digits. Digits never split a word.
void AppendWord(std::string* out, std::string_view s, size_t* i) {
  while (*i < s.size() && IsUpperOrDigit(s[*i])) out->push_back(ToLower(s[(*i)++]));
  while (*i < s.size() && IsLowerOrDigit(s[*i])) out->push_back(s[(*i)++]);
}

}  // namespace

void AppendSnakeCase(std::string* out, std::string_view s) {
  const size_t start = out->size();
  // Fast path: an already snake_case prefix is kept as is.
  size_t i = 0;
  bool seen_lower = false;
  bool underscore_since_lower = false;
  while (i < s.size()) {
    const char c = s[i];
    if (IsLower(c)) {
      seen_lower = true;
      underscore_since_lower = false;
    } else if (IsDigit(c)) {
      // Digits neither count as lowercase nor reset the underscore state.
    } else if (c == '_' && i != 0 && i + 1 < s.size() && IsLowerOrDigit(s[i + 1])) {
      underscore_since_lower = true;
    } else {
      break;
    }
    ++i;
  }
  out->append(s.data(), i);
  if (i == s.size()) return;
  // A leading run of capitals joins the prefix without a separator, which is
  // why "HTMLParser" becomes "htmlparser" and "5TEst" becomes "5test".
  if (IsUpper(s[i]) && (!seen_lower || underscore_since_lower)) AppendWord(out, s, &i);
  while (i < s.size()) {
    if (!IsAlnum(s[i])) {
      ++i;
      continue;
    }
    if (out->size() > start) out->push_back('_');
    AppendWord(out, s, &i);
  }
}

std::string SnakeCase(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 4);
  AppendSnakeCase(&out, s);
  return out;
}

}  // namespace opentrack::warehouse_schema
