#include "spool/position.h"

#include <cstdio>

namespace opentrack::spool {

std::string LogFileName(uint64_t file_number) {
  char name[32];
  std::snprintf(name, sizeof(name), "%06llu.log", static_cast<unsigned long long>(file_number));
  return name;
}

bool ParseLogFileName(std::string_view name, uint64_t* file_number) {
  constexpr std::string_view kSuffix = ".log";
  if (name.size() < 6 + kSuffix.size() || !name.ends_with(kSuffix)) return false;
  std::string_view digits = name.substr(0, name.size() - kSuffix.size());
  if (digits.size() > 19) return false;
  uint64_t n = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return false;
    n = n * 10 + static_cast<uint64_t>(c - '0');
  }
  // Only the canonical spelling, so two names never map to one number.
  if (n == 0 || LogFileName(n) != name) return false;
  *file_number = n;
  return true;
}

}  // namespace opentrack::spool
