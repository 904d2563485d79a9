#include "doctor/doctor.h"

#include <algorithm>
#include <charconv>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace pmdcon::doctor {
namespace {

using config::SourceType;

Finding Ok(std::string item, std::string detail) {
  return {Verdict::kOk, std::move(item), std::move(detail), ""};
}
Finding Warn(std::string item, std::string detail, std::string fix) {
  return {Verdict::kWarn, std::move(item), std::move(detail), std::move(fix)};
}
Finding Fail(std::string item, std::string detail, std::string fix) {
  return {Verdict::kFail, std::move(item), std::move(detail), std::move(fix)};
}

std::vector<absl::string_view> Words(absl::string_view cmdline) {
  return absl::StrSplit(cmdline, absl::ByAnyChar(" \t\n"), absl::SkipEmpty());
}

// The value of each "key=value" word of the command line, in order.
std::vector<std::string> Params(absl::string_view cmdline,
                                absl::string_view key) {
  std::vector<std::string> out;
  for (absl::string_view w : Words(cmdline)) {
    if (absl::ConsumePrefix(&w, absl::StrCat(key, "="))) out.emplace_back(w);
  }
  return out;
}

bool HasWord(absl::string_view cmdline, absl::string_view word) {
  const auto words = Words(cmdline);
  return std::find(words.begin(), words.end(), word) != words.end();
}

// 6.12.95+deb12-amd64 -> 612; 0 when unreadable.
int KernelVersion(absl::string_view release) {
  std::vector<absl::string_view> parts =
      absl::StrSplit(release, absl::MaxSplits('.', 2));
  int major = 0, minor = 0;
  if (parts.size() < 2 || !absl::SimpleAtoi(parts[0], &major)) return 0;
  const auto* end = parts[1].data() + parts[1].size();
  std::from_chars(parts[1].data(), end, minor);
  return major * 100 + minor;
}

// A charp module parameter reads "(null)" when unset.
std::string Param(const Host& h, const std::string& name) {
  auto it = h.module_params.find(name);
  if (it == h.module_params.end() || it->second == "(null)") return "";
  return it->second;
}

absl::string_view NameOf(absl::string_view reserve) {  // "16M:4096:NAME"
  const size_t colon = reserve.rfind(':');
  return colon == absl::string_view::npos ? absl::string_view()
                                          : reserve.substr(colon + 1);
}

constexpr char kGrub[] =
    " to GRUB_CMDLINE_LINUX in /etc/default/grub, run update-grub and reboot";
// memmap= as written in /etc/default/grub: a shell reads the file ("$0"
// would expand to its name) and GRUB's own script reads the result ("$" is
// its variable sign too), so the '$' takes three backslashes there.
constexpr char kMemmapInGrub[] = "memmap=16M\\\\\\$0x40000000";
constexpr char kModprobe[] = "/etc/modprobe.d/pmdcon.conf";

void CheckMemory(const Host& h, std::vector<Finding>& out) {
  const std::string item = "reserved memory";
  const auto reserves = Params(h.cmdline, "reserve_mem");
  std::vector<std::string> memmaps;
  for (auto& m : Params(h.cmdline, "memmap")) {
    if (m.find('$') != std::string::npos) memmaps.push_back(m);
  }
  const bool new_kernel = KernelVersion(h.kernel_release) >= 612;
  const std::string ring_kind =
      h.ring ? h.ring->substr(0, h.ring->find(' ')) : "";
  if (reserves.empty() && memmaps.empty()) {
    out.push_back(Warn(
        item,
        "neither reserve_mem= nor memmap= is on the kernel command line: the "
        "ring is in ordinary memory, and records not yet sent do not survive "
        "a reboot",
        new_kernel
            ? absl::StrCat("add reserve_mem=16M:4096:pmdcon", kGrub,
                           "; then \"options pmdcon mem_name=pmdcon\" in ",
                           kModprobe)
            : absl::StrCat("add ", kMemmapInGrub,
                           " (16 MiB at 1 GiB, a range /proc/iomem does not "
                           "show as System RAM; the backslashes keep the '$' "
                           "through the shell and GRUB)",
                           kGrub,
                           "; then \"options pmdcon mem_address=0x40000000 "
                           "mem_size=0x1000000\" in ",
                           kModprobe)));
    return;
  }
  if (!reserves.empty() && memmaps.empty() && !new_kernel) {
    out.push_back(
        Warn(item,
             absl::StrCat("reserve_mem=", reserves[0],
                          " needs Linux 6.12 or later; ", h.kernel_release,
                          " ignores it"),
             absl::StrCat("add ", kMemmapInGrub, " in its place", kGrub,
                          "; then \"options pmdcon mem_address=0x40000000 "
                          "mem_size=0x1000000\" in ",
                          kModprobe)));
    return;
  }
  // The reservation the ring is in, if the module says; else the one it
  // can use on this kernel.
  const bool use_reserve =
      !reserves.empty() && (ring_kind == "reserve_mem" || memmaps.empty() ||
                            (ring_kind != "memmap" && new_kernel));
  const std::string seen = use_reserve
                               ? absl::StrCat("reserve_mem=", reserves[0])
                               : absl::StrCat("memmap=", memmaps[0]);
  if (!h.module_loaded || ring_kind.empty()) {
    out.push_back(Ok(item, absl::StrCat(seen,
                                        " on the kernel command line "
                                        "(the module, once loaded, "
                                        "shows whether it took)")));
  } else if (ring_kind == "allocated") {
    out.push_back(Warn(
        item,
        absl::StrCat(seen,
                     " is on the kernel command line, but the module's "
                     "ring is in ordinary memory"),
        !reserves.empty() && new_kernel
            ? absl::StrCat("\"options pmdcon mem_name=", NameOf(reserves[0]),
                           "\" in ", kModprobe,
                           ", then rmmod pmdcon; modprobe "
                           "pmdcon (with pmdcon stopped)")
            : absl::StrCat("\"options pmdcon mem_address=ADDRESS "
                           "mem_size=SIZE\" (memmap=SIZE$ADDRESS) in ",
                           kModprobe,
                           ", then rmmod pmdcon; modprobe pmdcon (with pmdcon "
                           "stopped)")));
  } else {
    out.push_back(
        Ok(item, absl::StrCat(seen, ": the ring is in it (", ring_kind, ")")));
  }
}

void CheckLogLevel(const Host& h, const config::Config& c,
                   std::vector<Finding>& out) {
  const std::string item = "console log level";
  if (HasWord(h.cmdline, "ignore_loglevel")) {
    out.push_back(Ok(item, "ignore_loglevel: every level reaches consoles"));
    return;
  }
  uint32_t max_level = 0;
  for (const auto& t : c.targets) {
    if (t.enabled) max_level = std::max(max_level, t.max_level);
  }
  if (!h.console_loglevel) {
    out.push_back(Warn(item, "cannot read /proc/sys/kernel/printk",
                       "check that /proc is mounted"));
  } else if (static_cast<uint32_t>(*h.console_loglevel) <= max_level) {
    out.push_back(Warn(
        item,
        absl::StrFormat("%d: records of level %d to %u never reach any "
                        "console, pmdcon's included, though the targets send "
                        "up to level %u",
                        *h.console_loglevel, *h.console_loglevel, max_level,
                        max_level),
        absl::StrCat("dmesg -n 8 now; for every boot, add ignore_loglevel",
                     kGrub)));
  } else {
    out.push_back(Ok(item, absl::StrFormat("%d: levels up to %u reach the "
                                           "console",
                                           *h.console_loglevel, max_level)));
  }
}

void CheckModule(const Host& h, std::vector<Finding>& out) {
  const std::string item = "module";
  if (!h.module_loaded) {
    out.push_back(Fail(item, "pmdcon is not loaded",
                       absl::StrCat("modprobe pmdcon (options: ", kModprobe,
                                    "; \"dkms status pmdcon\" shows whether "
                                    "it is built for this kernel)")));
    return;
  }
  std::string ring = "its ring is attached";
  if (h.ring) {
    const std::string origin = h.ring->substr(h.ring->find(' ') + 1);
    ring = origin == "adopted"      ? "its ring is the previous boot's (its "
                                      "unsent records go first)"
           : origin == "reattached" ? "its ring is this boot's, from an "
                                      "earlier load"
                                    : "its ring is new";
  }
  out.push_back(Ok(item, absl::StrCat("loaded; ", ring)));
  if (Param(h, "fallback").empty()) {
    out.push_back(
        Warn("fallback",
             "the module has no fallback= target: while pmdcon is down "
             "and when the kernel panics, nothing sends",
             absl::StrCat("\"options pmdcon fallback=+6665@SOURCE_IP/IFACE,"
                          "6666@COLLECTOR_IP/\" in ",
                          kModprobe, " (docs/crash-path.md)")));
  }
}

void CheckSource(const Host& h, const config::Config& c,
                 std::vector<Finding>& out) {
  const std::string item = c.source.path;
  if (!h.source) {
    out.push_back(
        Fail(item, "does not exist",
             c.source.type == SourceType::kDevice
                 ? "load the module; if it is loaded, udevadm trigger "
                   "--subsystem-match=misc (60-pmdcon.rules)"
                 : "set source.path to an existing file"));
  } else if (c.source.type != SourceType::kFile && !h.source->char_device) {
    out.push_back(Fail(item, "is not a character device",
                       "remove it and reload the module"));
  } else if (c.source.type == SourceType::kDevice &&
             (h.source->mode & 077) != 0) {
    out.push_back(Warn(
        item,
        absl::StrFormat("mode %04o: other users can read the kernel's log "
                        "(past dmesg_restrict) and write the consumer page",
                        h.source->mode & 07777),
        absl::StrCat("chmod 0600 ", item,
                     ", and find the udev rule that changes it "
                     "(the module creates it 0600)")));
  } else {
    out.push_back(
        Ok(item, absl::StrFormat("mode %04o", h.source->mode & 07777)));
  }
}

// Binds addr to a driver by driver_override, so that no other device with
// its id moves (dpdk-devbind.py does the same).
std::string BindCommands(const std::string& addr, const std::string& bound,
                         absl::string_view to) {
  const std::string dev = absl::StrCat("/sys/bus/pci/devices/", addr);
  return absl::StrCat(
      "modprobe ", to, "; echo ", to, " > ", dev, "/driver_override; ",
      bound.empty()
          ? ""
          : absl::StrCat("echo ", addr, " > ", dev, "/driver/unbind; "),
      "echo ", addr, " > /sys/bus/pci/drivers_probe");
}

// How to get an IOMMU group, or do without one.
std::string IommuFix(const std::string& addr, const std::string& bound) {
  return absl::StrCat("add intel_iommu=on iommu=pt (AMD: amd_iommu=on)", kGrub,
                      ", then bind it to vfio-pci; or, without an IOMMU: ",
                      BindCommands(addr, bound, "uio_pci_generic"),
                      " (no DMA isolation)");
}

void CheckNic(const std::string& addr,
              const std::optional<Host::PciDevice>& dev,
              std::vector<Finding>& out) {
  const std::string item = absl::StrCat("NIC ", addr);
  if (!dev) {
    // sysfs, not lspci: pciutils is not on a minimal install.
    out.push_back(Fail(item, "no such PCI device",
                       "ls /sys/bus/pci/devices lists them (with names: "
                       "lspci -D, from pciutils); set eal.pci_allow"));
    return;
  }
  const std::string& driver = dev->driver;
  if (driver == "vfio-pci") {
    if (dev->iommu_group) {
      out.push_back(Ok(item, absl::StrCat("bound to vfio-pci for DPDK (IOMMU "
                                          "group ",
                                          *dev->iommu_group, ")")));
    } else {
      out.push_back(Fail(item,
                         "bound to vfio-pci, but it has no IOMMU group (the "
                         "IOMMU is off or absent): vfio-pci cannot open it",
                         IommuFix(addr, driver)));
    }
    return;
  }
  if (driver == "uio_pci_generic" || driver == "igb_uio") {
    out.push_back(
        Ok(item, absl::StrCat("bound to ", driver,
                              " for DPDK; no IOMMU isolation (the NIC can DMA "
                              "anywhere in memory; vfio-pci behind an IOMMU is "
                              "safer)")));
    return;
  }
  if (driver == "mlx5_core" || driver == "mlx4_core") {
    out.push_back(Ok(item, absl::StrCat(driver,
                                        ": DPDK drives it beside "
                                        "the kernel (bifurcated)")));
    return;
  }
  // Unbound, or a kernel driver: it needs vfio-pci, which needs a group.
  const bool group = dev->iommu_group.has_value();
  const std::string devbind =
      absl::StrCat("dpdk-devbind.py --bind=vfio-pci ", addr);
  if (driver.empty()) {
    out.push_back(
        Fail(item, "no driver is bound",
             group ? absl::StrCat(BindCommands(addr, driver, "vfio-pci"),
                                  " (or ", devbind, ")")
                   : "it has no IOMMU group, so not vfio-pci: see IOMMU"));
  } else {
    constexpr char kKernel[] =
        "or leave it to the kernel: eal.vdevs net_af_packet0,iface=IFACE)";
    out.push_back(
        Fail(item,
             absl::StrCat("bound to the kernel's ", driver,
                          ": DPDK's PCI drivers cannot use it"),
             group ? absl::StrCat("ip link set IFACE down; ",
                                  BindCommands(addr, driver, "vfio-pci"),
                                  " (or ", devbind, "; ", kKernel)
                   : absl::StrCat("it has no IOMMU group, so not vfio-pci: "
                                  "ip link set IFACE down and bind it as "
                                  "IOMMU says (",
                                  kKernel)));
  }
  if (!group) {
    out.push_back(Fail("IOMMU",
                       absl::StrCat(addr,
                                    " has no IOMMU group (the IOMMU is off or "
                                    "absent), so vfio-pci cannot take it"),
                       IommuFix(addr, driver)));
  }
}

void CheckInterfaces(const Host& h, std::vector<Finding>& out) {
  for (const auto& [name, state] : h.interfaces) {
    const std::string item = absl::StrCat("interface ", name);
    if (!state) {
      out.push_back(Fail(item, "does not exist",
                         "ip link lists them; set iface= in eal.vdevs"));
    } else if (*state == "down") {
      out.push_back(
          Warn(item, "is down", absl::StrCat("ip link set ", name, " up")));
    } else {
      out.push_back(Ok(item, absl::StrCat(*state, ", left to the kernel")));
    }
  }
}

void CheckHugepages(const Host& h, const config::Config& c,
                    std::vector<Finding>& out) {
  const std::string item = "hugepages";
  if (!c.eal.hugepages) {
    out.push_back(Ok(item, "not used (eal.hugepages: false)"));
    return;
  }
  if (!h.hugetlbfs_mounted) {
    out.push_back(Fail(item, "no hugetlbfs is mounted",
                       "mount -t hugetlbfs nodev /dev/hugepages"));
    return;
  }
  const uint64_t need_kb = uint64_t{c.eal.memory_mb} * 1024;
  const uint64_t page_kb = h.hugepage_kb ? h.hugepage_kb : 2048;
  if (h.hugepages_free * page_kb < need_kb) {
    const uint64_t pages = (need_kb + page_kb - 1) / page_kb;
    out.push_back(Fail(
        item,
        absl::StrFormat("%u free of %u kB: %u MiB, eal.memory_mb asks %u",
                        h.hugepages_free, page_kb,
                        h.hugepages_free * page_kb / 1024, c.eal.memory_mb),
        absl::StrFormat("echo %u > /sys/kernel/mm/hugepages/hugepages-%ukB/"
                        "nr_hugepages (at boot: vm.nr_hugepages=%u in "
                        "/etc/sysctl.d/)",
                        pages, page_kb, pages)));
  } else {
    out.push_back(Ok(
        item, absl::StrFormat("%u free of %u kB", h.hugepages_free, page_kb)));
  }
}

void CheckLcore(const Host& h, const config::Config& c,
                std::vector<Finding>& out) {
  const uint32_t cpu = c.eal.tx_lcore;
  const std::string item = absl::StrCat("TX lcore ", cpu);
  if (!InCpuList(h.cpus_online, cpu)) {
    out.push_back(Fail(
        item, absl::StrCat("CPU ", cpu, " is not online (", h.cpus_online, ")"),
        "set eal.tx_lcore (and eal.lcores) to an online CPU"));
  } else if (!InCpuList(h.cpus_isolated, cpu)) {
    out.push_back(Warn(item,
                       absl::StrCat("CPU ", cpu,
                                    " is not isolated: other tasks share it "
                                    "and delay records"),
                       absl::StrCat("add isolcpus=", cpu, " nohz_full=", cpu,
                                    " rcu_nocbs=", cpu, kGrub)));
  } else {
    out.push_back(Ok(
        item,
        absl::StrCat("CPU ", cpu, " is isolated",
                     InCpuList(h.cpus_nohz_full, cpu) ? " (nohz_full)" : "")));
  }
}

// "key=value" options of a vdev spec: "net_af_packet0,iface=eth1,qpairs=1".
std::string VdevOption(absl::string_view vdev, absl::string_view key) {
  for (absl::string_view kv : absl::StrSplit(vdev, ',')) {
    if (absl::ConsumePrefix(&kv, absl::StrCat(key, "=")))
      return std::string(kv);
  }
  return "";
}

}  // namespace

