// pmdcon: the poll-mode netconsole appliance.
//   pmdcon --config FILE          run (EAL, port, TX lcore, control loop)
//   pmdcon --check-config FILE    validate FILE without starting EAL
//   pmdcon doctor [--config FILE] check the host for FILE (default
//                                 /etc/pmdcon/pmdcon.yaml), print fixes
// Exit codes: 0 success, 1 runtime failure (doctor: a problem that would
// stop pmdcon), 2 bad command line or config, or a NIC of eal.pci_allow
// that DPDK cannot take (no such device, not on a DPDK driver, no IOMMU
// group for vfio-pci, or no poll-mode driver for it); the message names it.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/strings/str_cat.h"
#include "app/appliance.h"
#include "app/doctor.h"

namespace {

[[noreturn]] void Usage(const char* msg) {
  std::fprintf(stderr,
               "pmdcon: %s\n"
               "usage: pmdcon --config FILE | --check-config FILE |\n"
               "       pmdcon doctor [--config FILE]\n",
               msg);
  std::exit(2);
}

// --help: what the other tools print for theirs, on standard output.
[[noreturn]] void Help() {
  std::printf(
      "pmdcon: a poll-mode netconsole (man pmdcon, man pmdcon.yaml)\n"
      "usage: pmdcon --config FILE | --check-config FILE |\n"
      "       pmdcon doctor [--config FILE]\n"
      "  --config FILE        run: EAL, the port, the TX lcore, the control\n"
      "                       loop (SIGHUP reads FILE's targets again;\n"
      "                       SIGINT/SIGTERM send what the ring holds, exit "
      "0)\n"
      "  --check-config FILE  validate FILE without starting EAL\n"
      "  doctor [--config FILE]\n"
      "                       check this host for FILE (default\n"
      "                       /etc/pmdcon/pmdcon.yaml) and print fixes\n"
      "  --help               this text\n"
      "  --version            the version\n"
      "exit codes: 0 success; 1 runtime failure (doctor: a problem that\n"
      "would stop pmdcon); 2 a bad command line or configuration, or a NIC\n"
      "DPDK cannot take (the message names it)\n");
  std::exit(0);
}

}  // namespace

int main(int argc, char** argv) {
  std::string path, root = "/";
  enum class Mode { kRun, kCheck, kDoctor } mode = Mode::kRun;
  int first = 1;
  if (argc > 1 && std::string(argv[1]) == "doctor") {
    mode = Mode::kDoctor;
    first = 2;
  }
  for (int i = first; i < argc; ++i) {
    std::string a = argv[i], value;
    if (const size_t eq = a.find('='); eq != std::string::npos) {
      value = a.substr(eq + 1);  // --config=FILE
      a.resize(eq);
    } else if ((a == "--config" || a == "--check-config" || a == "--root") &&
               i + 1 < argc) {
      value = argv[++i];
    }
    if ((a == "--config" || (a == "--check-config" && mode != Mode::kDoctor)) &&
        !value.empty()) {
      if (!path.empty()) Usage("give one configuration file");
      if (a == "--check-config") mode = Mode::kCheck;
      path = value;
    } else if (a == "--root" && mode == Mode::kDoctor && !value.empty()) {
      root = value;  // tests: a tree standing in for /
    } else if (a == "--help" || a == "-h") {
      Help();
    } else if (a == "--version") {
      std::printf("pmdcon %s\n", PMDCON_VERSION);
      return 0;
    } else {
      Usage(absl::StrCat("unexpected argument \"", a, "\"").c_str());
    }
  }
  if (path.empty() && mode == Mode::kDoctor) path = "/etc/pmdcon/pmdcon.yaml";
  if (path.empty()) Usage("--config FILE or --check-config FILE is required");
  auto c = pmdcon::app::Load(path);
  if (!c.ok()) {
    std::fprintf(stderr, "pmdcon: %s\n",
                 std::string(c.status().message()).c_str());
    return 2;
  }
  if (mode == Mode::kDoctor) return pmdcon::app::Doctor(*c, root, stdout);
  if (mode == Mode::kCheck) {
    std::printf(
        "%s: OK (%zu targets, source %s %s)\n", path.c_str(), c->targets.size(),
        std::string(pmdcon::config::SourceTypeName(c->source.type)).c_str(),
        c->source.path.c_str());
    return 0;
  }
  return pmdcon::app::Run(*c, path);
}
