#include "emulator/sql_translator.h"

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "emulator/absl_compat.h"
#include "emulator/api_error.h"

namespace opentrack::emulator {
namespace {

std::string Lower(std::string_view s) { return absl::AsciiStrToLower(AV(s)); }
std::string Upper(std::string_view s) { return absl::AsciiStrToUpper(AV(s)); }

std::string SqlString(std::string_view s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out.push_back('\'');
    out.push_back(c);
  }
  out.push_back('\'');
  return out;
}

// Keywords that end a FROM item, so an identifier after a table is not an alias.
bool EndsFromItem(const Token& t) {
  static const absl::flat_hash_set<std::string> kWords = {
      "where", "join",   "left",      "right", "inner",       "outer",  "cross",  "full",
      "on",    "group",  "order",     "limit", "union",       "having", "window", "qualify",
      "using", "except", "intersect", "for",   "tablesample", "offset"};
  return t.kind == Token::Kind::kIdent && kWords.contains(Lower(t.text));
}

int64_t UnitMicros(std::string_view unit) {
  const std::string u = Upper(unit);
  if (u == "MICROSECOND") return 1;
  if (u == "MILLISECOND") return 1000;
  if (u == "SECOND") return 1000000;
  if (u == "MINUTE") return 60000000;
  if (u == "HOUR") return 3600000000LL;
  if (u == "DAY") return 86400000000LL;
  if (u == "WEEK") return 7 * 86400000000LL;
  return 0;
}

const absl::flat_hash_set<std::string>& TimestampFunctions() {
  static const auto* kSet = new absl::flat_hash_set<std::string>{
      "CURRENT_TIMESTAMP", "TIMESTAMP_TRUNC",   "TIMESTAMP_MICROS",
      "TIMESTAMP_MILLIS",  "TIMESTAMP_SECONDS", "TIMESTAMP_SUB",
      "TIMESTAMP_ADD",     "TIMESTAMP",         "PARSE_TIMESTAMP"};
  return *kSet;
}

class Translator {
 public:
  Translator(const std::vector<Token>& t, const SourceResolver& resolver, SqliteDb* db,
             TranslatedQuery* out)
      : t_(t), resolver_(resolver), db_(db), out_(out) {}

  absl::StatusOr<std::string> Translate(size_t b, size_t e, bool top_level) {
    std::string out;
    const size_t cte_mark = ctes_.size();
    bool hinted = !top_level;
    size_t i = b;
    while (i < e) {
      const Token& tok = t_[i];
      if (tok.IsSymbol("(")) {
        const size_t j = MatchParen(t_, i);
        if (j >= e) return InvalidQuery("Syntax error: Unbalanced parentheses");
        auto inner = Translate(i + 1, j, false);
        if (!inner.ok()) return inner.status();
        Append(&out, "(" + *inner + ")");
        i = j + 1;
        continue;
      }
      if (tok.Is("WITH")) {
        auto with = TranslateWith(&i, e);
        if (!with.ok()) return with.status();
        Append(&out, *with);
        continue;
      }
      if (tok.Is("SELECT") && !hinted) {
        hinted = true;
        InferItemTypes(i + 1, e);
      }
      if ((tok.Is("FROM") || tok.Is("JOIN")) && i + 1 < e && t_[i + 1].IsName()) {
        Append(&out, tok.text);
        auto source = TranslateSource(&i, e);
        if (!source.ok()) return source.status();
        Append(&out, *source);
        continue;
      }
      if (tok.IsSymbol("*") && i + 2 < e && t_[i + 1].Is("EXCEPT") && t_[i + 2].IsSymbol("(")) {
        auto expanded = ExpandExcept(&i, e, &out);
        if (!expanded.ok()) return expanded;
        continue;
      }
      if (tok.kind == Token::Kind::kIdent && i + 1 < e && t_[i + 1].IsSymbol("(")) {
        auto call = TranslateCall(&i, e);
        if (!call.ok()) return call.status();
        Append(&out, *call);
        continue;
      }
      auto simple = TranslateToken(&i, e);
      if (!simple.ok()) return simple.status();
      Append(&out, *simple);
    }
    ctes_.resize(cte_mark);
    return out;
  }

 private:
  static void Append(std::string* out, std::string_view piece) {
    if (piece.empty()) return;
    if (!out->empty() && out->back() != '(' && piece != ")" && piece != "," && piece != "." &&
        out->back() != '.') {
      out->push_back(' ');
    }
    out->append(piece);
  }

