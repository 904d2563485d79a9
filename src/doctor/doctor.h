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
  struct PciDevice {
    std::string driver;  // the bound driver's name; "" when none is
    std::string id;      // "8086:100e": vendor and device, without "0x"
    // The IOMMU group's number; nullopt without one (no IOMMU, or it is off),
    // when vfio-pci cannot take the device.
    std::optional<std::string> iommu_group;
  };
  // Full PCI address (PciAddress) -> the device, nullopt when there is no
  // such device; only the config's eal.pci_allow.
  std::map<std::string, std::optional<PciDevice>> pci;
  // Interface -> operstate ("up", "down", ...); only the config's vdevs'.
  std::map<std::string, std::optional<std::string>> interfaces;
  uint64_t hugepages_free = 0;
  uint64_t hugepage_kb = 0;
  bool hugetlbfs_mounted = false;
  std::string cpus_online;    // /sys/devices/system/cpu/online, a cpulist
  std::string cpus_isolated;  // /sys/devices/system/cpu/isolated
  std::string cpus_nohz_full;
  // EAL's driver directory (RTE_EAL_PMD_PATH) and the files in it; no
  // files: the directory could not be read.
  std::string pmd_dir;
  std::optional<std::vector<std::string>> pmd_files;
};

enum class Verdict { kOk, kWarn, kFail };

struct Finding {
  Verdict verdict;
  std::string item;    // "reserved memory"
  std::string detail;  // what was seen
  std::string fix;     // empty when kOk
};

// The interfaces the config's af_packet and af_xdp vdevs name (ReadHost
// fills Host::interfaces for them; Host::pci for eal.pci_allow).
std::vector<std::string> Interfaces(const config::Config& c);

// "00:05.0" -> "0000:00:05.0", the form sysfs and DPDK's port names use; a
// full address is returned as it is.
std::string PciAddress(std::string_view addr);

std::vector<Finding> Check(const Host& host, const config::Config& c);

// The findings for Host::pci alone, as Check makes them: one "NIC ADDR"
// finding per device, and an "IOMMU" kFail after each device that needs a
// DPDK driver but has no IOMMU group. pmdcon runs it before EAL starts and
// refuses a kFail.
std::vector<Finding> CheckNics(const Host& host);

// "0-3,8,10-11" -> whether cpu is in it; false on a malformed list.
bool InCpuList(std::string_view list, uint32_t cpu);

std::string_view VerdictName(Verdict v);  // "ok", "WARN", "FAIL"

}  // namespace pmdcon::doctor

#endif  // PMDCON_DOCTOR_DOCTOR_H_
