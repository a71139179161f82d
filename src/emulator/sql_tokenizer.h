// Lexer for the GoogleSQL subset the emulator understands (queries, DDL).
#ifndef OPENTRACK_EMULATOR_SQL_TOKENIZER_H_
#define OPENTRACK_EMULATOR_SQL_TOKENIZER_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace opentrack::emulator {

struct Token {
  enum class Kind { kIdent, kQuoted, kString, kNumber, kSymbol };
  Kind kind;
  std::string text;   // identifier, backtick contents, unescaped string, number or symbol
  size_t offset = 0;  // byte offset in the statement

  bool Is(std::string_view keyword) const;  // case-insensitive identifier match
  bool IsSymbol(std::string_view s) const { return kind == Kind::kSymbol && text == s; }
  bool IsName() const { return kind == Kind::kIdent || kind == Kind::kQuoted; }
};

absl::StatusOr<std::vector<Token>> Tokenize(std::string_view sql);

// Index of the ')' matching the '(' at `open`, or tokens.size() when unbalanced.
size_t MatchParen(const std::vector<Token>& tokens, size_t open);

}  // namespace opentrack::emulator

#endif  // OPENTRACK_EMULATOR_SQL_TOKENIZER_H_