  absl::StatusOr<std::string> TranslateToken(size_t* i, size_t e) {
    const Token& tok = t_[*i];
    ++*i;
    switch (tok.kind) {
      case Token::Kind::kString:
        return SqlString(tok.text);
      case Token::Kind::kNumber:
        return tok.text;
      case Token::Kind::kQuoted: {
        std::vector<std::string> parts = absl::StrSplit(AV(tok.text), '.');
        for (auto& p : parts) p = QuoteIdent(p);
        return absl::StrJoin(parts, ".");
      }
      case Token::Kind::kSymbol:
        if (tok.text == "/") return std::string("* 1.0 /");
        if (tok.text == ";") return std::string();
        if (tok.text == "[") {
          return InvalidQuery(
              "Array subscripts are supported only on ARRAY_AGG(x ORDER BY k LIMIT 1)");
        }
        return tok.text;
      case Token::Kind::kIdent:
        break;
    }
    const std::string upper = Upper(tok.text);
    if (upper == "_PARTITIONTIME") out_->mentions_partition_time = true;
    if (upper == "_PARTITIONDATE") {
      out_->mentions_partition_time = true;
      return std::string("ot_date(\"_PARTITIONTIME\")");
    }
    if (upper == "TRUE") return std::string("1");
    if (upper == "FALSE") return std::string("0");
    if (upper == "CURRENT_TIMESTAMP") return std::string("ot_now()");
    if (upper == "CURRENT_DATE") return std::string("ot_date(ot_now())");
    if ((upper == "UNION" || upper == "INTERSECT" || upper == "EXCEPT") && *i < e &&
        t_[*i].Is("DISTINCT")) {
      ++*i;
      return upper;
    }
    if ((upper == "TIMESTAMP" || upper == "DATE") && *i < e &&
        t_[*i].kind == Token::Kind::kString) {
      const Token& lit = t_[(*i)++];
      return upper == "DATE" ? SqlString(lit.text) : "ot_timestamp(" + SqlString(lit.text) + ")";
    }
    if (upper == "QUALIFY" || upper == "UNNEST" || upper == "STRUCT" || upper == "ARRAY" ||
        upper == "INTERVAL") {
      return InvalidQuery(absl::StrCat(upper, " is not supported by the emulator"));
    }
    return tok.text;
  }

  // WITH name AS (...), ... : each body is translated in order and stays in
  // scope (for probes) until the enclosing group ends.
  absl::StatusOr<std::string> TranslateWith(size_t* i, size_t e) {
    std::string out = "WITH";
    ++*i;
    if (*i < e && t_[*i].Is("RECURSIVE")) {
      out += " RECURSIVE";
      ++*i;
    }
    while (true) {
      if (*i + 2 >= e || !t_[*i].IsName() || !t_[*i + 1].Is("AS") || !t_[*i + 2].IsSymbol("(")) {
        return InvalidQuery("Syntax error: Expected a WITH clause entry");
      }
      const std::string name = t_[*i].text;
      const size_t close = MatchParen(t_, *i + 2);
      if (close >= e) return InvalidQuery("Syntax error: Unbalanced parentheses");
      auto body = Translate(*i + 3, close, false);
      if (!body.ok()) return body.status();
      const std::string def = QuoteIdent(name) + " AS (" + *body + ")";
      ctes_.push_back(def);
      cte_names_.insert(Lower(name));
      out += " " + def;
      *i = close + 1;
      if (*i < e && t_[*i].IsSymbol(",")) {
        out += ",";
        ++*i;
        continue;
      }
      return out;
    }
  }

  absl::StatusOr<std::string> TranslateSource(size_t* i, size_t e) {
    ++*i;  // FROM / JOIN
    std::vector<std::string> parts;
    while (*i < e && t_[*i].IsName()) {
      for (auto& p : absl::StrSplit(AV(t_[*i].text), '.')) parts.emplace_back(p);
      ++*i;
      if (*i + 1 < e && t_[*i].IsSymbol(".") && t_[*i + 1].IsName()) {
        ++*i;
        continue;
      }
      break;
    }
    std::string out;
    if (parts.size() == 1 && cte_names_.contains(Lower(parts[0]))) {
      out = QuoteIdent(parts[0]);
    } else {
      auto source = resolver_(parts);
      if (!source.ok()) return source.status();
      for (const Field& f : source->schema) {
        out_->column_types.emplace(Lower(f.name),
                                   f.mode == "REPEATED" ? "REPEATED_" + f.type : f.type);
      }
      out = source->sql;
    }
    if (*i >= e || t_[*i].kind != Token::Kind::kIdent || EndsFromItem(t_[*i])) {
      out += " AS " + QuoteIdent(parts.back());
    }
    return out;
  }

