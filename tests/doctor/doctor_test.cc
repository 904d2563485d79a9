#include "doctor/doctor.h"

#include <optional>
#include <string>

#include "gtest/gtest.h"

namespace pmdcon::doctor {
namespace {

// A host that has everything the default configuration needs.
Host Good() {
  Host h;
  h.kernel_release = "6.12.95+deb12-amd64";
  h.cmdline =
      "root=/dev/sda1 reserve_mem=16M:4096:pmdcon ignore_loglevel "
      "isolcpus=1";
  h.console_loglevel = 4;
  h.module_loaded = true;
  h.module_params = {{"mem_name", "pmdcon"},
                     {"fallback", "+6665@10.0.0.1/eth0,6666@10.0.0.2/"}};
  h.ring = "reserve_mem adopted";
  h.source = Host::Node{true, 0600};
  h.cpus_online = "0-3";
  h.cpus_isolated = "1";
  return h;
}

config::Config Default() {
  config::Config c;
  c.eal.vdevs = {"net_af_packet0,iface=eth1"};
  config::Target t;
  t.name = "t";
  c.targets.push_back(t);
  return c;
}

// A copy: callers pass Check's result, a temporary.
std::optional<Finding> Find(const std::vector<Finding>& fs,
                            const std::string& item) {
  for (const auto& f : fs) {
    if (f.item == item) return f;
  }
  return std::nullopt;
}

bool AnyFail(const std::vector<Finding>& fs) {
  for (const auto& f : fs) {
    if (f.verdict == Verdict::kFail) return true;
  }
  return false;
}

TEST(Doctor, HealthyHostHasNoProblem) {
  Host h = Good();
  h.interfaces["eth1"] = "up";
  const auto fs = Check(h, Default());
  for (const auto& f : fs) {
    EXPECT_EQ(f.verdict, Verdict::kOk) << f.item << ": " << f.detail;
    EXPECT_TRUE(f.fix.empty()) << f.item;
  }
  const auto mem = Find(fs, "reserved memory");
  ASSERT_NE(mem, std::nullopt);
  EXPECT_NE(mem->detail.find("reserve_mem=16M:4096:pmdcon"), std::string::npos);
  const auto mod = Find(fs, "module");
  ASSERT_NE(mod, std::nullopt);
  EXPECT_NE(mod->detail.find("previous boot"), std::string::npos);
}

TEST(Doctor, NoReservationWarnsWithTheFixForTheKernel) {
  Host h = Good();
  h.cmdline = "ignore_loglevel";
  h.ring = "allocated new";
  auto f = Find(Check(h, Default()), "reserved memory");
  ASSERT_NE(f, std::nullopt);
  EXPECT_EQ(f->verdict, Verdict::kWarn);
  EXPECT_NE(f->fix.find("reserve_mem=16M:4096:pmdcon"), std::string::npos);
  h.kernel_release = "6.1.0-56-amd64";  // reserve_mem needs 6.12
  f = Find(Check(h, Default()), "reserved memory");
  ASSERT_NE(f, std::nullopt);
  // As /etc/default/grub needs it (tests/tools/doctor_test.sh sources it).
  EXPECT_NE(f->fix.find(R"(memmap=16M\\\$0x40000000)"), std::string::npos)
      << f->fix;
  EXPECT_NE(f->fix.find("mem_address=0x40000000"), std::string::npos);
}

TEST(Doctor, ReserveMemOnAnOldKernelIsIgnored) {
  Host h = Good();
  h.kernel_release = "6.1.0-56-amd64";
  const auto f = Find(Check(h, Default()), "reserved memory");
  ASSERT_NE(f, std::nullopt);
  EXPECT_EQ(f->verdict, Verdict::kWarn);
  EXPECT_NE(f->detail.find("needs Linux 6.12"), std::string::npos);
}

TEST(Doctor, ReservationTheModuleDidNotUse) {
  Host h = Good();
  h.ring = "allocated new";
  const auto f = Find(Check(h, Default()), "reserved memory");
  ASSERT_NE(f, std::nullopt);
  EXPECT_EQ(f->verdict, Verdict::kWarn);
  EXPECT_NE(f->fix.find("options pmdcon mem_name=pmdcon"), std::string::npos);
}

TEST(Doctor, MemmapOnAnyKernel) {
  Host h = Good();
  h.kernel_release = "6.1.0-56-amd64";
  h.cmdline = "memmap=16M$0x40000000 ignore_loglevel";
  h.ring = "memmap new";
  const auto f = Find(Check(h, Default()), "reserved memory");
  ASSERT_NE(f, std::nullopt);
  EXPECT_EQ(f->verdict, Verdict::kOk);
  EXPECT_NE(f->detail.find("the ring is in it"), std::string::npos);
}

TEST(Doctor, NamesTheReservationTheRingIsIn) {
  Host h = Good();
  h.cmdline = "reserve_mem=16M:4096:pmdcon memmap=16M$0x40000000";
  h.ring = "memmap new";
  auto f = Find(Check(h, Default()), "reserved memory");
  ASSERT_NE(f, std::nullopt);
  EXPECT_EQ(f->verdict, Verdict::kOk);
  EXPECT_EQ(f->detail.rfind("memmap=16M$0x40000000:", 0), 0u) << f->detail;
  h.ring = "reserve_mem new";
  f = Find(Check(h, Default()), "reserved memory");
  EXPECT_EQ(f->detail.rfind("reserve_mem=16M:4096:pmdcon:", 0), 0u)
      << f->detail;
  // A ring attribute the command line does not explain (a tree standing in
  // for a host may say anything): the reservation that is there is named.
  h.cmdline = "memmap=16M$0x40000000";
  f = Find(Check(h, Default()), "reserved memory");
  EXPECT_EQ(f->detail.rfind("memmap=16M$0x40000000:", 0), 0u) << f->detail;
}

TEST(Doctor, ConsoleLogLevelBelowTheTargetsLevels) {
  Host h = Good();
  h.cmdline = "reserve_mem=16M:4096:pmdcon";
  h.console_loglevel = 4;
  auto f = Find(Check(h, Default()), "console log level");
  ASSERT_NE(f, std::nullopt);
  EXPECT_EQ(f->verdict, Verdict::kWarn);
  EXPECT_NE(f->fix.find("dmesg -n 8"), std::string::npos);
  h.console_loglevel = 8;
  f = Find(Check(h, Default()), "console log level");
  EXPECT_EQ(f->verdict, Verdict::kOk);
  // Targets that send only up to warning (4) are served by level 5.
  config::Config c = Default();
  c.targets[0].max_level = 4;
  h.console_loglevel = 5;
  f = Find(Check(h, c), "console log level");
  EXPECT_EQ(f->verdict, Verdict::kOk);
}

TEST(Doctor, ModuleMissingStopsPmdcon) {
  Host h = Good();
  h.module_loaded = false;
  h.module_params.clear();
  h.ring.reset();
  h.source.reset();
  const auto fs = Check(h, Default());
  EXPECT_TRUE(AnyFail(fs));
  const auto f = Find(fs, "module");
  ASSERT_NE(f, std::nullopt);
  EXPECT_EQ(f->verdict, Verdict::kFail);
  EXPECT_NE(f->fix.find("modprobe pmdcon"), std::string::npos);
  const auto d = Find(fs, "/dev/pmdcon");
  ASSERT_NE(d, std::nullopt);
  EXPECT_EQ(d->verdict, Verdict::kFail);
}

TEST(Doctor, NoFallbackWarns) {
  Host h = Good();
  h.module_params["fallback"] = "(null)";
  const auto f = Find(Check(h, Default()), "fallback");
  ASSERT_NE(f, std::nullopt);
  EXPECT_EQ(f->verdict, Verdict::kWarn);
}

TEST(Doctor, DevicePermissions) {
  Host h = Good();
  h.source = Host::Node{true, 0666};
  auto f = Find(Check(h, Default()), "/dev/pmdcon");
  ASSERT_NE(f, std::nullopt);
  EXPECT_EQ(f->verdict, Verdict::kWarn);
  EXPECT_NE(f->detail.find("0666"), std::string::npos);
  EXPECT_NE(f->fix.find("chmod 0600 /dev/pmdcon"), std::string::npos);
  h.source = Host::Node{false, 0600};
  f = Find(Check(h, Default()), "/dev/pmdcon");
  EXPECT_EQ(f->verdict, Verdict::kFail);
}

Host::PciDevice Pci(std::string driver, std::optional<std::string> group) {
  return {std::move(driver), "8086:100e", std::move(group)};
}

bool Has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(Doctor, NicBindings) {
  Host h = Good();
  config::Config c = Default();
  c.eal.vdevs.clear();
  c.eal.pci_allow = {"0000:01:00.0", "0000:02:00.0", "0000:03:00.0",
                     "0000:04:00.0"};
  h.pci = {{"0000:01:00.0", Pci("vfio-pci", "7")},
           {"0000:02:00.0", Pci("ixgbe", "8")},
           {"0000:03:00.0", Pci("", "9")},
           {"0000:04:00.0", std::nullopt}};
  const auto fs = Check(h, c);
  EXPECT_EQ(Find(fs, "NIC 0000:01:00.0")->verdict, Verdict::kOk);
  const auto kernel = Find(fs, "NIC 0000:02:00.0");
  EXPECT_EQ(kernel->verdict, Verdict::kFail);
  EXPECT_NE(kernel->fix.find("dpdk-devbind.py --bind=vfio-pci 0000:02:00.0"),
            std::string::npos);
  EXPECT_EQ(Find(fs, "NIC 0000:03:00.0")->verdict, Verdict::kFail);
  EXPECT_EQ(Find(fs, "NIC 0000:04:00.0")->verdict, Verdict::kFail);
  EXPECT_EQ(Find(fs, "IOMMU"), std::nullopt);  // every device has a group
}

TEST(Doctor, VfioWithAGroupIsOk) {
  Host h = Good();
  h.pci = {{"0000:00:05.0", Pci("vfio-pci", "12")}};
  const auto fs = CheckNics(h);
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_EQ(fs[0].item, "NIC 0000:00:05.0");
  EXPECT_EQ(fs[0].verdict, Verdict::kOk);
  EXPECT_EQ(fs[0].detail, "bound to vfio-pci for DPDK (IOMMU group 12)");
  EXPECT_TRUE(fs[0].fix.empty());
}

TEST(Doctor, VfioWithoutAGroupFails) {
  Host h = Good();
  h.pci = {{"0000:00:05.0", Pci("vfio-pci", std::nullopt)}};
  const auto f = Find(CheckNics(h), "NIC 0000:00:05.0");
  ASSERT_NE(f, std::nullopt);
  EXPECT_EQ(f->verdict, Verdict::kFail);
  EXPECT_TRUE(Has(f->detail, "no IOMMU group")) << f->detail;
  EXPECT_TRUE(Has(f->fix, "intel_iommu=on")) << f->fix;
}

TEST(Doctor, UioIsOkWithoutIsolation) {
  for (const std::string driver : {"uio_pci_generic", "igb_uio"}) {
    Host h = Good();
    h.pci = {{"0000:00:05.0", Pci(driver, std::nullopt)}};
    const auto fs = CheckNics(h);
    ASSERT_EQ(fs.size(), 1u) << driver;  // no IOMMU finding: it needs none
    EXPECT_EQ(fs[0].verdict, Verdict::kOk);
    EXPECT_TRUE(Has(fs[0].detail, "bound to " + driver + " for DPDK"));
    EXPECT_TRUE(Has(fs[0].detail, "no IOMMU isolation")) << fs[0].detail;
    EXPECT_TRUE(Has(fs[0].detail, "vfio-pci behind an IOMMU is safer"));
  }
}

TEST(Doctor, KernelDriverWithAGroupIsToldToBindVfio) {
  Host h = Good();
  h.pci = {{"0000:00:05.0", Pci("e1000", "3")}};
  const auto fs = CheckNics(h);
  ASSERT_EQ(fs.size(), 1u);
  const Finding& f = fs[0];
  EXPECT_EQ(f.verdict, Verdict::kFail);
  EXPECT_TRUE(Has(f.detail, "bound to the kernel's e1000")) << f.detail;
  EXPECT_TRUE(Has(f.fix,
                  "modprobe vfio-pci; echo vfio-pci > "
                  "/sys/bus/pci/devices/0000:00:05.0/driver_override; "
                  "echo 0000:00:05.0 > /sys/bus/pci/devices/"
                  "0000:00:05.0/driver/unbind; echo 0000:00:05.0 > "
                  "/sys/bus/pci/drivers_probe"))
      << f.fix;
  EXPECT_TRUE(Has(f.fix, "dpdk-devbind.py --bind=vfio-pci 0000:00:05.0"));
  EXPECT_TRUE(Has(f.fix, "net_af_packet0,iface=IFACE")) << f.fix;
}

TEST(Doctor, KernelDriverWithoutAGroupNeedsAnIommu) {
  Host h = Good();
  h.pci = {{"0000:00:05.0", Pci("e1000", std::nullopt)}};
  const auto fs = CheckNics(h);
  ASSERT_EQ(fs.size(), 2u);
  const auto nic = Find(fs, "NIC 0000:00:05.0");
  ASSERT_NE(nic, std::nullopt);
  EXPECT_EQ(nic->verdict, Verdict::kFail);
  EXPECT_FALSE(Has(nic->fix, "driver_override")) << nic->fix;
  EXPECT_TRUE(Has(nic->fix, "net_af_packet0,iface=IFACE")) << nic->fix;
  const auto iommu = Find(fs, "IOMMU");
  ASSERT_NE(iommu, std::nullopt);
  EXPECT_EQ(iommu->verdict, Verdict::kFail);
  EXPECT_TRUE(Has(iommu->detail, "0000:00:05.0 has no IOMMU group"))
      << iommu->detail;
  EXPECT_TRUE(Has(iommu->fix, "intel_iommu=on iommu=pt")) << iommu->fix;
  EXPECT_TRUE(Has(iommu->fix, "amd_iommu=on")) << iommu->fix;
  EXPECT_TRUE(Has(iommu->fix,
                  "modprobe uio_pci_generic; echo uio_pci_generic "
                  "> /sys/bus/pci/devices/0000:00:05.0/"
                  "driver_override; echo 0000:00:05.0 > "
                  "/sys/bus/pci/devices/0000:00:05.0/driver/"
                  "unbind"))
      << iommu->fix;
}

TEST(Doctor, UnboundWithoutAGroup) {
  Host h = Good();
  h.pci = {{"0000:00:05.0", Pci("", std::nullopt)}};
  const auto fs = CheckNics(h);
  ASSERT_EQ(fs.size(), 2u);
  EXPECT_EQ(fs[0].item, "NIC 0000:00:05.0");
  EXPECT_EQ(fs[0].verdict, Verdict::kFail);
  EXPECT_EQ(fs[0].detail, "no driver is bound");
  EXPECT_EQ(fs[1].item, "IOMMU");
  EXPECT_EQ(fs[1].verdict, Verdict::kFail);
  EXPECT_TRUE(Has(fs[1].fix, "uio_pci_generic")) << fs[1].fix;
  // Nothing is bound, so there is nothing to unbind.
  EXPECT_FALSE(Has(fs[1].fix, "unbind")) << fs[1].fix;
}

TEST(Doctor, UnboundWithAGroupIsToldToBindVfio) {
  Host h = Good();
  h.pci = {{"0000:00:05.0", Pci("", "4")}};
  const auto fs = CheckNics(h);
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_EQ(fs[0].verdict, Verdict::kFail);
  EXPECT_TRUE(Has(fs[0].fix,
                  "echo vfio-pci > /sys/bus/pci/devices/"
                  "0000:00:05.0/driver_override"))
      << fs[0].fix;
  EXPECT_FALSE(Has(fs[0].fix, "unbind")) << fs[0].fix;
  EXPECT_TRUE(Has(fs[0].fix, "dpdk-devbind.py --bind=vfio-pci 0000:00:05.0"));
}

TEST(Doctor, MissingDevice) {
  Host h = Good();
  h.pci = {{"0000:ff:1f.7", std::nullopt}};
  const auto fs = CheckNics(h);
  ASSERT_EQ(fs.size(), 1u);  // no IOMMU finding for a device not there
  EXPECT_EQ(fs[0].item, "NIC 0000:ff:1f.7");
  EXPECT_EQ(fs[0].verdict, Verdict::kFail);
  EXPECT_EQ(fs[0].detail, "no such PCI device");
  // A fix that works on a minimal install (no pciutils): sysfs first.
  EXPECT_EQ(fs[0].fix.rfind("ls /sys/bus/pci/devices lists them", 0), 0u)
      << fs[0].fix;
}

TEST(Doctor, MellanoxIsBifurcated) {
  Host h = Good();
  h.pci = {{"0000:00:05.0", Pci("mlx5_core", std::nullopt)}};
  const auto fs = CheckNics(h);
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_EQ(fs[0].verdict, Verdict::kOk);
  EXPECT_TRUE(Has(fs[0].detail, "bifurcated"));
}

TEST(Doctor, CheckHoldsTheNicFindings) {
  Host h = Good();
  h.pci = {{"0000:00:05.0", Pci("e1000", std::nullopt)}};
  const auto all = Check(h, Default());
  for (const auto& f : CheckNics(h)) {
    const auto g = Find(all, f.item);
    ASSERT_NE(g, std::nullopt) << f.item;
    EXPECT_EQ(g->detail, f.detail);
  }
}

TEST(PciAddress, ShortFormsGetTheDomain) {
  EXPECT_EQ(PciAddress("00:05.0"), "0000:00:05.0");
  EXPECT_EQ(PciAddress("0000:00:05.0"), "0000:00:05.0");
  EXPECT_EQ(PciAddress("0001:3b:00.1"), "0001:3b:00.1");
}

TEST(Doctor, KernelInterfacesForAfPacketAndAfXdp) {
  config::Config c = Default();
  c.eal.vdevs = {"net_af_packet0,iface=eth1,qpairs=1", "net_null0",
                 "net_af_xdp0,iface=eth2"};
  EXPECT_EQ(Interfaces(c), (std::vector<std::string>{"eth1", "eth2"}));
  Host h = Good();
  h.interfaces = {{"eth1", "down"}, {"eth2", std::nullopt}};
  const auto fs = Check(h, c);
  EXPECT_EQ(Find(fs, "interface eth1")->verdict, Verdict::kWarn);
  EXPECT_EQ(Find(fs, "interface eth1")->fix, "ip link set eth1 up");
  EXPECT_EQ(Find(fs, "interface eth2")->verdict, Verdict::kFail);
}

TEST(Doctor, Hugepages) {
  config::Config c = Default();
  c.eal.hugepages = true;
  c.eal.memory_mb = 256;
  Host h = Good();
  h.interfaces["eth1"] = "up";
  EXPECT_EQ(Find(Check(h, c), "hugepages")->verdict, Verdict::kFail);
  h.hugetlbfs_mounted = true;
  h.hugepage_kb = 2048;
  h.hugepages_free = 64;  // 128 MiB
  auto f = Find(Check(h, c), "hugepages");
  EXPECT_EQ(f->verdict, Verdict::kFail);
  EXPECT_NE(f->fix.find("echo 128 > /sys/kernel/mm/hugepages/hugepages-2048kB/"
                        "nr_hugepages"),
            std::string::npos);
  h.hugepages_free = 128;
  EXPECT_EQ(Find(Check(h, c), "hugepages")->verdict, Verdict::kOk);
}

TEST(Doctor, TxLcore) {
  Host h = Good();
  h.cpus_isolated = "";
  auto f = Find(Check(h, Default()), "TX lcore 1");
  ASSERT_NE(f, std::nullopt);
  EXPECT_EQ(f->verdict, Verdict::kWarn);
  EXPECT_NE(f->fix.find("isolcpus=1 nohz_full=1 rcu_nocbs=1"),
            std::string::npos);
  h.cpus_online = "0";
  f = Find(Check(h, Default()), "TX lcore 1");
  EXPECT_EQ(f->verdict, Verdict::kFail);
}

TEST(Doctor, FileSourceNeedsNoModule) {
  config::Config c = Default();
  c.source.type = config::SourceType::kFile;
  c.source.path = "/var/tmp/ring";
  Host h;
  h.source = Host::Node{false, 0644};
  h.cpus_online = "0-1";
  h.interfaces["eth1"] = "up";
  const auto fs = Check(h, c);
  EXPECT_EQ(Find(fs, "module")->verdict, Verdict::kOk);
  EXPECT_EQ(Find(fs, "reserved memory"), std::nullopt);
  EXPECT_EQ(Find(fs, "/var/tmp/ring")->verdict, Verdict::kOk);
}

TEST(CpuList, Ranges) {
  EXPECT_TRUE(InCpuList("0-3,8,10-11", 0));
  EXPECT_TRUE(InCpuList("0-3,8,10-11", 3));
  EXPECT_TRUE(InCpuList("0-3,8,10-11", 8));
  EXPECT_TRUE(InCpuList("0-3,8,10-11", 11));
  EXPECT_FALSE(InCpuList("0-3,8,10-11", 9));
  EXPECT_FALSE(InCpuList("", 0));
  EXPECT_FALSE(InCpuList("x", 0));
  EXPECT_TRUE(InCpuList("5\n", 5));
}

}  // namespace
}  // namespace pmdcon::doctor
