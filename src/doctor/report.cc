#include "doctor/report.h"

#include <filesystem>

#include "doctor/doctor.h"
#include "doctor/host.h"

namespace pmdcon::doctor {

int Report(const config::Config& c, const std::string& root,
           const std::string& pmd_dir, FILE* out) {
  Host host = ReadHost(root, c);
  host.pmd_dir = pmd_dir;
  std::error_code ec;
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(
           std::filesystem::path(root) / host.pmd_dir.substr(1), ec)) {
    files.push_back(e.path().filename().string());
  }
  if (!ec) host.pmd_files = std::move(files);
  int fails = 0, warns = 0;
  for (const auto& f : Check(host, c)) {
    std::fprintf(out, "%-4s  %s: %s\n",
                 std::string(VerdictName(f.verdict)).c_str(), f.item.c_str(),
                 f.detail.c_str());
    if (!f.fix.empty()) std::fprintf(out, "      fix: %s\n", f.fix.c_str());
    fails += f.verdict == Verdict::kFail;
    warns += f.verdict == Verdict::kWarn;
  }
  std::fprintf(out, "pmdcon doctor: %d %s that would stop pmdcon, %d %s\n",
               fails, fails == 1 ? "problem" : "problems", warns,
               warns == 1 ? "warning" : "warnings");
  return fails ? 1 : 0;
}

}  // namespace pmdcon::doctor