  // `[q.]* EXCEPT (a, b)`: prepares `SELECT [q.]* <rest of this SELECT>` to
  // learn the column names, then emits the remaining columns.
  absl::Status ExpandExcept(size_t* i, size_t e, std::string* out) {
    std::string qualifier;
    if (*i >= 2 && t_[*i - 1].IsSymbol(".") && t_[*i - 2].IsName()) {
      qualifier = t_[*i - 2].text;
      // Drop the already emitted "q." from the output.
      const size_t cut = out->rfind(qualifier);
      const std::string quoted_q = QuoteIdent(qualifier);
      const size_t cut_quoted = out->rfind(quoted_q);
      if (cut_quoted != std::string::npos && (cut == std::string::npos || cut_quoted + 1 >= cut)) {
        out->resize(cut_quoted);
      } else if (cut != std::string::npos) {
        out->resize(cut);
      }
      while (!out->empty() && out->back() == ' ') out->pop_back();
    }
    const size_t open = *i + 2;
    const size_t close = MatchParen(t_, open);
    if (close >= e) return InvalidQuery("Syntax error: Unbalanced parentheses");
    absl::flat_hash_set<std::string> excluded;
    for (size_t k = open + 1; k < close; ++k) {
      if (t_[k].IsName()) excluded.insert(Lower(t_[k].text));
    }
    size_t from = close + 1;
    while (from < e && !t_[from].Is("FROM")) {
      from = t_[from].IsSymbol("(") ? MatchParen(t_, from) + 1 : from + 1;
    }
    size_t end = from;
    while (end < e && !t_[end].Is("UNION") && !t_[end].Is("INTERSECT") && !t_[end].Is("EXCEPT")) {
      end = t_[end].IsSymbol("(") ? MatchParen(t_, end) + 1 : end + 1;
    }
    auto rest = Translate(from, std::min(end, e), false);
    if (!rest.ok()) return rest.status();
    const std::string star = qualifier.empty() ? "*" : QuoteIdent(qualifier) + ".*";
    std::string probe = ctes_.empty() ? "" : "WITH " + absl::StrJoin(ctes_, ", ") + " ";
    absl::StrAppend(&probe, "SELECT ", star, " ", *rest);
    auto stmt = db_->Prepare(probe);
    if (!stmt.ok()) return InvalidQuery(absl::StrCat("Syntax error: ", stmt.status().message()));
    std::vector<std::string> columns;
    for (int c = 0; c < stmt->ColumnCount(); ++c) {
      const std::string name = stmt->ColumnName(c);
      if (excluded.contains(Lower(name)) || Upper(name) == "_PARTITIONTIME") continue;
      columns.push_back(qualifier.empty() ? QuoteIdent(name)
                                          : QuoteIdent(qualifier) + "." + QuoteIdent(name));
    }
    if (columns.empty()) return InvalidQuery("SELECT * EXCEPT excludes every column");
    Append(out, absl::StrJoin(columns, ", "));
    *i = close + 1;
    return absl::OkStatus();
  }

  // Splits (b, e) at top-level commas.
  std::vector<std::pair<size_t, size_t>> SplitArgs(size_t b, size_t e) const {
    std::vector<std::pair<size_t, size_t>> args;
    size_t start = b;
    for (size_t k = b; k < e; ++k) {
      if (t_[k].IsSymbol("(")) {
        k = MatchParen(t_, k);
      } else if (t_[k].IsSymbol(",")) {
        args.emplace_back(start, k);
        start = k + 1;
      }
    }
    if (start < e || !args.empty()) args.emplace_back(start, e);
    return args;
  }

  absl::StatusOr<std::vector<std::string>> Args(size_t b, size_t e) {
    std::vector<std::string> out;
    for (auto [ab, ae] : SplitArgs(b, e)) {
      auto a = Translate(ab, ae, false);
      if (!a.ok()) return a.status();
      out.push_back(std::move(*a));
    }
    return out;
  }

