#include "emulator/sql_tokenizer.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "emulator/absl_compat.h"
#include "emulator/api_error.h"

namespace opentrack::emulator {

bool Token::Is(std::string_view keyword) const {
  return kind == Kind::kIdent && absl::EqualsIgnoreCase(AV(text), AV(keyword));
}

namespace {

bool IdentStart(char c) { return absl::ascii_isalpha(c) || c == '_'; }
bool IdentChar(char c) { return absl::ascii_isalnum(c) || c == '_'; }

// Reads a quoted literal starting at s[*pos] (the quote); handles backslash
// escapes and triple quotes.
bool ReadQuoted(std::string_view s, size_t* pos, std::string* out) {
  const char q = s[*pos];
  const bool triple = s.substr(*pos, 3) == std::string(3, q);
  *pos += triple ? 3 : 1;
  while (*pos < s.size()) {
    const char c = s[*pos];
    if (c == '\\' && *pos + 1 < s.size()) {
      const char e = s[*pos + 1];
      switch (e) {
        case 'n':
          out->push_back('\n');
          break;
        case 't':
          out->push_back('\t');
          break;
        case 'r':
          out->push_back('\r');
          break;
        default:
          out->push_back(e);
      }
      *pos += 2;
      continue;
    }
    if (c == q) {
      if (!triple) {
        ++*pos;
        return true;
      }
      if (s.substr(*pos, 3) == std::string(3, q)) {
        *pos += 3;
        return true;
      }
    }
    out->push_back(c);
    ++*pos;
  }
  return false;
}

}  // namespace

absl::StatusOr<std::vector<Token>> Tokenize(std::string_view s) {
  std::vector<Token> out;
  size_t i = 0;
  while (i < s.size()) {
    const char c = s[i];
    const size_t before = out.size();
    const size_t start_offset = i;
    if (absl::ascii_isspace(c)) {
      ++i;
    } else if (c == '#' || (c == '-' && s.substr(i, 2) == "--")) {
      while (i < s.size() && s[i] != '\n') ++i;
    } else if (s.substr(i, 2) == "/*") {
      const size_t end = s.find("*/", i + 2);
      if (end == std::string_view::npos) return InvalidQuery("Syntax error: Unclosed comment");
      i = end + 2;
    } else if (IdentStart(c)) {
      const size_t start = i;
      while (i < s.size() && IdentChar(s[i])) ++i;
      out.push_back({Token::Kind::kIdent, std::string(s.substr(start, i - start))});
    } else if (absl::ascii_isdigit(c) ||
               (c == '.' && i + 1 < s.size() && absl::ascii_isdigit(s[i + 1]) &&
                (out.empty() || out.back().kind == Token::Kind::kSymbol))) {
      const size_t start = i;
      while (i < s.size() &&
             (absl::ascii_isalnum(s[i]) || s[i] == '.' ||
              ((s[i] == '+' || s[i] == '-') && (s[i - 1] == 'e' || s[i - 1] == 'E')))) {
        ++i;
      }
      out.push_back({Token::Kind::kNumber, std::string(s.substr(start, i - start))});
    } else if (c == '`') {
      const size_t end = s.find('`', i + 1);
      if (end == std::string_view::npos)
        return InvalidQuery("Syntax error: Unclosed identifier literal");
      out.push_back({Token::Kind::kQuoted, std::string(s.substr(i + 1, end - i - 1))});
      i = end + 1;
    } else if (c == '\'' || c == '"') {
      std::string text;
      if (!ReadQuoted(s, &i, &text)) return InvalidQuery("Syntax error: Unclosed string literal");
      out.push_back({Token::Kind::kString, std::move(text)});
    } else {
      static constexpr std::string_view kTwo[] = {"<=", ">=", "!=", "<>", "||", "<<", ">>"};
      std::string sym(1, c);
      for (std::string_view two : kTwo) {
        if (s.substr(i, 2) == two) sym = std::string(two);
      }
      i += sym.size();
      out.push_back({Token::Kind::kSymbol, std::move(sym)});
    }
    if (out.size() > before) out.back().offset = start_offset;
  }
  return out;
}

size_t MatchParen(const std::vector<Token>& tokens, size_t open) {
  int depth = 0;
  for (size_t i = open; i < tokens.size(); ++i) {
    if (tokens[i].IsSymbol("(")) ++depth;
    if (tokens[i].IsSymbol(")") && --depth == 0) return i;
  }
  return tokens.size();
}

}  // namespace opentrack::emulator
