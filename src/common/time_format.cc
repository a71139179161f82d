#include "common/time_format.h"

#include "absl/time/civil_time.h"

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

}  // namespace

std::optional<absl::Time> ParseTimestamp(std::string_view s, TimestampParseOptions options) {
  // Cheap rejection first: this runs on every string property value.
  if (s.size() < 10 || !IsDigit(s[0]) || s[4] != '-' || s[7] != '-') return std::nullopt;
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
  const absl::CivilDay civil_day(year, month, day);
  if (civil_day.year() != year || civil_day.month() != month || civil_day.day() != day) {
    return std::nullopt;  // e.g. February 30th
  }
  const absl::CivilSecond cs(year, month, day, hour, minute, std::min(second, 59));
  absl::Time t = absl::FromCivil(cs, absl::UTCTimeZone());
  if (second == 60) t += absl::Seconds(1);  // leap second: roll into the next minute
  return t - absl::Seconds(offset_seconds) + absl::Nanoseconds(nanos);
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
  // Hand-formatted: this runs for several columns of every row.
  const absl::CivilSecond cs = absl::ToCivilSecond(t, absl::UTCTimeZone());
  const int64_t micros = absl::ToInt64Microseconds(t - absl::FromCivil(cs, absl::UTCTimeZone()));
  char buf[27];
  auto put = [&buf](int pos, int64_t value, int digits) {
    for (int i = digits - 1; i >= 0; --i, value /= 10)
      buf[pos + i] = static_cast<char>('0' + value % 10);
  };
  put(0, cs.year(), 4);
  buf[4] = '-';
  put(5, cs.month(), 2);
  buf[7] = '-';
  put(8, cs.day(), 2);
  buf[10] = 'T';
  put(11, cs.hour(), 2);
  buf[13] = ':';
  put(14, cs.minute(), 2);
  buf[16] = ':';
  put(17, cs.second(), 2);
  buf[19] = '.';
  put(20, micros, 6);
  buf[26] = 'Z';
  out->append(buf, sizeof(buf));
}

}  // namespace opentrack
