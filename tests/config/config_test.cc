// The configuration: the documented example parses, defaults are sane, and
// every class of error names the file, line:column and field path.
#include "config/config.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace pmdcon::config {
namespace {

constexpr char kMinimal[] =
    "port: {src_ipv4: 10.99.0.1}\n"
    "targets:\n"
    "  - name: a\n"
    "    dst_ip: 10.99.0.2\n";

TEST(Config, DocumentedExampleParses) {
  const char* path = std::getenv("PMDCON_EXAMPLE_CONFIG");
  ASSERT_NE(path, nullptr);
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  auto c = Parse(ss.str(), "pmdcon.yaml");
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_EQ(c->targets.size(), 1u);
  const Target& t = c->targets[0];
  EXPECT_EQ(t.name, "collector");
  EXPECT_EQ(packet::FormatIp(t.dst_ip), "10.99.0.2");
  EXPECT_FALSE(t.dst_mac.has_value()) << "resolve";
  ASSERT_EQ(t.format.userdata.size(), 2u);
  EXPECT_EQ(t.format.userdata[0].key, "host");  // document order kept
  EXPECT_EQ(t.format.userdata[1].key, "rack");
  EXPECT_EQ(t.format.sysdata, 0xf);
  EXPECT_EQ(t.max_level, 7u);
  EXPECT_EQ(c->eal.vdevs,
            std::vector<std::string>{"net_af_packet0,iface=veth-pmdcon"});
  EXPECT_EQ(c->source.path, "/dev/pmdcon");
}

TEST(Config, DefaultsAreSane) {
  auto c = Parse(kMinimal, "min.yaml");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->eal.main_lcore, 0u);
  EXPECT_EQ(c->eal.tx_lcore, 1u);
  EXPECT_FALSE(c->eal.hugepages);
  EXPECT_EQ(c->source.type, SourceType::kDevice);
  EXPECT_EQ(c->source.start, StartAt::kTransmitted);
  const Target& t = c->targets[0];
  EXPECT_TRUE(t.enabled);
  EXPECT_EQ(t.dst_port, 6666);
  EXPECT_EQ(t.src_port, 6665);
  EXPECT_TRUE(t.format.extended);
  EXPECT_FALSE(t.format.release);
  EXPECT_EQ(t.format.sysdata, 0);
  EXPECT_EQ(t.rate_limit.records_per_s, 0u);
  EXPECT_FALSE(t.reliable);  // the bytes on the wire stay upstream's
  EXPECT_EQ(c->stats.interval_s, 10u);
  EXPECT_EQ(c->stats.metrics, "") << "no /metrics unless asked";
}

TEST(Config, ReliableTargets) {
  // Two reliable targets to one collector, told apart by source port.
  auto c = Parse(
      "port: {src_ipv4: 10.99.0.1}\ntargets:\n"
      "  - {name: a, dst_ip: 10.99.0.2, reliable: true}\n"
      "  - {name: b, dst_ip: 10.99.0.2, src_port: 6667, reliable: true}\n"
      "  - {name: c, dst_ip: 10.99.0.2, reliable: false}\n",
      "r.yaml");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_TRUE(c->targets[0].reliable);
  EXPECT_TRUE(c->targets[1].reliable);
  EXPECT_FALSE(c->targets[2].reliable);
}

TEST(Config, MetricsAddress) {
  for (const std::string addr :
       {"127.0.0.1:9731", "[::1]:9731", ":9731", "0.0.0.0:0", ""}) {
    auto c =
        Parse(std::string(kMinimal) + "stats: {metrics: \"" + addr + "\"}\n",
              "m.yaml");
    ASSERT_TRUE(c.ok()) << addr << ": " << c.status();
    EXPECT_EQ(c->stats.metrics, addr);
  }
}

