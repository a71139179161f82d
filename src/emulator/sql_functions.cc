// SQLite implementations of the GoogleSQL functions the translator maps to
// ot_* names. TIMESTAMP values are INTEGER microseconds since the epoch.
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "common/time_format.h"
#include "common/uuid.h"
#include "emulator/sql_translator.h"

namespace opentrack::emulator {
namespace {

std::string ArgText(sqlite3_value* v) {
  const unsigned char* t = sqlite3_value_text(v);
  return t != nullptr ? std::string(reinterpret_cast<const char*>(t), sqlite3_value_bytes(v))
                      : std::string();
}

std::optional<int64_t> ArgMicros(sqlite3_value* v) {
  switch (sqlite3_value_type(v)) {
    case SQLITE_INTEGER:
      return sqlite3_value_int64(v);
    case SQLITE_FLOAT:
      return static_cast<int64_t>(sqlite3_value_double(v));
    case SQLITE_TEXT: {
      std::string text = ArgText(v);
      if (text.size() > 4 && text.compare(text.size() - 4, 4, " UTC") == 0)
        text.resize(text.size() - 4);
      if (auto t = ParseTimestamp(text, {.allow_date_only = true})) return absl::ToUnixMicros(*t);
      return std::nullopt;
    }
    default:
      return std::nullopt;
  }
}

absl::CivilSecond Civil(int64_t micros) {
  return absl::ToCivilSecond(absl::FromUnixMicros(micros), absl::UTCTimeZone());
}
int64_t Micros(absl::CivilSecond cs) {
  return absl::ToUnixMicros(absl::FromCivil(cs, absl::UTCTimeZone()));
}
std::string DateText(absl::CivilDay d) { return absl::FormatCivilTime(d); }

std::optional<int64_t> Trunc(int64_t micros, const std::string& unit) {
  const absl::CivilSecond cs = Civil(micros);
  if (unit == "MICROSECOND") return micros;
  if (unit == "MILLISECOND") return micros - ((micros % 1000) + 1000) % 1000;
  if (unit == "SECOND") return Micros(cs);
  if (unit == "MINUTE") return Micros(absl::CivilMinute(cs));
  if (unit == "HOUR") return Micros(absl::CivilHour(cs));
  if (unit == "DAY") return Micros(absl::CivilDay(cs));
  if (unit == "WEEK") {
    absl::CivilDay d(cs);
    while (absl::GetWeekday(d) != absl::Weekday::sunday) --d;
    return Micros(d);
  }
  if (unit == "MONTH") return Micros(absl::CivilMonth(cs));
  if (unit == "QUARTER") {
    const absl::CivilMonth m(cs);
    return Micros(absl::CivilMonth(m.year(), (m.month() - 1) / 3 * 3 + 1));
  }
  if (unit == "YEAR") return Micros(absl::CivilYear(cs));
  return std::nullopt;
}

int64_t UnitMicros(const std::string& unit) {
  if (unit == "MICROSECOND") return 1;
  if (unit == "MILLISECOND") return 1000;
  if (unit == "SECOND") return 1000000;
  if (unit == "MINUTE") return 60000000;
  if (unit == "HOUR") return 3600000000LL;
  if (unit == "DAY") return 86400000000LL;
  if (unit == "WEEK") return 7 * 86400000000LL;
  return 0;
}

void Now(sqlite3_context* ctx, int, sqlite3_value**) {
  auto* now = static_cast<std::function<int64_t()>*>(sqlite3_user_data(ctx));
  sqlite3_result_int64(ctx, (*now)());
}

void TimestampTrunc(sqlite3_context* ctx, int, sqlite3_value** argv) {
  auto micros = ArgMicros(argv[0]);
  const std::string unit = absl::AsciiStrToUpper(ArgText(argv[1]));
  if (!micros) return sqlite3_result_null(ctx);
  auto out = Trunc(*micros, unit);
  if (!out) return sqlite3_result_error(ctx, "TIMESTAMP_TRUNC: unsupported date part", -1);
  sqlite3_result_int64(ctx, *out);
}

void TimestampDiff(sqlite3_context* ctx, int, sqlite3_value** argv) {
  auto a = ArgMicros(argv[0]);
  auto b = ArgMicros(argv[1]);
  const int64_t unit = UnitMicros(absl::AsciiStrToUpper(ArgText(argv[2])));
  if (!a || !b) return sqlite3_result_null(ctx);
  if (unit == 0) return sqlite3_result_error(ctx, "TIMESTAMP_DIFF: unsupported date part", -1);
  sqlite3_result_int64(ctx, (*a - *b) / unit);
}

void ResultDate(sqlite3_context* ctx, absl::CivilDay d) {
  const std::string text = DateText(d);
  sqlite3_result_text(ctx, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
}

void Date(sqlite3_context* ctx, int, sqlite3_value** argv) {
  auto micros = ArgMicros(argv[0]);
  if (!micros) return sqlite3_result_null(ctx);
  ResultDate(ctx, absl::CivilDay(Civil(*micros)));
}

void DateTrunc(sqlite3_context* ctx, int, sqlite3_value** argv) {
  auto micros = ArgMicros(argv[0]);
  if (!micros) return sqlite3_result_null(ctx);
  auto out = Trunc(*micros, absl::AsciiStrToUpper(ArgText(argv[1])));
  if (!out) return sqlite3_result_error(ctx, "DATE_TRUNC: unsupported date part", -1);
  ResultDate(ctx, absl::CivilDay(Civil(*out)));
}

void DateDiff(sqlite3_context* ctx, int, sqlite3_value** argv) {
  auto a = ArgMicros(argv[0]);
  auto b = ArgMicros(argv[1]);
  if (!a || !b) return sqlite3_result_null(ctx);
  const std::string unit = absl::AsciiStrToUpper(ArgText(argv[2]));
  const absl::CivilDay da(Civil(*a)), db(Civil(*b));
  if (unit == "DAY") return sqlite3_result_int64(ctx, da - db);
  if (unit == "WEEK") return sqlite3_result_int64(ctx, (da - db) / 7);
  if (unit == "MONTH") {
    return sqlite3_result_int64(ctx, (da.year() - db.year()) * 12 + da.month() - db.month());
  }
  if (unit == "YEAR") return sqlite3_result_int64(ctx, da.year() - db.year());
  sqlite3_result_error(ctx, "DATE_DIFF: unsupported date part", -1);
}

void DateAdd(sqlite3_context* ctx, int, sqlite3_value** argv) {
  auto micros = ArgMicros(argv[0]);
  if (!micros) return sqlite3_result_null(ctx);
  const int64_t n = sqlite3_value_int64(argv[1]);
  const std::string unit = absl::AsciiStrToUpper(ArgText(argv[2]));
  absl::CivilDay d(Civil(*micros));
  if (unit == "DAY") {
    d += n;
  } else if (unit == "WEEK") {
    d += 7 * n;
  } else if (unit == "MONTH" || unit == "YEAR") {
    const int64_t months = unit == "MONTH" ? n : 12 * n;
    const absl::CivilMonth m = absl::CivilMonth(d) + months;
    d = absl::CivilDay(m.year(), m.month(), d.day());
  } else {
    return sqlite3_result_error(ctx, "DATE_ADD: unsupported date part", -1);
  }
  ResultDate(ctx, d);
}

void Timestamp(sqlite3_context* ctx, int, sqlite3_value** argv) {
  auto micros = ArgMicros(argv[0]);
  if (!micros) return sqlite3_result_null(ctx);
  sqlite3_result_int64(ctx, *micros);
}

void Extract(sqlite3_context* ctx, int, sqlite3_value** argv) {
  const std::string part = absl::AsciiStrToUpper(ArgText(argv[0]));
  auto micros = ArgMicros(argv[1]);
  if (!micros) return sqlite3_result_null(ctx);
  const absl::CivilSecond cs = Civil(*micros);
  if (part == "YEAR") return sqlite3_result_int64(ctx, cs.year());
  if (part == "MONTH") return sqlite3_result_int64(ctx, cs.month());
  if (part == "DAY") return sqlite3_result_int64(ctx, cs.day());
  if (part == "HOUR") return sqlite3_result_int64(ctx, cs.hour());
  if (part == "MINUTE") return sqlite3_result_int64(ctx, cs.minute());
  if (part == "SECOND") return sqlite3_result_int64(ctx, cs.second());
  if (part == "DAYOFWEEK") {
    const int wd = static_cast<int>(absl::GetWeekday(absl::CivilDay(cs)));  // monday = 0
    return sqlite3_result_int64(ctx, (wd + 1) % 7 + 1);
  }
  if (part == "DATE") return ResultDate(ctx, absl::CivilDay(cs));
  sqlite3_result_error(ctx, "EXTRACT: unsupported date part", -1);
}

void Uuid(sqlite3_context* ctx, int, sqlite3_value**) {
  const std::string id = NewUuid();
  sqlite3_result_text(ctx, id.data(), static_cast<int>(id.size()), SQLITE_TRANSIENT);
}

void FormatTimestamp(sqlite3_context* ctx, int, sqlite3_value** argv) {
  auto micros = ArgMicros(argv[1]);
  if (!micros) return sqlite3_result_null(ctx);
  const std::string out =
      absl::FormatTime(ArgText(argv[0]), absl::FromUnixMicros(*micros), absl::UTCTimeZone());
  sqlite3_result_text(ctx, out.data(), static_cast<int>(out.size()), SQLITE_TRANSIENT);
}

// ot_arg_max(value, key): the value of the row with the largest key (ties:
// first seen); the translation of ARRAY_AGG(value ORDER BY key DESC LIMIT 1)[OFFSET(0)].
// As in GoogleSQL, NULL keys sort first ascending and last descending.
struct ArgBest {
  bool seen;
  sqlite3_value* key;
  sqlite3_value* value;
};

// SQLite's ordering of non-NULL values: numbers < text < blobs.
int CompareValues(sqlite3_value* a, sqlite3_value* b) {
  auto rank = [](int type) {
    return type == SQLITE_INTEGER || type == SQLITE_FLOAT ? 1 : type == SQLITE_TEXT ? 2 : 3;
  };
  const int ta = sqlite3_value_type(a), tb = sqlite3_value_type(b);
  if (rank(ta) != rank(tb)) return rank(ta) < rank(tb) ? -1 : 1;
  if (rank(ta) == 1) {
    if (ta == SQLITE_INTEGER && tb == SQLITE_INTEGER) {
      const int64_t x = sqlite3_value_int64(a), y = sqlite3_value_int64(b);
      return x < y ? -1 : x > y ? 1 : 0;
    }
    const double x = sqlite3_value_double(a), y = sqlite3_value_double(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  const std::string x = ArgText(a), y = ArgText(b);
  return x.compare(y);
}

template <bool kMax, bool kSkipNulls>
void ArgBestStep(sqlite3_context* ctx, int, sqlite3_value** argv) {
  if (kSkipNulls && sqlite3_value_type(argv[0]) == SQLITE_NULL) return;
  auto* best = static_cast<ArgBest*>(sqlite3_aggregate_context(ctx, sizeof(ArgBest)));
  if (best == nullptr) return sqlite3_result_error_nomem(ctx);
  bool take = !best->seen;
  if (!take) {
    const bool new_null = sqlite3_value_type(argv[1]) == SQLITE_NULL;
    const bool old_null = sqlite3_value_type(best->key) == SQLITE_NULL;
    if (kMax) {
      take = !new_null && (old_null || CompareValues(argv[1], best->key) > 0);
    } else {
      take = !old_null && (new_null || CompareValues(argv[1], best->key) < 0);
    }
  }
  if (!take) return;
  sqlite3_value_free(best->key);
  sqlite3_value_free(best->value);
  best->seen = true;
  best->key = sqlite3_value_dup(argv[1]);
  best->value = sqlite3_value_dup(argv[0]);
}

void ArgBestFinal(sqlite3_context* ctx) {
  auto* best = static_cast<ArgBest*>(sqlite3_aggregate_context(ctx, 0));
  if (best == nullptr || best->value == nullptr) return sqlite3_result_null(ctx);
  sqlite3_result_value(ctx, best->value);
  sqlite3_value_free(best->key);
  sqlite3_value_free(best->value);
}

}  // namespace

void RegisterSqlFunctions(SqliteDb* db, std::function<int64_t()> now) {
  // The closure lives as long as the connection.
  auto* holder = new std::function<int64_t()>(std::move(now));
  sqlite3_create_function_v2(db->raw(), "ot_now", 0, SQLITE_UTF8, holder, Now, nullptr, nullptr,
                             [](void* p) { delete static_cast<std::function<int64_t()>*>(p); });
  struct Fn {
    const char* name;
    int args;
    void (*impl)(sqlite3_context*, int, sqlite3_value**);
  };
  static constexpr Fn kFns[] = {
      {"ot_timestamp_trunc", 2, TimestampTrunc},
      {"ot_timestamp_diff", 3, TimestampDiff},
      {"ot_date", 1, Date},
      {"ot_date_trunc", 2, DateTrunc},
      {"ot_date_diff", 3, DateDiff},
      {"ot_date_add", 3, DateAdd},
      {"ot_timestamp", 1, Timestamp},
      {"ot_extract", 2, Extract},
      {"ot_uuid", 0, Uuid},
      {"ot_format_timestamp", 2, FormatTimestamp},
  };
  struct Agg {
    const char* name;
    void (*step)(sqlite3_context*, int, sqlite3_value**);
  };
  static constexpr Agg kAggs[] = {
      {"ot_arg_max", ArgBestStep<true, false>},
      {"ot_arg_min", ArgBestStep<false, false>},
      {"ot_arg_max_nn", ArgBestStep<true, true>},
      {"ot_arg_min_nn", ArgBestStep<false, true>},
  };
  for (const Agg& agg : kAggs) {
    sqlite3_create_function_v2(db->raw(), agg.name, 2, SQLITE_UTF8, nullptr, nullptr, agg.step,
                               ArgBestFinal, nullptr);
  }
  for (const Fn& fn : kFns) {
    const int flags = fn.impl == Uuid ? SQLITE_UTF8 : SQLITE_UTF8 | SQLITE_DETERMINISTIC;
    sqlite3_create_function_v2(db->raw(), fn.name, fn.args, flags, nullptr, fn.impl, nullptr,
                               nullptr, nullptr);
  }
}

}  // namespace opentrack::emulator
