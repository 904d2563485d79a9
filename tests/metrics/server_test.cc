// The /metrics server against real sockets on loopback.
#include "metrics/server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace pmdcon::metrics {
namespace {

uint16_t PortOf(const std::string& address) {
  uint32_t port = 0;
  EXPECT_TRUE(absl::SimpleAtoi(address.substr(address.rfind(':') + 1), &port))
      << address;
  return static_cast<uint16_t>(port);
}

// Sends `request` to 127.0.0.1:port and returns all the server said.
std::string Ask(uint16_t port, const std::string& request) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
  EXPECT_EQ(write(fd, request.data(), request.size()),
            static_cast<ssize_t>(request.size()));
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = read(fd, buf, sizeof(buf))) > 0;) out.append(buf, n);
  close(fd);
  return out;
}

std::string Get(uint16_t port, const std::string& path) {
  return Ask(port, absl::StrCat("GET ", path,
                                " HTTP/1.1\r\nHost: x\r\nConnection: "
                                "close\r\n\r\n"));
}

TEST(Server, ServesWhatRenderSays) {
  std::atomic<int> calls{0};
  auto s = Server::Start(
      "127.0.0.1:0", [&] { return absl::StrCat("m_total ", ++calls, "\n"); });
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_TRUE((*s)->address().starts_with("127.0.0.1:"));
  const uint16_t port = PortOf((*s)->address());
  const std::string first = Get(port, "/metrics");
  EXPECT_TRUE(first.starts_with("HTTP/1.1 200")) << first;
  EXPECT_NE(first.find("text/plain; version=0.0.4"), std::string::npos);
  EXPECT_TRUE(first.ends_with("\r\n\r\nm_total 1\n")) << first;
  EXPECT_TRUE(Get(port, "/metrics").ends_with("m_total 2\n"));
}

TEST(Server, RefusesOtherPathsAndMethods) {
  int calls = 0;
  auto s = Server::Start("127.0.0.1:0", [&] {
    ++calls;
    return std::string("x 1\n");
  });
  ASSERT_TRUE(s.ok()) << s.status();
  const uint16_t port = PortOf((*s)->address());
  EXPECT_TRUE(Get(port, "/nope").starts_with("HTTP/1.1 404")) << port;
  EXPECT_TRUE(Get(port, "/").starts_with("HTTP/1.1 200"));
  EXPECT_TRUE(Ask(port,
                  "POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n"
                  "Connection: close\r\n\r\nabc")
                  .starts_with("HTTP/1.1 405"));
  EXPECT_EQ(calls, 0);
  // Garbage is answered (400) or closed, and the server goes on.
  Ask(port, "\x01\x02 nonsense\r\n\r\n");
  EXPECT_TRUE(Get(port, "/metrics").ends_with("x 1\n"));
  EXPECT_EQ(calls, 1);
}

TEST(Server, ErrorsNameTheAddress) {
  auto bad = Server::Start("localhost:80", [] { return std::string(); });
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "not an IP address: localhost");
  EXPECT_FALSE(
      Server::Start("127.0.0.1:99999", [] { return std::string(); }).ok());

  auto first = Server::Start("127.0.0.1:0", [] { return std::string(); });
  ASSERT_TRUE(first.ok());
  auto again = Server::Start((*first)->address(), [] { return std::string(); });
  ASSERT_FALSE(again.ok());
  EXPECT_NE(again.status().message().find("Address already in use"),
            std::string::npos)
      << again.status();
}

// SigBlk of every thread of this process but the caller's, from /proc.
std::vector<std::string> OtherThreadsSigBlk() {
  std::vector<std::string> out;
  const std::string self = std::to_string(gettid());
  for (const auto& e : std::filesystem::directory_iterator("/proc/self/task")) {
    if (e.path().filename() == self) continue;
    std::ifstream status(e.path() / "status");
    for (std::string line; std::getline(status, line);) {
      if (line.starts_with("SigBlk:")) out.push_back(line.substr(7));
    }
  }
  return out;
}

TEST(Server, ItsThreadTakesNoSignals) {
  ASSERT_TRUE(OtherThreadsSigBlk().empty()) << "the test starts alone";
  auto s = Server::Start("127.0.0.1:0", [] { return std::string(); });
  ASSERT_TRUE(s.ok()) << s.status();
  const std::vector<std::string> blk = OtherThreadsSigBlk();
  ASSERT_EQ(blk.size(), 1u);
  // SIGTERM (15) and SIGHUP (1) blocked: bits 14 and 0 of the mask.
  const uint64_t mask = std::stoull(blk[0], nullptr, 16);
  EXPECT_TRUE(mask & (1ull << 14)) << blk[0];
  EXPECT_TRUE(mask & 1ull) << blk[0];
}

TEST(Server, StopsCleanly) {
  auto s = Server::Start("[::1]:0", [] { return std::string("v 1\n"); });
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_TRUE((*s)->address().starts_with("[::1]:")) << (*s)->address();
  s->reset();
}

}  // namespace
}  // namespace pmdcon::metrics
