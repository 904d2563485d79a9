// `pmdcon doctor`'s command-line half: reads the host, checks it for the
// configuration and prints each finding with its fix.
//
//   return doctor::Report(config, "/", RTE_EAL_PMD_PATH, stdout);
#ifndef PMDCON_DOCTOR_REPORT_H_
#define PMDCON_DOCTOR_REPORT_H_

#include <cstdio>
#include <string>

#include "config/config.h"

namespace pmdcon::doctor {

// Prints to `out`; returns 0 when nothing would stop pmdcon (warnings
// allowed), 1 otherwise. `root` is "/" except in tests; `pmd_dir` is EAL's
// driver directory, DPDK's build's to say (the caller reads it there).
int Report(const config::Config& c, const std::string& root,
           const std::string& pmd_dir, FILE* out);

}  // namespace pmdcon::doctor

#endif  // PMDCON_DOCTOR_REPORT_H_