  absl::StatusOr<std::string> TranslateCall(size_t* i, size_t e) {
    const std::string name = Upper(t_[*i].text);
    const size_t open = *i + 1;
    const size_t close = MatchParen(t_, open);
    if (close >= e) return InvalidQuery("Syntax error: Unbalanced parentheses");
    *i = close + 1;
    auto arity = [&](size_t n) -> absl::Status {
      return InvalidQuery(
          absl::StrCat("No matching signature for function ", name, " with ", n, " arguments"));
    };
    if (name == "CAST" || name == "SAFE_CAST") return TranslateCast(open + 1, close);
    if (name == "EXTRACT") {
      if (close < open + 4 || !t_[open + 2].Is("FROM"))
        return InvalidQuery("Syntax error in EXTRACT");
      auto arg = Translate(open + 3, close, false);
      if (!arg.ok()) return arg.status();
      return absl::StrCat("ot_extract('", Upper(t_[open + 1].text), "', ", *arg, ")");
    }
    const auto ranges = SplitArgs(open + 1, close);
    if (name == "TIMESTAMP_ADD" || name == "TIMESTAMP_SUB" || name == "DATE_ADD" ||
        name == "DATE_SUB" || name == "DATETIME_ADD" || name == "DATETIME_SUB") {
      if (ranges.size() != 2) return arity(ranges.size());
      auto [ib, ie] = ranges[1];
      if (ie - ib < 3 || !t_[ib].Is("INTERVAL")) return InvalidQuery("Expected INTERVAL n unit");
      auto base = Translate(ranges[0].first, ranges[0].second, false);
      auto n = Translate(ib + 1, ie - 1, false);
      if (!base.ok()) return base.status();
      if (!n.ok()) return n.status();
      const std::string sign = name.find("_SUB") != std::string::npos ? "-" : "+";
      if (name.rfind("DATE_", 0) == 0) {
        return absl::StrCat("ot_date_add(", *base, ", ", sign, "(", *n, "), '",
                            Upper(t_[ie - 1].text), "')");
      }
      const int64_t unit = UnitMicros(t_[ie - 1].text);
      if (unit == 0)
        return InvalidQuery(absl::StrCat("Unsupported INTERVAL unit ", t_[ie - 1].text));
      return absl::StrCat("(", *base, " ", sign, " (", *n, ") * ", unit, ")");
    }
    if (name == "TIMESTAMP_TRUNC" || name == "DATE_TRUNC" || name == "TIMESTAMP_DIFF" ||
        name == "DATE_DIFF") {
      const size_t unit_index = name.find("DIFF") != std::string::npos ? 2 : 1;
      if (ranges.size() <= unit_index) return arity(ranges.size());
      std::vector<std::string> args;
      for (size_t k = 0; k < unit_index; ++k) {
        auto a = Translate(ranges[k].first, ranges[k].second, false);
        if (!a.ok()) return a.status();
        args.push_back(*a);
      }
      const std::string unit = Upper(t_[ranges[unit_index].first].text);
      return absl::StrCat("ot_", Lower(name), "(", absl::StrJoin(args, ", "), ", '", unit, "')");
    }
    if (name == "ARRAY_AGG") return TranslateLastValue(open, close, i, e);
    auto args = Args(open + 1, close);
    if (!args.ok()) return args.status();
    const std::vector<std::string>& a = *args;
    if (name == "IF") {
      if (a.size() != 3) return arity(a.size());
      return absl::StrCat("CASE WHEN ", a[0], " THEN ", a[1], " ELSE ", a[2], " END");
    }
    if (name == "CONCAT") return "(" + absl::StrJoin(a, " || ") + ")";
    if (name == "COUNTIF") return absl::StrCat("SUM(CASE WHEN ", a[0], " THEN 1 ELSE 0 END)");
    if (name == "SAFE_DIVIDE") {
      if (a.size() != 2) return arity(a.size());
      return absl::StrCat("(CASE WHEN (", a[1], ") = 0 THEN NULL ELSE (", a[0], ") * 1.0 / (", a[1],
                          ") END)");
    }
    if (name == "STARTS_WITH") {
      return absl::StrCat("(substr(", a[0], ", 1, length(", a[1], ")) = ", a[1], ")");
    }
    // "+ 0" keeps SQLite from typing the result by the column's declaration.
    if (name == "TIMESTAMP_MICROS" || name == "UNIX_MICROS") return "((" + a[0] + ") + 0)";
    if (name == "TIMESTAMP_MILLIS") return "((" + a[0] + ") * 1000)";
    if (name == "TIMESTAMP_SECONDS") return "((" + a[0] + ") * 1000000)";
    if (name == "UNIX_MILLIS") return "((" + a[0] + ") / 1000)";
    if (name == "UNIX_SECONDS") return "((" + a[0] + ") / 1000000)";
    if (name == "DIV") return "((" + a[0] + ") / (" + a[1] + "))";
    if (name == "MOD") return "((" + a[0] + ") % (" + a[1] + "))";
    if (name == "ARRAY" || name == "UNNEST" || name == "STRUCT" || name == "REGEXP_CONTAINS" ||
        name == "REGEXP_EXTRACT" || name == "JSON_EXTRACT" || name == "JSON_VALUE") {
      return InvalidQuery(absl::StrCat("Function ", name, " is not supported by the emulator"));
    }
    static const absl::flat_hash_map<std::string, std::string> kRenames = {
        {"CURRENT_TIMESTAMP", "ot_now"},
        {"CURRENT_DATE", "ot_current_date"},
        {"DATE", "ot_date"},
        {"TIMESTAMP", "ot_timestamp"},
        {"ANY_VALUE", "max"},
        {"LOGICAL_OR", "max"},
        {"LOGICAL_AND", "min"},
        {"STRPOS", "instr"},
        {"STRING_AGG", "group_concat"},
        {"GENERATE_UUID", "ot_uuid"},
        {"CHAR_LENGTH", "length"},
        {"CHARACTER_LENGTH", "length"},
        {"SUBSTRING", "substr"},
        {"GREATEST", "max"},
        {"LEAST", "min"},
        {"FORMAT_TIMESTAMP", "ot_format_timestamp"},
    };
    auto it = kRenames.find(name);
    std::string fn = it != kRenames.end() ? it->second : t_[open - 1].text;
    if (fn == "ot_current_date") return std::string("ot_date(ot_now())");
    std::string joined = absl::StrJoin(a, ", ");
    // COUNT(*) and COUNT(DISTINCT x) pass through: Args keeps the tokens.
    return absl::StrCat(fn, "(", joined, ")");
  }

