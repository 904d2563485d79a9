// packet::SplitHostPort and ToSockAddr: every way a user writes an
// endpoint, and the sockaddr each family (and a mapped IPv4) gets.
#include "packet/endpoint.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>

#include "gtest/gtest.h"

namespace pmdcon::packet {
namespace {

TEST(SplitHostPort, EveryForm) {
  struct Case {
    const char* text;
    const char* host;
    uint16_t port;
  } cases[] = {
      {"127.0.0.1:6666", "127.0.0.1", 6666},
      {"[::1]:514", "::1", 514},
      {":6666", "", 6666},
      {"6666", "", 6666},
      {"collector.example:0", "collector.example", 0},
      {"[fd00::2]:65535", "fd00::2", 65535},
  };
  for (const Case& c : cases) {
    absl::StatusOr<HostPort> hp = SplitHostPort(c.text);
    ASSERT_TRUE(hp.ok()) << c.text << ": " << hp.status();
    EXPECT_EQ(hp->host, c.host) << c.text;
    EXPECT_EQ(hp->port, c.port) << c.text;
  }
}

TEST(SplitHostPort, RefusesWithTheTextInTheMessage) {
  for (const char* bad : {"", "host:", "host:65536", "host:x", "[::1]",
                          "[::1]6666", "[::1:6666", "-1"}) {
    absl::StatusOr<HostPort> hp = SplitHostPort(bad);
    ASSERT_FALSE(hp.ok()) << bad;
    EXPECT_NE(hp.status().message().find(std::string("\"") + bad + "\""),
              std::string_view::npos)
        << hp.status();
  }
}

TEST(ToSockAddr, EachFamilyAndAMappedIpv4) {
  absl::StatusOr<IpAddr> v4 = ParseIp("10.99.0.2");
  ASSERT_TRUE(v4.ok());
  SockAddr a = ToSockAddr(*v4, 6666);
  ASSERT_EQ(a.family(), AF_INET);
  ASSERT_EQ(a.len, sizeof(sockaddr_in));
  const auto* in = reinterpret_cast<const sockaddr_in*>(&a.ss);
  EXPECT_EQ(ntohs(in->sin_port), 6666);
  EXPECT_EQ(in->sin_addr.s_addr, inet_addr("10.99.0.2"));

  SockAddr m = ToSockAddr(*v4, 6666, /*v4_mapped=*/true);
  ASSERT_EQ(m.family(), AF_INET6);
  char buf[INET6_ADDRSTRLEN];
  const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&m.ss);
  inet_ntop(AF_INET6, &in6->sin6_addr, buf, sizeof(buf));
  EXPECT_STREQ(buf, "::ffff:10.99.0.2");
  EXPECT_EQ(ntohs(in6->sin6_port), 6666);

  absl::StatusOr<IpAddr> v6 = ParseIp("fd00::2");
  ASSERT_TRUE(v6.ok());
  SockAddr b = ToSockAddr(*v6, 514);
  ASSERT_EQ(b.family(), AF_INET6);
  ASSERT_EQ(b.len, sizeof(sockaddr_in6));
  in6 = reinterpret_cast<const sockaddr_in6*>(&b.ss);
  inet_ntop(AF_INET6, &in6->sin6_addr, buf, sizeof(buf));
  EXPECT_STREQ(buf, "fd00::2");

  SockAddr any = AnyAddr(6666);
  in6 = reinterpret_cast<const sockaddr_in6*>(&any.ss);
  EXPECT_EQ(any.family(), AF_INET6);
  EXPECT_TRUE(IN6_IS_ADDR_UNSPECIFIED(&in6->sin6_addr));
  EXPECT_EQ(ntohs(in6->sin6_port), 6666);
}

}  // namespace
}  // namespace pmdcon::packet
