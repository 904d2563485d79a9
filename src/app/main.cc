// pmdcon: the poll-mode netconsole appliance.
//   pmdcon --config FILE          run (EAL, port, TX lcore, control loop)
//   pmdcon --check-config FILE    validate FILE without starting EAL
//   pmdcon doctor [--config FILE] check the host for FILE (default
//                                 /etc/pmdcon/pmdcon.yaml), print fixes
// Exit codes: 0 success, 1 runtime failure (doctor: a problem that would
// stop pmdcon), 2 bad command line or config, or a NIC of eal.pci_allow
// that DPDK cannot take (no such device, not on a DPDK driver, no IOMMU
// group for vfio-pci, or no poll-mode driver for it); the message names it.
#include <rte_build_config.h>

#include <cstdio>
#include <string>
#include <string_view>

#include "absl/flags/flag.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "app/appliance.h"
#include "cli/flags.h"
#include "common/strings.h"
#include "doctor/report.h"

ABSL_FLAG(std::string, config, "",
          "run with FILE: EAL, the port, the TX lcore, the control loop "
          "(SIGHUP reads FILE's targets again; SIGINT/SIGTERM send what the "
          "ring holds, exit 0); with doctor: the configuration to check "
          "(default /etc/pmdcon/pmdcon.yaml)");
ABSL_FLAG(std::string, check_config, "", "validate FILE without starting EAL");
ABSL_FLAG(std::string, root, "/",
          "doctor: check the host tree mounted here (an image, a chroot) "
          "instead of this host");

namespace {

constexpr std::string_view kTool = "pmdcon";
constexpr char kUsage[] =
    "pmdcon: a poll-mode netconsole (man pmdcon, man pmdcon.yaml)\n"
    "usage: pmdcon --config FILE | --check-config FILE |\n"
    "       pmdcon doctor [--config FILE] [--root DIR]\n"
    "exit codes: 0 success; 1 runtime failure (doctor: a problem that\n"
    "would stop pmdcon); 2 a bad command line or configuration, or a NIC\n"
    "DPDK cannot take (the message names it)";

[[noreturn]] void Usage(std::string_view why) {
  pmdcon::cli::Die(kTool,
                   absl::InvalidArgumentError(
                       absl::StrCat(pmdcon::AsAbsl(why), " (see --help)")),
                   2);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace pmdcon;
  // "doctor" comes first; the flags follow either way.
  const bool doctor = argc > 1 && std::string_view(argv[1]) == "doctor";
  if (doctor) {
    argv[1] = argv[0];
    ++argv;
    --argc;
  }
  cli::ParseFlags(argc, argv, kTool, kUsage);
  std::string path = absl::GetFlag(FLAGS_config);
  const std::string check = absl::GetFlag(FLAGS_check_config);
  const std::string root = absl::GetFlag(FLAGS_root);
  if (!check.empty() && doctor)
    Usage("doctor takes --config, not --check-config");
  if (!check.empty() && !path.empty()) Usage("give one configuration file");
  if (root != "/" && !doctor) Usage("--root is for pmdcon doctor");
  if (!check.empty()) path = check;
  if (path.empty() && doctor) path = "/etc/pmdcon/pmdcon.yaml";
  if (path.empty()) Usage("--config FILE or --check-config FILE is required");
  absl::StatusOr<config::Config> c = app::Load(path);
  if (!c.ok()) cli::Die(kTool, c.status(), 2);
  // EAL's driver directory is DPDK's build's to say: read here.
  if (doctor) return pmdcon::doctor::Report(*c, root, RTE_EAL_PMD_PATH, stdout);
  if (!check.empty()) {
    std::printf("%s: OK (%zu targets, source %s %s)\n", path.c_str(),
                c->targets.size(),
                std::string(config::SourceTypeName(c->source.type)).c_str(),
                c->source.path.c_str());
    return 0;
  }
  return app::Run(*c, path);
}
