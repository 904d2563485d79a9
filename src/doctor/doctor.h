// `pmdcon doctor`: what a host lacks for the configuration it would run.
// Pure: the caller reads the host (io::ReadHost) and prints the findings.
//   auto host = io::ReadHost("/");
//   for (const auto& f : doctor::Check(*host, config)) ...
// Each finding names the item, what was seen, and for a problem the exact
// fix. A kFail finding would stop pmdcon from working (the doctor exits
// non-zero); a kWarn one loses a guarantee (records across a reboot, all
// levels, latency) but pmdcon runs.
#ifndef PMDCON_DOCTOR_DOCTOR_H_
#define PMDCON_DOCTOR_DOCTOR_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"

namespace pmdcon::doctor {

// What the host shows. Unset optionals: the file was not there.
struct Host {
  std::string kernel_release;                        // uname -r
  std::string cmdline;                               // /proc/cmdline
  std::optional<int> console_loglevel;               // /proc/sys/kernel/printk
  bool module_loaded = false;                        // /sys/module/pmdcon
  std::map<std::string, std::string> module_params;  // its parameters/
  std::optional<std::string> ring;  // /sys/class/misc/pmdcon/ring
  struct Node {
    bool char_device = false;
    uint32_t mode = 0;  // permission bits
  };
  std::optional<Node> source;  // stat of the config's source path
  // PCI address -> bound driver ("" when none); only the config's devices.
  std::map<std::string, std::optional<std::string>> pci_drivers;
  // Interface -> operstate ("up", "down", ...); only the config's vdevs'.
  std::map<std::string, std::optional<std::string>> interfaces;
  uint64_t hugepages_free = 0;
  uint64_t hugepage_kb = 0;
  bool hugetlbfs_mounted = false;
  std::string cpus_online;    // /sys/devices/system/cpu/online, a cpulist
  std::string cpus_isolated;  // /sys/devices/system/cpu/isolated
  std::string cpus_nohz_full;
};

enum class Verdict { kOk, kWarn, kFail };

struct Finding {
  Verdict verdict;
  std::string item;    // "reserved memory"
  std::string detail;  // what was seen
  std::string fix;     // empty when kOk
};

// The interfaces the config's af_packet and af_xdp vdevs name (ReadHost
// fills Host::interfaces for them; Host::pci_drivers for eal.pci_allow).
std::vector<std::string> Interfaces(const config::Config& c);

std::vector<Finding> Check(const Host& host, const config::Config& c);

// "0-3,8,10-11" -> whether cpu is in it; false on a malformed list.
bool InCpuList(std::string_view list, uint32_t cpu);

std::string_view VerdictName(Verdict v);  // "ok", "WARN", "FAIL"

}  // namespace pmdcon::doctor

#endif  // PMDCON_DOCTOR_DOCTOR_H_
