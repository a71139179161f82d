#include "common/time_format.h"

#include <array>
#include <cstring>

namespace opentrack {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Reads exactly `n` digits at s[*pos]; advances *pos.
bool ReadDigits(std::string_view s, size_t* pos, int n, int* value) {
  if (*pos + n > s.size()) return false;
  int v = 0;
  for (int i = 0; i < n; ++i) {
    const char c = s[*pos + i];
    if (!IsDigit(c)) return false;
    v = v * 10 + (c - '0');
  }
  *pos += n;
  *value = v;
  return true;
}

bool Expect(std::string_view s, size_t* pos, char c) {
  if (*pos >= s.size() || s[*pos] != c) return false;
  ++*pos;
  return true;
}

// Parses the zone suffix at s[pos..]; sets the offset in seconds east of UTC.
bool ParseZone(std::string_view s, size_t pos, int* offset_seconds) {
  if (pos == s.size()) {
    *offset_seconds = 0;
    return true;
  }
  if (s[pos] == 'Z' || s[pos] == 'z') {
    *offset_seconds = 0;
    return pos + 1 == s.size();
  }
  if (s[pos] != '+' && s[pos] != '-') return false;
  const int sign = s[pos] == '-' ? -1 : 1;
  ++pos;
  int hh = 0, mm = 0;
  if (!ReadDigits(s, &pos, 2, &hh)) return false;
  if (pos < s.size()) {
    if (s[pos] == ':') ++pos;
    if (!ReadDigits(s, &pos, 2, &mm)) return false;
  }
  if (pos != s.size() || hh > 23 || mm > 59) return false;
  *offset_seconds = sign * (hh * 3600 + mm * 60);
  return true;
}

int DaysInMonth(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

// Days since 1970-01-01 of a proleptic Gregorian date (civil-from-days
// inverted). By hand rather than absl::CivilDay: time zone code (cctz) was 5%
// of a /v1/batch request.
int64_t DaysFromCivil(int64_t y, int m, int d) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

// "00" to "99": two digits per lookup rather than a division per digit.
constexpr std::array<char, 200> MakeTwoDigits() {
  std::array<char, 200> digits{};
  for (int i = 0; i < 100; ++i) {
    digits[2 * i] = static_cast<char>('0' + i / 10);
    digits[2 * i + 1] = static_cast<char>('0' + i % 10);
  }
  return digits;
}

constexpr std::array<char, 200> kTwoDigits = MakeTwoDigits();

// Writes `value` (0-99) as two digits at `p`.
inline void PutTwoDigits(uint32_t value, char* p) { std::memcpy(p, &kTwoDigits[2 * value], 2); }

// The two digits at `p` as a number; 100 or more when either is not a digit,
// which every range check then rejects.
int TwoDigits(const char* p) {
  const auto tens = static_cast<unsigned char>(p[0] - '0');
  const auto ones = static_cast<unsigned char>(p[1] - '0');
  return tens > 9 || ones > 9 ? 100 : tens * 10 + ones;
}

// "YYYY-MM-DDTHH:MM:SS.fffZ" or "...:SS.ffffffZ", the forms clients and our
// own pipeline write, decoded two digits at a time without the general
// parser; nullopt for anything else (including leap seconds), which the
// general parser decides.
std::optional<absl::Time> ParseCommonForm(std::string_view s) {
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
  const int f1 = TwoDigits(p + 20);
  int64_t micros;
  if (s.size() == 24) {  // .fff
    const auto last = static_cast<unsigned char>(p[22] - '0');
    if (f1 > 99 || last > 9) return std::nullopt;
    micros = (f1 * 10 + last) * int64_t{1000};
  } else {  // .ffffff
    const int f2 = TwoDigits(p + 22), f3 = TwoDigits(p + 24);
    if (f1 > 99 || f2 > 99 || f3 > 99) return std::nullopt;
    micros = (f1 * 100 + f2) * 100 + f3;
  }
  return absl::FromUnixMicros(((DaysFromCivil(year, month, day) * 24 + hour) * 60 + minute) *
                                  60000000 +
                              second * int64_t{1000000} + micros);
}

}  // namespace

std::optional<absl::Time> ParseTimestamp(std::string_view s, TimestampParseOptions options) {
  // Cheap rejection first: this runs on every string property value.
  if (s.size() < 10 || !IsDigit(s[0]) || s[4] != '-' || s[7] != '-') return std::nullopt;
  if (std::optional<absl::Time> t = ParseCommonForm(s)) return t;
  size_t pos = 0;
  int year, month, day, hour = 0, minute = 0, second = 0;
  if (!ReadDigits(s, &pos, 4, &year) || !Expect(s, &pos, '-') || !ReadDigits(s, &pos, 2, &month) ||
      !Expect(s, &pos, '-') || !ReadDigits(s, &pos, 2, &day)) {
    return std::nullopt;
  }
  if (year < 1 || month < 1 || month > 12 || day < 1) return std::nullopt;
  int64_t nanos = 0;
  int offset_seconds = 0;
  if (pos == s.size()) {
    if (!options.allow_date_only) return std::nullopt;
  } else {
    const char sep = s[pos];
    if (sep != 'T' && sep != 't' && sep != ' ') return std::nullopt;
    ++pos;
    if (!ReadDigits(s, &pos, 2, &hour) || !Expect(s, &pos, ':') ||
        !ReadDigits(s, &pos, 2, &minute)) {
      return std::nullopt;
    }
    if (pos < s.size() && s[pos] == ':') {
      ++pos;
      if (!ReadDigits(s, &pos, 2, &second)) return std::nullopt;
      if (pos < s.size() && (s[pos] == '.' || s[pos] == ',')) {
        ++pos;
        int digits = 0;
        while (pos < s.size() && IsDigit(s[pos])) {
          if (digits < 9) nanos = nanos * 10 + (s[pos] - '0');
          ++digits;
          ++pos;
        }
        if (digits == 0) return std::nullopt;
        for (int d = digits; d < 9; ++d) nanos *= 10;
      }
    }
    if (hour > 23 || minute > 59 || second > 60) return std::nullopt;
    if (!ParseZone(s, pos, &offset_seconds)) return std::nullopt;
  }
  if (day > DaysInMonth(year, month)) return std::nullopt;  // e.g. February 30th
  // A leap second (:60) rolls into the next minute.
  const int64_t seconds =
      ((DaysFromCivil(year, month, day) * 24 + hour) * 60 + minute) * 60 + second;
  return absl::FromUnixSeconds(seconds - offset_seconds) + absl::Nanoseconds(nanos);
}

std::string FormatTimestampMillis(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", t, absl::UTCTimeZone());
}

std::string FormatTimestampMicros(absl::Time t) {
  std::string out;
  AppendTimestampMicros(&out, t);
  return out;
}

void AppendTimestampMicros(std::string* out, absl::Time t) {
  AppendUnixMicrosTimestamp(out, absl::ToUnixMicros(t));
}

void AppendUnixMicrosTimestamp(std::string* out, int64_t unix_micros) {
  char buf[kUnixMicrosTimestampSize];
  WriteUnixMicrosTimestamp(unix_micros, buf);
  out->append(buf, sizeof(buf));
}

void WriteUnixMicrosTimestamp(int64_t unix_micros, char* buf) {
  // Hand-formatted (days-from-civil inverted, proleptic Gregorian): this
  // runs for several columns of every row and several fields of every event.
  // Floor division that never negates (INT64_MIN has no negation).
  int64_t days = unix_micros / 86400000000;
  if (unix_micros % 86400000000 < 0) --days;
  const int64_t rem = unix_micros - days * 86400000000;
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const int64_t doe = days - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t day = doy - (153 * mp + 2) / 5 + 1;
  const int64_t month = mp < 10 ? mp + 3 : mp - 9;
  const int64_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  // Years outside 0000-9999 (which RFC 3339 cannot write) keep their last four digits.
  const uint32_t year4 = static_cast<uint32_t>((year % 10000 + 10000) % 10000);
  const uint32_t seconds = static_cast<uint32_t>(rem / 1000000);
  const uint32_t fraction = static_cast<uint32_t>(rem % 1000000);
  PutTwoDigits(year4 / 100, buf);
  PutTwoDigits(year4 % 100, buf + 2);
  buf[4] = '-';
  PutTwoDigits(static_cast<uint32_t>(month), buf + 5);
  buf[7] = '-';
  PutTwoDigits(static_cast<uint32_t>(day), buf + 8);
  buf[10] = 'T';
  PutTwoDigits(seconds / 3600, buf + 11);
  buf[13] = ':';
  PutTwoDigits(seconds / 60 % 60, buf + 14);
  buf[16] = ':';
  PutTwoDigits(seconds % 60, buf + 17);
  buf[19] = '.';
  PutTwoDigits(fraction / 10000, buf + 20);
  PutTwoDigits(fraction / 100 % 100, buf + 22);
  PutTwoDigits(fraction % 100, buf + 24);
  buf[26] = 'Z';
}

}  // namespace opentrack
