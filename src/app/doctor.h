// pmdcon doctor: checks the host for the configuration and prints each
// finding with its fix.
#ifndef PMDCON_APP_DOCTOR_H_
#define PMDCON_APP_DOCTOR_H_

#include <cstdio>
#include <string>

#include "config/config.h"

namespace pmdcon::app {

// Prints to `out`; returns 0 when nothing would stop pmdcon (warnings
// allowed), 1 otherwise. `root` is "/" except in tests.
int Doctor(const config::Config& c, const std::string& root, FILE* out);

}  // namespace pmdcon::app

#endif  // PMDCON_APP_DOCTOR_H_
