#include "doctor/host.h"

#include <sys/stat.h>
#include <sys/utsname.h>

#include <filesystem>
#include <optional>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "io/system.h"

namespace pmdcon::doctor {
namespace {

namespace fs = std::filesystem;

// The file without its trailing newline; nullopt when it is not there.
std::optional<std::string> Read(const fs::path& p) {
  auto text = io::ReadText(p);
  if (!text.ok()) return std::nullopt;
  return std::string(absl::StripTrailingAsciiWhitespace(*text));
}

// "/sys" under root: "/" + "sys" or "/tmp/fake" + "sys".
fs::path Under(const std::string& root, std::string_view path) {
  return fs::path(root) / fs::path(path).relative_path();
}

uint64_t MeminfoField(absl::string_view meminfo, absl::string_view key) {
  for (absl::string_view line : absl::StrSplit(meminfo, '\n')) {
    if (absl::ConsumePrefix(&line, key) && absl::ConsumePrefix(&line, ":")) {
      std::vector<absl::string_view> w =
          absl::StrSplit(line, ' ', absl::SkipEmpty());
      uint64_t v = 0;
      if (!w.empty() && absl::SimpleAtoi(w[0], &v)) return v;
    }
  }
  return 0;
}

}  // namespace

Host ReadHost(const std::string& root, const config::Config& c) {
  Host h;
  std::error_code ec;
  if (auto r = Read(Under(root, "/proc/sys/kernel/osrelease"))) {
    h.kernel_release = *r;
  } else if (struct utsname u; root == "/" && uname(&u) == 0) {
    h.kernel_release = u.release;
  }
  h.cmdline = Read(Under(root, "/proc/cmdline")).value_or("");
  if (auto p = Read(Under(root, "/proc/sys/kernel/printk"))) {
    std::vector<absl::string_view> w =
        absl::StrSplit(*p, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    int level = 0;
    if (!w.empty() && absl::SimpleAtoi(w[0], &level))
      h.console_loglevel = level;
  }
  const fs::path module = Under(root, "/sys/module/pmdcon");
  h.module_loaded = fs::is_directory(module, ec);
  for (const auto& e : fs::directory_iterator(module / "parameters", ec)) {
    h.module_params[e.path().filename()] = Read(e.path()).value_or("");
  }
  h.ring = Read(Under(root, "/sys/class/misc/pmdcon/ring"));
  struct stat st;
  if (stat(Under(root, c.source.path).c_str(), &st) == 0) {
    h.source = Host::Node{S_ISCHR(st.st_mode) != 0,
                          static_cast<uint32_t>(st.st_mode & 07777)};
  }
  for (const auto& allowed : c.eal.pci_allow) {
    const std::string addr = PciAddress(allowed);
    const fs::path dev = Under(root, "/sys/bus/pci/devices") / addr;
    std::optional<Host::PciDevice> pci;
    if (fs::exists(dev, ec)) {
      pci.emplace();
      // A link's target's basename: ../../../bus/pci/drivers/vfio-pci.
      if (auto d = fs::read_symlink(dev / "driver", ec); !ec)
        pci->driver = d.filename();
      if (auto g = fs::read_symlink(dev / "iommu_group", ec); !ec)
        pci->iommu_group = g.filename();
      const std::string vendor = Read(dev / "vendor").value_or("");
      const std::string device = Read(dev / "device").value_or("");
      pci->id = absl::StrCat(absl::StripPrefix(vendor, "0x"), ":",
                             absl::StripPrefix(device, "0x"));
    }
    h.pci[addr] = std::move(pci);
  }
  for (const auto& name : Interfaces(c)) {
    const fs::path net = Under(root, "/sys/class/net") / name;
    std::optional<std::string> state;
    if (fs::exists(net, ec))
      state = Read(net / "operstate").value_or("unknown");
    h.interfaces[name] = state;
  }
  const std::string meminfo = Read(Under(root, "/proc/meminfo")).value_or("");
  h.hugepages_free = MeminfoField(meminfo, "HugePages_Free");
  h.hugepage_kb = MeminfoField(meminfo, "Hugepagesize");
  for (absl::string_view line :
       absl::StrSplit(Read(Under(root, "/proc/mounts")).value_or(""), '\n')) {
    std::vector<absl::string_view> w = absl::StrSplit(line, ' ');
    if (w.size() > 2 && w[2] == "hugetlbfs") h.hugetlbfs_mounted = true;
  }
  const fs::path cpu = Under(root, "/sys/devices/system/cpu");
  h.cpus_online = Read(cpu / "online").value_or("");
  h.cpus_isolated = Read(cpu / "isolated").value_or("");
  h.cpus_nohz_full = Read(cpu / "nohz_full").value_or("");
  return h;
}

}  // namespace pmdcon::doctor
