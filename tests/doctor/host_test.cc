// doctor::ReadHost over a fake /sys: the PCI facts of eal.pci_allow's devices.
#include "doctor/host.h"

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include "gtest/gtest.h"

namespace pmdcon::doctor {
namespace {

namespace fs = std::filesystem;

class FakeRoot : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "host_test.XXXXXX");
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    root_ = tmpl;
  }
  void TearDown() override { fs::remove_all(root_); }

  // A device directory as the kernel shows it; the links are relative, as
  // sysfs's are, and their targets need not exist.
  void Device(const std::string& addr, const char* driver, const char* group) {
    const fs::path dev = root_ / "sys/bus/pci/devices" / addr;
    fs::create_directories(dev);
    std::ofstream(dev / "vendor") << "0x8086\n";
    std::ofstream(dev / "device") << "0x100e\n";
    if (driver) {
      fs::create_directory_symlink(
          fs::path("../../../bus/pci/drivers") / driver, dev / "driver");
    }
    if (group) {
      fs::create_directory_symlink(
          fs::path("../../../kernel/iommu_groups") / group,
          dev / "iommu_group");
    }
  }

  fs::path root_;
};

TEST_F(FakeRoot, ReadsDriverIdAndIommuGroup) {
  Device("0000:00:05.0", "vfio-pci", "12");
  Device("0000:00:06.0", nullptr, nullptr);
  config::Config c;
  // The short form is the same device as its full form.
  c.eal.pci_allow = {"00:05.0", "0000:00:06.0", "0000:ff:1f.7"};
  const Host h = ReadHost(root_.string(), c);
  ASSERT_EQ(h.pci.size(), 3u);

  const auto& vfio = h.pci.at("0000:00:05.0");
  ASSERT_TRUE(vfio.has_value());
  EXPECT_EQ(vfio->driver, "vfio-pci");
  EXPECT_EQ(vfio->id, "8086:100e");
  EXPECT_EQ(vfio->iommu_group, "12");

  const auto& bare = h.pci.at("0000:00:06.0");
  ASSERT_TRUE(bare.has_value());
  EXPECT_EQ(bare->driver, "");
  EXPECT_EQ(bare->id, "8086:100e");
  EXPECT_EQ(bare->iommu_group, std::nullopt);

  EXPECT_EQ(h.pci.at("0000:ff:1f.7"), std::nullopt);
}

}  // namespace
}  // namespace pmdcon::doctor
