// Reads what `pmdcon doctor` checks from a host's /proc, /sys and /dev.
#ifndef PMDCON_DOCTOR_HOST_H_
#define PMDCON_DOCTOR_HOST_H_

#include <string>

#include "config/config.h"
#include "doctor/doctor.h"

namespace pmdcon::doctor {

// `root` prefixes every path ("/" for this host; a directory tree in
// tests). Files that are missing leave their fields unset or empty.
Host ReadHost(const std::string& root, const config::Config& c);

}  // namespace pmdcon::doctor

#endif  // PMDCON_DOCTOR_HOST_H_