std::vector<std::string> Interfaces(const config::Config& c) {
  std::vector<std::string> out;
  for (const auto& v : c.eal.vdevs) {
    if (v.rfind("net_af_packet", 0) == 0 || v.rfind("net_af_xdp", 0) == 0) {
      if (auto i = VdevOption(v, "iface"); !i.empty()) out.push_back(i);
    }
  }
  return out;
}

std::string PciAddress(std::string_view addr) {
  // Domain, bus, device.function: a short form has one ':'.
  if (std::count(addr.begin(), addr.end(), ':') == 1)
    return absl::StrCat("0000:", absl::string_view(addr.data(), addr.size()));
  return std::string(addr);
}

std::vector<Finding> CheckNics(const Host& host) {
  std::vector<Finding> out;
  for (const auto& [addr, dev] : host.pci) CheckNic(addr, dev, out);
  return out;
}

bool InCpuList(std::string_view list, uint32_t cpu) {
  for (absl::string_view range :
       absl::StrSplit(absl::string_view(list.data(), list.size()), ',',
                      absl::SkipWhitespace())) {
    range = absl::StripAsciiWhitespace(range);
    std::pair<absl::string_view, absl::string_view> lh =
        absl::StrSplit(range, absl::MaxSplits('-', 1));
    uint32_t lo = 0, hi = 0;
    if (!absl::SimpleAtoi(lh.first, &lo)) return false;
    hi = lo;
    if (!lh.second.empty() && !absl::SimpleAtoi(lh.second, &hi)) return false;
    if (cpu >= lo && cpu <= hi) return true;
  }
  return false;
}

