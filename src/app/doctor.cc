#include "app/doctor.h"

#include <rte_build_config.h>

#include <filesystem>

#include "doctor/doctor.h"
#include "doctor/host.h"

namespace pmdcon::app {

int Doctor(const config::Config& c, const std::string& root, FILE* out) {
  doctor::Host host = doctor::ReadHost(root, c);
  // EAL's driver directory is DPDK's build's to say: read here, by the app.
  host.pmd_dir = RTE_EAL_PMD_PATH;
  std::error_code ec;
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(
           std::filesystem::path(root) / host.pmd_dir.substr(1), ec)) {
    files.push_back(e.path().filename().string());
  }
  if (!ec) host.pmd_files = std::move(files);
  int fails = 0, warns = 0;
  for (const auto& f : doctor::Check(host, c)) {
    std::fprintf(out, "%-4s  %s: %s\n",
                 std::string(doctor::VerdictName(f.verdict)).c_str(),
                 f.item.c_str(), f.detail.c_str());
    if (!f.fix.empty()) std::fprintf(out, "      fix: %s\n", f.fix.c_str());
    fails += f.verdict == doctor::Verdict::kFail;
    warns += f.verdict == doctor::Verdict::kWarn;
  }
  std::fprintf(out, "pmdcon doctor: %d %s that would stop pmdcon, %d %s\n",
               fails, fails == 1 ? "problem" : "problems", warns,
               warns == 1 ? "warning" : "warnings");
  return fails ? 1 : 0;
}

}  // namespace pmdcon::app
