// Debian's abseil has its own string_view; convert at absl call sites.
#ifndef OPENTRACK_EMULATOR_ABSL_COMPAT_H_
#define OPENTRACK_EMULATOR_ABSL_COMPAT_H_

#include <string_view>

#include "absl/strings/string_view.h"

namespace opentrack::emulator {

inline absl::string_view AV(std::string_view s) { return absl::string_view(s.data(), s.size()); }

}  // namespace opentrack::emulator

#endif  // OPENTRACK_EMULATOR_ABSL_COMPAT_H_