TEST(Config, KmsgAndFileSources) {
  auto k = Parse(std::string(kMinimal) + "source: {type: kmsg}\n", "k.yaml");
  ASSERT_TRUE(k.ok()) << k.status();
  EXPECT_EQ(k->source.path, "/dev/kmsg");
  auto f =
      Parse(std::string(kMinimal) + "source: {type: file, path: /dev/shm/r}\n",
            "f.yaml");
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(f->source.path, "/dev/shm/r");
}

struct Bad {
  const char* name;
  std::string yaml;
  std::string error;
};

class ConfigError : public ::testing::TestWithParam<Bad> {};

TEST_P(ConfigError, NamesFileLineColumnAndField) {
  auto c = Parse(GetParam().yaml, "bad.yaml");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(std::string(c.status().message()), GetParam().error);
}

const std::string kPort = "port: {src_ipv4: 10.99.0.1}\n";

INSTANTIATE_TEST_SUITE_P(
    Classes, ConfigError,
    ::testing::Values(
        Bad{"yaml_syntax", "targets: [\n",
            "bad.yaml:2:1: end of sequence flow not found"},
        // yaml-cpp's LoadAll ran out of memory on this (config_fuzz).
        Bad{"stray_comma", "{a: 1},\n",
            "bad.yaml:1:7: text after the YAML document (a second document, "
            "or a stray ','); the configuration is one document"},
        Bad{"two_documents", kPort + "---\n" + kPort,
            "bad.yaml:2:1: text after the YAML document (a second document, "
            "or a stray ','); the configuration is one document"},
        Bad{"too_deep", std::string(5000, '[') + std::string(5000, ']'),
            "bad.yaml:1:1: nested too deeply"},
        // Issue 24, item 14: it passed every check and failed at run time.
        Bad{"unquoted_vdev",
            "eal: {vdevs: [net_af_packet0,iface=lo]}\n" + kPort +
                "targets: [{name: a, dst_ip: 10.99.0.2}]\n",
            "bad.yaml:1:30: eal.vdevs[1]: \"iface=lo\" is not a device (a "
            "driver's name and number, e.g. net_af_packet0, then ,key=value "
            "arguments); in a YAML list ',' separates entries: quote a device "
            "with arguments, [\"net_af_packet0,iface=eth1\"]"},
        Bad{"metrics_no_port",
            kPort + "targets: [{name: a, dst_ip: 10.99.0.2}]\n" +
                "stats: {metrics: \"127.0.0.1\"}\n",
            "bad.yaml:3:18: stats.metrics: \"127.0.0.1\": expected HOST:PORT "
            "(e.g. 127.0.0.1:9731, or :9731 for every address)"},
        Bad{"metrics_bad_port",
            kPort + "targets: [{name: a, dst_ip: 10.99.0.2}]\n" +
                "stats: {metrics: \"127.0.0.1:http\"}\n",
            "bad.yaml:3:18: stats.metrics: \"127.0.0.1:http\": bad port "
            "\"http\""},
        Bad{"metrics_hostname",
            kPort + "targets: [{name: a, dst_ip: 10.99.0.2}]\n" +
                "stats: {metrics: \"localhost:9731\"}\n",
            "bad.yaml:3:18: stats.metrics: \"localhost\" is not an IP address "
            "(HOST:PORT, e.g. 127.0.0.1:9731)"},
        Bad{"unknown_top_key", kPort + "target: []\n",
            "bad.yaml:2:1: target: unknown key (expected one of: eal, port, "
            "source, targets, stats)"},
        Bad{"unknown_nested_key",
            kPort + "targets:\n  - name: a\n    dst_ip: 10.99.0.2\n    colour: "
                    "red\n",
            "bad.yaml:5:5: targets[0].colour: unknown key (expected one of: "
            "name, enabled, dst_ip, dst_port, src_port, dst_mac, gateway, "
            "format, release, time_prefix, userdata, sysdata, max_level, "
            "rate_limit, reliable, auth)"},
        Bad{"reliable_basic",
            kPort + "targets:\n  - name: a\n    dst_ip: 10.99.0.2\n    "
                    "format: basic\n    reliable: true\n",
            "bad.yaml:6:15: targets[0].reliable: needs format: extended (a "
            "basic record carries no seq for the collector to acknowledge)"},
        Bad{"auth_basic",
            kPort + "targets:\n  - name: a\n    dst_ip: 10.99.0.2\n    "
                    "format: basic\n    auth: {key_file: /etc/k}\n",
            "bad.yaml:6:11: targets[0].auth: needs format: extended (a basic "
            "record has no header to carry the MAC)"},
        Bad{"auth_relative_key_file",
            kPort + "targets:\n  - {name: a, dst_ip: 10.99.0.2, auth: "
                    "{key_file: k}}\n",
            "bad.yaml:3:51: targets[0].auth.key_file: an absolute path to the "
            "key file (keys are never written in the configuration)"},
        Bad{"auth_no_key_file",
            kPort + "targets:\n  - {name: a, dst_ip: 10.99.0.2, auth: {}}\n",
            "bad.yaml:3:40: targets[0].auth.key_file: required"},
        Bad{"auth_key_inline",
            kPort + "targets:\n  - {name: a, dst_ip: 10.99.0.2, auth: {key: "
                    "00112233}}\n",
            "bad.yaml:3:41: targets[0].auth.key: unknown key (expected one "
            "of: key_file)"},
        Bad{"reliable_same_collector",
            kPort + "targets:\n  - {name: a, dst_ip: 10.99.0.2, reliable: "
                    "true}\n  - {name: b, dst_ip: 10.99.0.2, reliable: true}\n",
            "bad.yaml:4:44: targets[1].reliable: targets[0] is reliable too, "
            "with the same dst_ip, dst_port and src_port: the collector's "
            "acknowledgements could not be told apart"},
        Bad{"wrong_type_bool",
            kPort + "targets:\n  - name: a\n    dst_ip: 10.99.0.2\n    "
                    "enabled: yes please\n",
            "bad.yaml:5:14: targets[0].enabled: \"yes please\" is not true or "
            "false"},
        Bad{"wrong_type_map",
            kPort + "eal: [1, 2]\ntargets: [{name: a, dst_ip: 10.99.0.2}]\n",
            "bad.yaml:2:6: eal: expected a mapping"},
        Bad{"negative_number",
            kPort + "targets:\n  - name: a\n    dst_ip: 10.99.0.2\n    "
                    "dst_port: -1\n",
            "bad.yaml:5:15: targets[0].dst_port: \"-1\" is not a whole number"},
        Bad{"out_of_range",
            kPort + "targets:\n  - name: a\n    dst_ip: 10.99.0.2\n    "
                    "dst_port: 70000\n",
            "bad.yaml:5:15: targets[0].dst_port: 70000 is out of range "
            "(1..65535)"},
        Bad{"bad_ip",
            kPort + "targets:\n  - name: a\n    dst_ip: 10.99.0.300\n",
            "bad.yaml:4:13: targets[0].dst_ip: \"10.99.0.300\" is not an IPv4 "
            "or IPv6 address"},
        Bad{"bad_mac",
            kPort + "targets:\n  - name: a\n    dst_ip: 10.99.0.2\n    "
                    "dst_mac: zz\n",
            "bad.yaml:5:14: targets[0].dst_mac: \"zz\" is not a MAC address "
            "(xx:xx:xx:xx:xx:xx)"},
        Bad{"src_ip_family",
            "port: {src_ipv4: fd00::1}\ntargets: [{name: a, dst_ip: "
            "10.99.0.2}]\n",
            "bad.yaml:1:18: port.src_ipv4: fd00::1 is not an IPv4 address"},
        Bad{"duplicate_names",
            kPort + "targets:\n  - {name: a, dst_ip: 10.99.0.2}\n  - {name: a, "
                    "dst_ip: 10.99.0.3}\n",
            "bad.yaml:4:12: targets[1].name: duplicate name \"a\" (also "
            "targets[0])"},
        Bad{"release_without_extended",
            kPort + "targets:\n  - name: a\n    dst_ip: 10.99.0.2\n    format: "
                    "basic\n    release: true\n",
            "bad.yaml:6:14: targets[0].release: requires the extended format"},
        Bad{"ipv6_target_without_ipv6_source",
            kPort + "targets:\n  - name: a\n    dst_ip: fd00::2\n",
            "bad.yaml:4:13: targets[0].dst_ip: fd00::2 is IPv6 but "
            "port.src_ipv6 is not set"},
        Bad{"tx_lcore_is_main_lcore",
            kPort + "eal: {main_lcore: 1, tx_lcore: 1}\ntargets: [{name: a, "
                    "dst_ip: 10.99.0.2}]\n",
            "bad.yaml:2:32: eal.tx_lcore: must differ from eal.main_lcore (1): "
            "TX needs a core of its own"},
        Bad{"lcore_not_listed",
            kPort + "eal: {lcores: [0, 1], tx_lcore: 3}\ntargets: [{name: a, "
                    "dst_ip: 10.99.0.2}]\n",
            "bad.yaml:2:33: eal.tx_lcore: lcore 3 is not in eal.lcores"},
        Bad{"no_targets", kPort + "targets: []\n",
            "bad.yaml:2:10: targets: at least one target is required"},
        Bad{"missing_dst_ip", kPort + "targets:\n  - name: a\n",
            "bad.yaml:3:5: targets[0].dst_ip: required"},
        Bad{"bad_enum",
            kPort + "source: {type: serial}\ntargets: [{name: a, dst_ip: "
                    "10.99.0.2}]\n",
            "bad.yaml:2:16: source.type: \"serial\" is not one of: device, "
            "file, kmsg"},
        Bad{"file_source_needs_path",
            kPort + "source: {type: file}\ntargets: [{name: a, dst_ip: "
                    "10.99.0.2}]\n",
            "bad.yaml:2:9: source.path: required for a file-backed ring"},
        Bad{"bad_sysdata",
            kPort + "targets:\n  - name: a\n    dst_ip: 10.99.0.2\n    "
                    "sysdata: [cpu, uptime]\n",
            "bad.yaml:5:20: targets[0].sysdata[1]: \"uptime\" is not one of: "
            "cpu, taskname, release, msgid"},
        Bad{"userdata_key_too_long",
            kPort +
                "targets:\n  - name: a\n    dst_ip: 10.99.0.2\n    userdata: "
                "{" +
                std::string(54, 'k') + ": v}\n",
            "bad.yaml:5:15: targets[0].userdata[0].key: longer than 53 "
            "characters"},
        Bad{"bad_level",
            kPort + "targets:\n  - name: a\n    dst_ip: 10.99.0.2\n    "
                    "max_level: verbose\n",
            "bad.yaml:5:16: targets[0].max_level: \"verbose\" is not one of: "
            "emerg, "
            "alert, crit, err, warning, notice, info, debug"},
        Bad{"duplicate_key",
            kPort + "targets: [{name: a, dst_ip: 10.99.0.2}]\ntargets: []\n",
            "bad.yaml:3:1: targets: duplicate key"},
        Bad{"duplicate_nested_key",
            kPort + "targets:\n  - name: a\n    dst_ip: 10.99.0.2\n    dst_ip: "
                    "10.99.0.3\n",
            "bad.yaml:5:5: targets[0].dst_ip: duplicate key"},
        Bad{"gateway_family",
            kPort + "targets:\n  - name: a\n    dst_ip: 10.99.0.2\n    "
                    "gateway: fd00::1\n",
            "bad.yaml:5:14: targets[0].gateway: must be of the same IP version "
            "as dst_ip"}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace pmdcon::config