  // The last-value idiom `ARRAY_AGG(x [IGNORE NULLS] ORDER BY k [DESC] LIMIT 1)[OFFSET(0)]`
  // becomes the ot_arg_min/ot_arg_max aggregates; other ARRAY_AGG forms are
  // not supported (no ARRAY type here).
  absl::StatusOr<std::string> TranslateLastValue(size_t open, size_t close, size_t* i, size_t e) {
    auto unsupported = [] {
      return InvalidQuery(
          "ARRAY_AGG is supported only as ARRAY_AGG(x ORDER BY k [ASC|DESC] LIMIT 1)[OFFSET(0)]");
    };
    size_t order = close;
    for (size_t k = open + 1; k < close; ++k) {
      if (t_[k].IsSymbol("(")) {
        k = MatchParen(t_, k);
      } else if (t_[k].Is("ORDER") && k + 1 < close && t_[k + 1].Is("BY")) {
        order = k;
        break;
      }
    }
    size_t expr_end = order;
    bool ignore_nulls = false;
    if (expr_end >= open + 3 && t_[expr_end - 2].Is("IGNORE") && t_[expr_end - 1].Is("NULLS")) {
      ignore_nulls = true;
      expr_end -= 2;
    }
    if (order == close || close < order + 5 || !t_[close - 2].Is("LIMIT") ||
        t_[close - 1].text != "1") {
      return unsupported();
    }
    size_t key_end = close - 2;
    bool desc = false;
    if (t_[key_end - 1].Is("DESC") || t_[key_end - 1].Is("ASC")) {
      desc = t_[key_end - 1].Is("DESC");
      --key_end;
    }
    // [OFFSET(0)] | [SAFE_OFFSET(0)] | [ORDINAL(1)] | [SAFE_ORDINAL(1)]
    const size_t b = close + 1;
    if (b + 5 >= e || !t_[b].IsSymbol("[") || !t_[b + 2].IsSymbol("(") ||
        !t_[b + 4].IsSymbol(")") || !t_[b + 5].IsSymbol("]")) {
      return unsupported();
    }
    const std::string accessor = Upper(t_[b + 1].text);
    const bool ordinal = accessor == "ORDINAL" || accessor == "SAFE_ORDINAL";
    if (!ordinal && accessor != "OFFSET" && accessor != "SAFE_OFFSET") return unsupported();
    if (t_[b + 3].text != (ordinal ? "1" : "0")) return unsupported();
    auto value = Translate(open + 1, expr_end, false);
    if (!value.ok()) return value.status();
    auto key = Translate(order + 2, key_end, false);
    if (!key.ok()) return key.status();
    *i = b + 6;
    return absl::StrCat(desc ? "ot_arg_max" : "ot_arg_min", ignore_nulls ? "_nn" : "", "(", *value,
                        ", ", *key, ")");
  }

