#include "warehouse_schema/internal/fast_time.h"

#include "absl/time/time.h"
#include "common/time_format.h"

namespace opentrack::warehouse_schema::internal {
namespace {

bool Digits(std::string_view s, size_t pos, size_t n, int* value) {
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    const unsigned d = static_cast<unsigned char>(s[i]) - '0';
    if (d > 9) return false;
    v = v * 10 + static_cast<int>(d);
  }
  *value = v;
  return true;
}

int DaysInMonth(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

// Days since 1970-01-01 of a proleptic Gregorian date (civil-from-days inverted).
int64_t DaysFromCivil(int64_t y, int m, int d) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

// "YYYY-MM-DDTHH:MM:SS.fffZ" or "YYYY-MM-DDTHH:MM:SS.ffffffZ".
std::optional<int64_t> ParseCommonForm(std::string_view s) {
  if ((s.size() != 24 && s.size() != 27) || s[4] != '-' || s[7] != '-' || s[10] != 'T' ||
      s[13] != ':' || s[16] != ':' || s[19] != '.' || s.back() != 'Z') {
    return std::nullopt;
  }
  int year, month, day, hour, minute, second, fraction;
  const size_t fraction_digits = s.size() - 21;
  if (!Digits(s, 0, 4, &year) || !Digits(s, 5, 2, &month) || !Digits(s, 8, 2, &day) ||
      !Digits(s, 11, 2, &hour) || !Digits(s, 14, 2, &minute) || !Digits(s, 17, 2, &second) ||
      !Digits(s, 20, fraction_digits, &fraction)) {
    return std::nullopt;
  }
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > DaysInMonth(year, month) ||
      hour > 23 || minute > 59 || second > 59) {
    return std::nullopt;  // leap seconds and errors: the general parser decides
  }
  const int64_t micros = fraction_digits == 3 ? fraction * 1000 : fraction;
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
  if (std::optional<int64_t> micros = ParseCommonForm(s)) return micros;
  const std::optional<absl::Time> t = ParseTimestamp(s);
  if (!t) return std::nullopt;
  return absl::ToUnixMicros(*t);
}

}  // namespace opentrack::warehouse_schema::internal
