#include "warehouse_schema/internal/fast_time.h"

#include "absl/time/time.h"
#include "common/time_format.h"

namespace opentrack::warehouse_schema::internal {
namespace {

// The two digits at `p` as a number; 100 or more when either is not a digit,
// which every range check below then rejects.
int TwoDigits(const char* p) {
  const auto tens = static_cast<unsigned char>(p[0] - '0');
  const auto ones = static_cast<unsigned char>(p[1] - '0');
  return tens > 9 || ones > 9 ? 100 : tens * 10 + ones;
}

bool IsLeapYear(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

int DaysInMonth(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && IsLeapYear(year) ? 29 : kDays[month - 1];
}

// Days since 1970-01-01 of a proleptic Gregorian date.
int64_t DaysFromCivil(int64_t y, int m, int d) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

// "YYYY-MM-DDTHH:MM:SS.fffZ" and "...SS.ffffffZ", nearly every timestamp an
// event holds, straight to microseconds (common ParseTimestamp goes through
// absl::Time). Accepts exactly what ParseTimestamp's own shortcut for these
// forms accepts; nullopt for anything else (leap seconds included), which
// the general parser then decides.
std::optional<int64_t> ParseCommonFormMicros(std::string_view s) {
  if ((s.size() != 24 && s.size() != 27) || s[4] != '-' || s[7] != '-' || s[10] != 'T' ||
      s[13] != ':' || s[16] != ':' || s[19] != '.' || s.back() != 'Z') {
    return std::nullopt;
  }
  const char* p = s.data();
  const int century = TwoDigits(p), year_of_century = TwoDigits(p + 2);
  const int month = TwoDigits(p + 5), day = TwoDigits(p + 8);
  const int hour = TwoDigits(p + 11), minute = TwoDigits(p + 14), second = TwoDigits(p + 17);
  if (century > 99 || year_of_century > 99 || month < 1 || month > 12 || day < 1 || hour > 23 ||
      minute > 59 || second > 59) {
    return std::nullopt;
  }
  const int year = century * 100 + year_of_century;
  if (year < 1 || day > DaysInMonth(year, month)) return std::nullopt;
  // .fff or .ffffff
  const int f1 = TwoDigits(p + 20);
  int64_t micros;
  if (s.size() == 24) {
    const auto last = static_cast<unsigned char>(p[22] - '0');
    if (f1 > 99 || last > 9) return std::nullopt;
    micros = (f1 * 10 + last) * int64_t{1000};
  } else {
    const int f2 = TwoDigits(p + 22), f3 = TwoDigits(p + 24);
    if (f1 > 99 || f2 > 99 || f3 > 99) return std::nullopt;
    micros = (f1 * 100 + f2) * 100 + f3;
  }
  return ((DaysFromCivil(year, month, day) * 24 + hour) * 60 + minute) * 60000000 +
         second * int64_t{1000000} + micros;
}

}  // namespace

std::optional<int64_t> ParseTimestampMicros(std::string_view s) {
  // Shorter than YYYY-MM-DDTHH:MM, or not starting like a date: most string
  // values end here (the same first checks common ParseTimestamp makes).
  if (s.size() < 16 || s[4] != '-' || s[7] != '-' || static_cast<unsigned char>(s[0] - '0') > 9) {
    return std::nullopt;
  }
  if (const std::optional<int64_t> micros = ParseCommonFormMicros(s)) return micros;
  const std::optional<absl::Time> t = ParseTimestamp(s);
  if (!t) return std::nullopt;
  return absl::ToUnixMicros(*t);
}

void WriteCanonicalTimestamp(int64_t micros, char* out) {
  // Civil-from-days, the inverse of DaysFromCivil.
  const int64_t kMicrosPerDay = 86400000000;
  int64_t days =
      micros >= 0 ? micros / kMicrosPerDay : -((-micros + kMicrosPerDay - 1) / kMicrosPerDay);
  int64_t rem = micros - days * kMicrosPerDay;
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const int64_t doe = days - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t day = doy - (153 * mp + 2) / 5 + 1;
  const int64_t month = mp < 10 ? mp + 3 : mp - 9;
  const int64_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  const int64_t fraction = rem % 1000000;
  rem /= 1000000;  // seconds of the day
  const auto put = [out](int pos, int64_t value, int digits) {
    for (int i = digits - 1; i >= 0; --i, value /= 10) {
      out[pos + i] = static_cast<char>('0' + value % 10);
    }
  };
  put(0, year, 4);
  out[4] = '-';
  put(5, month, 2);
  out[7] = '-';
  put(8, day, 2);
  out[10] = 'T';
  put(11, rem / 3600, 2);
  out[13] = ':';
  put(14, rem / 60 % 60, 2);
  out[16] = ':';
  put(17, rem % 60, 2);
  out[19] = '.';
  put(20, fraction, 6);
  out[26] = 'Z';
}

}  // namespace opentrack::warehouse_schema::internal