  absl::StatusOr<std::string> TranslateCast(size_t b, size_t e) {
    size_t as = e;
    for (size_t k = b; k < e; ++k) {
      if (t_[k].IsSymbol("("))
        k = MatchParen(t_, k);
      else if (t_[k].Is("AS"))
        as = k;
    }
    if (as + 1 >= e) return InvalidQuery("Syntax error: Expected AS in CAST");
    auto expr = Translate(b, as, false);
    if (!expr.ok()) return expr.status();
    const std::string type = LegacyTypeName(t_[as + 1].text);
    if (type == "STRING") return "CAST(" + *expr + " AS TEXT)";
    if (type == "INTEGER") return "CAST(" + *expr + " AS INTEGER)";
    if (type == "FLOAT" || type == "NUMERIC" || type == "BIGNUMERIC") {
      return "CAST(" + *expr + " AS REAL)";
    }
    if (type == "BOOLEAN") return "(CAST(" + *expr + " AS INTEGER) != 0)";
    if (type == "TIMESTAMP") return "ot_timestamp(" + *expr + ")";
    if (type == "DATE") return "ot_date(" + *expr + ")";
    return InvalidQuery(absl::StrCat("CAST to ", t_[as + 1].text, " is not supported"));
  }

  // Types of the outermost SELECT list items, keyed by output name.
  void InferItemTypes(size_t b, size_t e) {
    size_t end = b;
    while (end < e && !t_[end].Is("FROM")) {
      end = t_[end].IsSymbol("(") ? MatchParen(t_, end) + 1 : end + 1;
    }
    for (auto [ib, ie] : SplitArgs(b, std::min(end, e))) {
      if (ib >= ie) continue;
      if (t_[ib].Is("DISTINCT") || t_[ib].Is("ALL")) ++ib;
      if (ib >= ie) continue;
      std::string alias;
      size_t expr_end = ie;
      if (ie - ib >= 2 && t_[ie - 1].IsName() && t_[ie - 2].Is("AS")) {
        alias = t_[ie - 1].text;
        expr_end = ie - 2;
      } else if (ie - ib >= 2 && t_[ie - 1].IsName() && !t_[ie - 2].IsSymbol(".") &&
                 !t_[ie - 2].Is("DISTINCT")) {
        alias = t_[ie - 1].text;
        expr_end = ie - 1;
      } else if (t_[ie - 1].IsName()) {
        alias = t_[ie - 1].text;
      }
      if (alias.empty()) continue;
      const std::string type = ExprType(ib, expr_end);
      if (!type.empty()) out_->item_types[Lower(alias)] = type;
    }
  }