// EAL loads its drivers as plugins from one directory: the mbuf pool's and
// one per vdev's driver (net_af_packet0 -> librte_net_af_packet).
// A missing one fails at run time only ("failed to parse device", "mbuf
// pool: Invalid argument"): here it is named, with its Debian package.
void CheckDrivers(const Host& h, const config::Config& c,
                  std::vector<Finding>& out) {
  const std::string item = "DPDK drivers";
  if (h.pmd_dir.empty()) return;  // not known (tests without one)
  if (!h.pmd_files) {
    out.push_back(Fail(item, absl::StrCat("cannot read ", h.pmd_dir),
                       "apt-get install librte-mempool-ring23 (and the "
                       "drivers the configuration names)"));
    return;
  }
  // "pmds-23.0" -> "23": Debian's package names carry the ABI.
  const size_t dash = h.pmd_dir.rfind('-');
  const std::string abi =
      dash == std::string::npos
          ? ""
          : h.pmd_dir.substr(dash + 1, h.pmd_dir.find('.', dash) - dash - 1);
  // (The buses come with the drivers that need them, as their libraries.)
  std::vector<std::string> need = {"mempool_ring"};
  for (const std::string& v : c.eal.vdevs) {
    std::string driver = v.substr(0, v.find(','));
    while (!driver.empty() &&
           absl::ascii_isdigit(static_cast<unsigned char>(driver.back()))) {
      driver.pop_back();
    }
    if (absl::StartsWith(driver, "eth_")) driver = "net_" + driver.substr(4);
    if (!driver.empty() &&
        std::find(need.begin(), need.end(), driver) == need.end()) {
      need.push_back(driver);
    }
  }
  std::vector<std::string> missing, packages;
  for (const std::string& d : need) {
    const std::string lib = absl::StrCat("librte_", d, ".so");
    const bool found = std::any_of(
        h.pmd_files->begin(), h.pmd_files->end(),
        [&](const std::string& f) { return absl::StartsWith(f, lib); });
    if (found) continue;
    missing.push_back(lib);
    std::string pkg = absl::StrCat("librte-", d);
    std::replace(pkg.begin(), pkg.end(), '_', '-');
    // Debian puts a '-' between a name ending in a digit and the ABI.
    if (absl::ascii_isdigit(static_cast<unsigned char>(pkg.back()))) {
      pkg += '-';
    }
    packages.push_back(pkg + abi);
  }
  if (missing.empty()) {
    out.push_back(
        Ok(item, absl::StrCat(absl::StrJoin(need, ", "), " in ", h.pmd_dir)));
    return;
  }
  out.push_back(Fail(
      item,
      absl::StrCat(absl::StrJoin(missing, ", "), " not in ", h.pmd_dir,
                   ": EAL cannot load ", missing.size() == 1 ? "it" : "them"),
      absl::StrCat("apt-get install ", absl::StrJoin(packages, " "))));
}

std::vector<Finding> Check(const Host& host, const config::Config& c) {
  std::vector<Finding> out;
  if (c.source.type == SourceType::kDevice) {
    CheckMemory(host, out);
    CheckLogLevel(host, c, out);
    CheckModule(host, out);
  } else {
    out.push_back(
        Ok("module",
           absl::StrCat("not needed: the source is ",
                        std::string(config::SourceTypeName(c.source.type)))));
  }
  CheckSource(host, c, out);
  for (auto& f : CheckNics(host)) out.push_back(std::move(f));
  CheckInterfaces(host, out);
  CheckHugepages(host, c, out);
  CheckLcore(host, c, out);
  CheckDrivers(host, c, out);
  return out;
}

std::string_view VerdictName(Verdict v) {
  switch (v) {
    case Verdict::kOk:
      return "ok";
    case Verdict::kWarn:
      return "WARN";
    case Verdict::kFail:
      return "FAIL";
  }
  return "?";
}

}  // namespace pmdcon::doctor
