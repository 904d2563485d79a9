// The netconsole target syntax (include/pmdcon/nctarget.h), as the module's
// fallback= parameter takes it.
#include "pmdcon/nctarget.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

struct Parsed {
  int rc;
  pmdcon_nc_target t;
  std::string why;
};

Parsed Parse(const std::string& s) {
  Parsed p{};
  const char* why = "";
  p.rc = pmdcon_nc_parse(s.data(), s.size(), &p.t, &why);
  p.why = why;
  return p;
}

std::vector<std::string> Items(const char* param) {
  std::vector<std::string> out;
  const char* item;
  while (size_t n = pmdcon_nc_next(&param, &item)) out.emplace_back(item, n);
  return out;
}

TEST(NcTarget, FullForm) {
  Parsed p = Parse("+r6665@10.0.2.15/eth1,6666@10.0.2.2/52:55:0a:00:02:02");
  ASSERT_EQ(p.rc, 0) << p.why;
  EXPECT_EQ(p.t.extended, 1);
  EXPECT_EQ(p.t.release, 1);
  EXPECT_EQ(p.t.src_port, 6665);
  EXPECT_EQ(p.t.src_ip, 0x0a00020fu);
  EXPECT_STREQ(p.t.dev, "eth1");
  EXPECT_EQ(p.t.dst_port, 6666);
  EXPECT_EQ(p.t.dst_ip, 0x0a000202u);
  const uint8_t mac[6] = {0x52, 0x55, 0x0a, 0x00, 0x02, 0x02};
  EXPECT_EQ(0, memcmp(p.t.dst_mac, mac, 6));
}

TEST(NcTarget, DefaultsLikeNetconsole) {
  Parsed p = Parse("@/,@192.168.1.9/");
  ASSERT_EQ(p.rc, 0) << p.why;
  EXPECT_EQ(p.t.extended, 0);
  EXPECT_EQ(p.t.src_port, 6665);
  EXPECT_EQ(p.t.src_ip, 0u);
  EXPECT_STREQ(p.t.dev, "eth0");
  EXPECT_EQ(p.t.dst_port, 6666);
  EXPECT_EQ(p.t.dst_ip, 0xc0a80109u);
  for (uint8_t b : p.t.dst_mac) EXPECT_EQ(b, 0xff);
  // The target's '/' may be left out too.
  EXPECT_EQ(Parse("+@/eth2,514@10.1.2.3").rc, 0);
}

TEST(NcTarget, BadValuesNameThePart) {
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"r@/,@10.0.0.1/", "needs the extended format"},
      {"@/eth0", "no ','"},
      {"6665/eth0,@10.0.0.1/", "no '@' in the source"},
      {"70000@/,@10.0.0.1/", "bad source port"},
      {"0@/,@10.0.0.1/", "bad source port"},
      {"x@/,@10.0.0.1/", "bad source port"},
      {"@10.0.0.1,@10.0.0.2/", "no '/' before the device"},
      {"@10.0.0.256/,@10.0.0.1/", "bad source IPv4"},
      {"@10.0.0/,@10.0.0.1/", "bad source IPv4"},
      {"@/averyveryverylongname,@10.0.0.1/", "longer than 15"},
      {"@/eth0,6666", "no '@' in the target"},
      {"@/eth0,66x@10.0.0.1/", "bad target port"},
      {"@/eth0,@/", "target IPv4"},
      {"@/eth0,@0.0.0.0/", "target IPv4"},
      {"@/eth0,@fe80::1/", "target IPv4"},
      {"@/eth0,@10.0.0.1/52:55:0a:00:02", "bad target MAC"},
      {"@/eth0,@10.0.0.1/52:55:0a:00:02:0g", "bad target MAC"},
      {"@/eth0,@10.0.0.1/52-55-0a-00-02-02", "bad target MAC"},
  };
  for (const auto& [in, why] : bad) {
    Parsed p = Parse(in);
    EXPECT_EQ(p.rc, -EINVAL) << in;
    EXPECT_NE(p.why.find(why), std::string::npos) << in << ": " << p.why;
  }
}

TEST(NcTarget, SeveralTargets) {
  EXPECT_EQ(
      Items("+@/eth0,@10.0.0.1/;@/eth1,@10.0.0.2/"),
      (std::vector<std::string>{"+@/eth0,@10.0.0.1/", "@/eth1,@10.0.0.2/"}));
  EXPECT_EQ(Items(";;a;\n"), (std::vector<std::string>{"a"}));
  EXPECT_TRUE(Items("").empty());
}

}  // namespace