  std::string ExprType(size_t b, size_t e) const {
    if (b >= e) return "";
    const Token& first = t_[b];
    if (first.Is("CURRENT_TIMESTAMP") || first.Is("_PARTITIONTIME")) return "TIMESTAMP";
    if (first.Is("TIMESTAMP") && b + 1 < e && t_[b + 1].kind == Token::Kind::kString) {
      return "TIMESTAMP";
    }
    if (first.kind == Token::Kind::kIdent && b + 1 < e && t_[b + 1].IsSymbol("(")) {
      const std::string fn = Upper(first.text);
      const size_t close = MatchParen(t_, b + 1);
      // An operator after the call makes the type unknown ([OFFSET(0)] and OVER keep it).
      if (close + 1 < e && !t_[close + 1].Is("OVER") && !t_[close + 1].IsSymbol("[")) return "";
      if (TimestampFunctions().contains(fn)) return "TIMESTAMP";
      if (fn == "CAST" || fn == "SAFE_CAST") {
        for (size_t k = close; k > b; --k) {
          if (t_[k].Is("AS") && k + 1 < close) return LegacyTypeName(t_[k + 1].text);
        }
      }
      static const absl::flat_hash_set<std::string> kInt = {
          "COUNT",       "COUNTIF",      "ROW_NUMBER",     "RANK",      "DENSE_RANK", "UNIX_MICROS",
          "UNIX_MILLIS", "UNIX_SECONDS", "TIMESTAMP_DIFF", "DATE_DIFF", "LENGTH",     "CHAR_LENGTH",
          "STRPOS",      "DIV",          "EXTRACT",        "NTILE"};
      static const absl::flat_hash_set<std::string> kString = {
          "CONCAT", "LOWER", "UPPER",  "SUBSTR",     "SUBSTRING",     "REPLACE",         "TRIM",
          "LTRIM",  "RTRIM", "FORMAT", "STRING_AGG", "GENERATE_UUID", "FORMAT_TIMESTAMP"};
      static const absl::flat_hash_set<std::string> kDate = {"DATE", "CURRENT_DATE", "DATE_TRUNC",
                                                             "DATE_ADD", "DATE_SUB"};
      if (kInt.contains(fn)) return "INTEGER";
      if (kString.contains(fn)) return "STRING";
      if (kDate.contains(fn)) return "DATE";
      if (fn == "AVG" || fn == "SAFE_DIVIDE") return "FLOAT";
      if (fn == "LOGICAL_OR" || fn == "LOGICAL_AND" || fn == "STARTS_WITH") return "BOOLEAN";
      // Value-preserving functions: the type of the first column mentioned.
      size_t k = b + 2;
      if (fn == "IF") {
        for (auto [ab, ae] : SplitArgs(b + 2, close)) {
          if (ab != b + 2) {
            k = ab;
            break;
          }
        }
      }
      for (; k < close; ++k) {
        if (t_[k].kind == Token::Kind::kIdent && k + 1 < close && t_[k + 1].IsSymbol("(")) {
          std::string nested = ExprType(k, MatchParen(t_, k + 1) + 1);
          if (!nested.empty()) return nested;
          k = MatchParen(t_, k + 1);
          continue;
        }
        if (t_[k].IsName() && !(k + 1 < close && t_[k + 1].IsSymbol("."))) {
          if (fn == "SUM") return "@sum:" + Lower(t_[k].text);
          return ColumnType(t_[k].text);
        }
      }
      return "";
    }
    // A plain (possibly qualified) column.
    if (t_[e - 1].IsName() && (e - b == 1 || (e - b == 3 && t_[b + 1].IsSymbol(".")))) {
      std::string name = t_[e - 1].text;
      const size_t dot = name.rfind('.');
      if (dot != std::string::npos) name = name.substr(dot + 1);
      return ColumnType(name);
    }
    return "";
  }

  std::string ColumnType(std::string_view name) const {
    if (Upper(name) == "_PARTITIONTIME") return "TIMESTAMP";
    // Sources are resolved later in the walk, so this is a placeholder that
    // ResolveItemTypes fills in.
    return "@" + Lower(name);
  }

 public:
  // Replaces "@name" placeholders recorded before the sources were resolved.
  void ResolveItemTypes() {
    for (auto& [alias, type] : out_->item_types) {
      if (type.empty() || type[0] != '@') continue;
      const bool sum = type.rfind("@sum:", 0) == 0;
      auto it = out_->column_types.find(type.substr(sum ? 5 : 1));
      type = it != out_->column_types.end() ? it->second : "";
      if (sum && !type.empty() && type != "INTEGER") type = "FLOAT";
    }
  }

 private:
  const std::vector<Token>& t_;
  const SourceResolver& resolver_;
  SqliteDb* db_;
  TranslatedQuery* out_;
  std::vector<std::string> ctes_;
  absl::flat_hash_set<std::string> cte_names_;
};

}  // namespace

absl::StatusOr<TranslatedQuery> TranslateQuery(const std::vector<Token>& tokens,
                                               const SourceResolver& resolver, SqliteDb* db) {
  TranslatedQuery out;
  Translator translator(tokens, resolver, db, &out);
  auto sql = translator.Translate(0, tokens.size(), true);
  if (!sql.ok()) return sql.status();
  out.sql = std::move(*sql);
  translator.ResolveItemTypes();
  return out;
}

}  // namespace opentrack::emulator
