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

std::vector<uint8_t> Ip(const uint8_t* a, size_t n) {
  return std::vector<uint8_t>(a, a + n);
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
  EXPECT_EQ(p.t.family, 4);
  EXPECT_EQ(Ip(p.t.src_ip, 16), (std::vector<uint8_t>{10, 0, 2, 15, 0, 0, 0, 0,
                                                      0, 0, 0, 0, 0, 0, 0, 0}));
  EXPECT_STREQ(p.t.dev, "eth1");
  EXPECT_EQ(p.t.dst_port, 6666);
  EXPECT_EQ(Ip(p.t.dst_ip, 4), (std::vector<uint8_t>{10, 0, 2, 2}));
  EXPECT_EQ(p.t.by_mac, 0);
  const uint8_t mac[6] = {0x52, 0x55, 0x0a, 0x00, 0x02, 0x02};
  EXPECT_EQ(0, memcmp(p.t.dst_mac, mac, 6));
}

TEST(NcTarget, DefaultsLikeNetconsole) {
  Parsed p = Parse("@/,@192.168.1.9/");
  ASSERT_EQ(p.rc, 0) << p.why;
  EXPECT_EQ(p.t.extended, 0);
  EXPECT_EQ(p.t.src_port, 6665);
  EXPECT_EQ(Ip(p.t.src_ip, 16), std::vector<uint8_t>(16, 0));
  EXPECT_STREQ(p.t.dev, "eth0");
  EXPECT_EQ(p.t.dst_port, 6666);
  EXPECT_EQ(Ip(p.t.dst_ip, 4), (std::vector<uint8_t>{192, 168, 1, 9}));
  for (uint8_t b : p.t.dst_mac) EXPECT_EQ(b, 0xff);
  // The target's '/' may be left out too.
  EXPECT_EQ(Parse("+@/eth2,514@10.1.2.3").rc, 0);
}

TEST(NcTarget, Ipv6LikeNetconsole) {
  Parsed p = Parse("+6665@fd00:99::1/eth0,6666@fd00:99::2/");
  ASSERT_EQ(p.rc, 0) << p.why;
  EXPECT_EQ(p.t.family, 6);
  const std::vector<uint8_t> src = {0xfd, 0, 0, 0x99, 0, 0, 0, 0,
                                    0,    0, 0, 0,    0, 0, 0, 1};
  EXPECT_EQ(Ip(p.t.src_ip, 16), src);
  EXPECT_EQ(p.t.dst_ip[15], 2);
  EXPECT_STREQ(p.t.dev, "eth0");
  // Every way of writing the groups, and the device's own address.
  const std::vector<std::pair<std::string, std::vector<uint8_t>>> forms = {
      {"::1", {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}},
      {"fe80::", {0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}},
      {"1:2:3:4:5:6:7:8", {0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 8}},
      {"1::7:8", {0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7, 0, 8}},
      {"ABCD:ef01::",
       {0xab, 0xcd, 0xef, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}},
  };
  for (const auto& [text, bytes] : forms) {
    Parsed q = Parse("@/eth0,@" + text + "/");
    ASSERT_EQ(q.rc, 0) << text << ": " << q.why;
    EXPECT_EQ(q.t.family, 6) << text;
    EXPECT_EQ(Ip(q.t.dst_ip, 16), bytes) << text;
  }
}

TEST(NcTarget, InterfaceByMac) {
  Parsed p = Parse("@/52:54:00:12:34:56,@10.0.0.1/");
  ASSERT_EQ(p.rc, 0) << p.why;
  EXPECT_EQ(p.t.by_mac, 1);
  const uint8_t mac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
  EXPECT_EQ(0, memcmp(p.t.dev_mac, mac, 6));
  EXPECT_STREQ(p.t.dev, "");
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
      {"@10.0.0.256/,@10.0.0.1/", "bad source IP"},
      {"@10.0.0/,@10.0.0.1/", "bad source IP"},
      {"@fd00::1::2/,@fd00::2/", "bad source IP"},
      {"@fd00::1/,@10.0.0.1/", "different families"},
      {"@10.0.0.2/,@fd00::1/", "different families"},
      {"@/averyveryverylongname,@10.0.0.1/", "longer than 15"},
      {"@/eth0,6666", "no '@' in the target"},
      {"@/eth0,66x@10.0.0.1/", "bad target port"},
      {"@/eth0,@/", "target IP"},
      {"@/eth0,@0.0.0.0/", "target IP"},
      {"@/eth0,@::/", "target IP"},
      {"@/eth0,@1:2:3:4:5:6:7:8:9/", "target IP"},
      {"@/eth0,@1:2:3:4:5:6:7/", "target IP"},
      {"@/eth0,@12345::1/", "target IP"},
      {"@/eth0,@fd00:::1/", "target IP"},
      {"@/eth0,@fd00::1:/", "target IP"},
      {"@/eth0,@:1::2/", "target IP"},
      {"@/eth0,@::ffff:10.0.0.1/", "target IP"},
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
