// Reads what `pmdcon doctor` checks from a host's /proc, /sys and /dev.
#ifndef PMDCON_IO_HOST_H_
#define PMDCON_IO_HOST_H_

#include <string>

#include "config/config.h"
#include "doctor/doctor.h"

namespace pmdcon::io {

// `root` prefixes every path ("/" for this host; a directory tree in
// tests). Files that are missing leave their fields unset or empty.
doctor::Host ReadHost(const std::string& root, const config::Config& c);

}  // namespace pmdcon::io

#endif  // PMDCON_IO_HOST_H_
