// Reload: what a SIGHUP may change, decided from the running configuration
// and the file's, with no I/O.
#include "control/reload.h"

#include <gtest/gtest.h>

#include <string>

namespace pmdcon::control {
namespace {

config::Config Parse(const std::string& port, const std::string& targets) {
  auto c = config::Parse("port: " + port + "\ntargets:\n" + targets, "t.yaml");
  EXPECT_TRUE(c.ok()) << c.status();
  return c.ok() ? *c : config::Config{};
}

constexpr char kV4[] = "{src_ipv4: 10.99.0.1}";
constexpr char kA[] = "  - {name: a, dst_ip: 10.99.0.2}\n";
constexpr char kB[] = "  - {name: b, dst_ip: 10.99.0.3}\n";

TEST(Reload, NewTargetsKeepCountersByName) {
  const config::Config running = Parse(kV4, std::string(kA) + kB);
  const config::Config file =
      Parse(kV4, std::string("  - {name: c, dst_ip: 10.99.0.4}\n") +
                     "  - {name: a, dst_ip: 10.99.0.2, dst_port: 7000}\n");
  auto r = PlanReload(running, file);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->running.targets.size(), 2u);
  EXPECT_EQ(r->running.targets[0].name, "c");
  EXPECT_EQ(r->running.targets[1].dst_port, 7000);
  EXPECT_EQ(r->carried, (std::vector<int>{-1, 0}));
  EXPECT_EQ(r->added, std::vector<std::string>{"c"});
  EXPECT_EQ(r->changed, std::vector<std::string>{"a"});
  EXPECT_EQ(r->removed, std::vector<std::string>{"b"});
  EXPECT_TRUE(r->kept.empty());
  EXPECT_EQ(Describe(*r), "2 targets: added c; changed a; removed b");
}

TEST(Reload, SameFileChangesNothing) {
  const config::Config running = Parse(kV4, kA);
  auto r = PlanReload(running, running);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->kept, std::vector<std::string>{"a"});
  EXPECT_EQ(r->carried, std::vector<int>{0});
  EXPECT_EQ(Describe(*r), "1 targets: unchanged a");
}

// Issue 12.1: a file that adds the IPv6 source address with an IPv6 target
// was validated against its own port, and the target then ran with the old
// port's (missing) address. The port is restart-only: refused, by name.
TEST(Reload, PortChangeIsRefusedByName) {
  const config::Config running = Parse(kV4, kA);
  const config::Config file =
      Parse("{src_ipv4: 10.99.0.1, src_ipv6: \"fd00:99::1\"}",
            std::string(kA) + "  - {name: six, dst_ip: \"fd00:99::2\"}\n");
  auto r = PlanReload(running, file);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(r.status().message(),
            "port.src_ipv6 differs from the running configuration; it takes "
            "effect only when pmdcon restarts");
}

TEST(Reload, EveryRestartOnlySectionIsNamed) {
  const config::Config running = Parse(kV4, kA);
  const std::pair<const char*, std::string> cases[] = {
      {"port.src_ipv4", "port: {src_ipv4: 10.99.0.9}\n"},
      {"eal.vdevs", "eal: {vdevs: [net_null0]}\nport: {src_ipv4: 10.99.0.1}\n"},
      {"source.type",
       "port: {src_ipv4: 10.99.0.1}\nsource: {type: file, path: /tmp/r}\n"},
      {"source.start",
       "port: {src_ipv4: 10.99.0.1}\nsource: {start: oldest}\n"},
      {"stats.interval_s",
       "port: {src_ipv4: 10.99.0.1}\nstats: {interval_s: 1}\n"},
      // The server's address is bound once, at start: a new one waits for
      // a restart, and the running targets go on (and the old /metrics).
      {"stats.metrics",
       "port: {src_ipv4: 10.99.0.1}\nstats: {metrics: \"127.0.0.1:9\"}\n"},
  };
  for (const auto& [key, head] : cases) {
    auto file = config::Parse(head + "targets:\n" + kA, "t.yaml");
    ASSERT_TRUE(file.ok()) << key << ": " << file.status();
    auto r = PlanReload(running, *file);
    ASSERT_FALSE(r.ok()) << key;
    EXPECT_EQ(
        std::string(r.status().message()).substr(0, std::string(key).size()),
        key);
  }
}

}  // namespace
}  // namespace pmdcon::control
