// pmdcon's /metrics page from a snapshot: the names docs/operations.md and
// /work's metrics spec promise, the state one-hot, the ring's arithmetic
// (serial ids, a consumer seen past the head), and what is omitted when
// unknown.
#include "app/metrics_render.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "metrics/exposition.h"
#include "pmdcon/ring.h"

namespace pmdcon::app {
namespace {

using engine::TargetState;
using engine::TargetStats;

bool Has(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos ||
         text.rfind(line + "\n", 0) == 0;
}

MetricsSnapshot::Target Plain(std::string name, TargetState st) {
  MetricsSnapshot::Target t;
  t.name = std::move(name);
  t.state = st;
  for (size_t k = 0; k < t.counters.size(); ++k) t.counters[k] = 100 + k;
  return t;
}

TEST(MetricsRender, CounterNamesFollowPrometheusConventions) {
  std::set<std::string> seen;
  for (size_t k = 0; k < std::size(TargetStats::kCounters); ++k) {
    const std::string name(TargetCounterMetric(k).name);
    EXPECT_TRUE(metrics::Exposition::ValidMetricName(name)) << name;
    EXPECT_EQ(name.rfind("pmdcon_target_", 0), 0u) << name;
    EXPECT_EQ(name.substr(name.size() - 6), "_total") << name;
    EXPECT_TRUE(seen.insert(name).second) << name;
    EXPECT_FALSE(TargetCounterMetric(k).help.empty()) << name;
  }
  EXPECT_EQ(TargetCounterMetric(0).name, "pmdcon_target_records_total");
  EXPECT_EQ(TargetCounterMetric(4).name,
            "pmdcon_target_filtered_records_total");
  EXPECT_EQ(TargetCounterMetric(6).name, "pmdcon_target_lost_records_total");
  EXPECT_EQ(TargetCounterMetric(TargetStats::kReliableFrom).name,
            "pmdcon_target_responses_total");
}

TEST(MetricsRender, BuildInfoAlone) {
  MetricsSnapshot s;
  s.version = "0.1.0";
  s.dpdk = "22.11.4";
  const std::string text = RenderMetrics(s);
  EXPECT_TRUE(
      Has(text, "pmdcon_build_info{version=\"0.1.0\",dpdk=\"22.11.4\"} 1"))
      << text;
  EXPECT_TRUE(Has(text, "# TYPE pmdcon_build_info gauge")) << text;
  // No engine (between two, at a reload): no targets, no ring, no module.
  EXPECT_EQ(text.find("pmdcon_target_"), std::string::npos) << text;
  EXPECT_EQ(text.find("pmdcon_ring_"), std::string::npos) << text;
  EXPECT_EQ(text.find("pmdcon_kernel_"), std::string::npos) << text;
}

TEST(MetricsRender, TargetsCountersAndStateOneHot) {
  MetricsSnapshot s;
  s.targets.push_back(Plain("a", TargetState::kActive));
  s.targets.push_back(Plain("b \"x\"", TargetState::kDeactivated));
  const std::string text = RenderMetrics(s);
  EXPECT_TRUE(Has(text, "# TYPE pmdcon_target_records_total counter"));
  EXPECT_TRUE(Has(text, "pmdcon_target_records_total{target=\"a\"} 100"));
  EXPECT_TRUE(Has(text, "pmdcon_target_bytes_total{target=\"a\"} 102"));
  EXPECT_TRUE(Has(text, "pmdcon_target_mbuf_waits_total{target=\"a\"} 109"));
  EXPECT_TRUE(
      Has(text, "pmdcon_target_records_total{target=\"b \\\"x\\\"\"} 100"))
      << text;
  for (const char* st : {"off", "resolving", "down"}) {
    EXPECT_TRUE(
        Has(text, std::string("pmdcon_target_state{target=\"a\",state=\"") +
                      st + "\"} 0"))
        << st;
  }
  EXPECT_TRUE(
      Has(text, "pmdcon_target_state{target=\"a\",state=\"active\"} 1"));
  EXPECT_TRUE(Has(
      text, "pmdcon_target_state{target=\"b \\\"x\\\"\",state=\"down\"} 1"));
  // Neither target is reliable: no protocol counters at all.
  EXPECT_EQ(text.find("pmdcon_target_responses_total"), std::string::npos);
  EXPECT_EQ(text.find("pmdcon_target_acked_seq"), std::string::npos);
  EXPECT_EQ(text.find("pmdcon_target_unacked_records"), std::string::npos);
}

TEST(MetricsRender, ReliableExtras) {
  MetricsSnapshot s;
  s.targets.push_back(Plain("plain", TargetState::kActive));
  MetricsSnapshot::Target r = Plain("rel", TargetState::kResolving);
  r.reliable = true;
  r.unacked = 10;  // as the TX lcore published it
  r.acked_seq = 49;
  s.targets.push_back(r);
  MetricsSnapshot::Target quiet = Plain("quiet", TargetState::kDisabled);
  quiet.reliable = true;  // nothing sent, nothing acknowledged
  s.targets.push_back(quiet);
  const std::string text = RenderMetrics(s);
  EXPECT_TRUE(Has(text, "pmdcon_target_retransmits_total{target=\"rel\"} 114"))
      << text;
  EXPECT_EQ(text.find("pmdcon_target_retransmits_total{target=\"plain\"}"),
            std::string::npos);
  EXPECT_TRUE(Has(text, "pmdcon_target_acked_seq{target=\"rel\"} 49"));
  EXPECT_EQ(text.find("pmdcon_target_acked_seq{target=\"quiet\"}"),
            std::string::npos)
      << "absent until the first ack";
  EXPECT_TRUE(Has(text, "pmdcon_target_unacked_records{target=\"rel\"} 10"));
  EXPECT_TRUE(Has(text, "pmdcon_target_unacked_records{target=\"quiet\"} 0"));
  EXPECT_TRUE(
      Has(text, "pmdcon_target_state{target=\"quiet\",state=\"off\"} 1"));
}

TEST(MetricsRender, RingPositionsAndFill) {
  MetricsSnapshot s;
  // 1000 records written (at byte 800000), sent up to record 990 (byte
  // 792000): 10 records and 8000 bytes wait.
  s.ring = MetricsSnapshot::Ring{pmdcon_id(1000, 100000), pmdcon_id(990, 99000),
                                 1u << 20};
  std::string text = RenderMetrics(s);
  EXPECT_TRUE(Has(text, "pmdcon_ring_head_records 1000")) << text;
  EXPECT_TRUE(Has(text, "pmdcon_ring_transmitted_records 990"));
  EXPECT_TRUE(Has(text, "pmdcon_ring_pending_records 10"));
  EXPECT_TRUE(Has(text, "pmdcon_ring_capacity_bytes 1048576"));
  EXPECT_TRUE(Has(text, "pmdcon_ring_used_bytes 8000"));
  // Overtaken by the producer: the whole ring waits, not more.
  s.ring = MetricsSnapshot::Ring{pmdcon_id(900000, 9000000), pmdcon_id(5, 40),
                                 1u << 20};
  text = RenderMetrics(s);
  EXPECT_TRUE(Has(text, "pmdcon_ring_used_bytes 1048576")) << text;
  EXPECT_TRUE(Has(text, "pmdcon_ring_pending_records 899995"));
  // Ids wrap as serial numbers.
  s.ring = MetricsSnapshot::Ring{pmdcon_id(3, 2), pmdcon_id(0xfffffffe, 0),
                                 1u << 20};
  text = RenderMetrics(s);
  EXPECT_TRUE(Has(text, "pmdcon_ring_pending_records 5")) << text;
  EXPECT_TRUE(Has(text, "pmdcon_ring_used_bytes 16"));
}

// The TX lcore passed the head between the scrape's loads: transmitted
// ahead of head is nothing waiting, not 2^32 - 1 records and a full ring.
TEST(MetricsRender, TransmittedPastTheHeadIsNothingPending) {
  MetricsSnapshot s;
  s.ring = MetricsSnapshot::Ring{pmdcon_id(1000, 100000),
                                 pmdcon_id(1002, 100030), 1u << 20};
  std::string text = RenderMetrics(s);
  EXPECT_TRUE(Has(text, "pmdcon_ring_pending_records 0")) << text;
  EXPECT_TRUE(Has(text, "pmdcon_ring_used_bytes 0")) << text;
  // Across the wrap of both halves of the id.
  s.ring = MetricsSnapshot::Ring{pmdcon_id(0xffffffff, 0xfffffff0),
                                 pmdcon_id(1, 8), 1u << 20};
  text = RenderMetrics(s);
  EXPECT_TRUE(Has(text, "pmdcon_ring_pending_records 0")) << text;
  EXPECT_TRUE(Has(text, "pmdcon_ring_used_bytes 0")) << text;
}

TEST(MetricsRender, PortAndKernel) {
  MetricsSnapshot s;
  s.port = MetricsSnapshot::Port{true, 42, 3};
  MetricsSnapshot::Kernel k;
  k.unsent = 20;  // the module's sysfs, as read
  k.sender = PMDCON_SENDER_CONSUMER;
  k.heartbeat_age_s = 0.25;
  s.kernel = k;
  std::string text = RenderMetrics(s);
  EXPECT_TRUE(Has(text, "pmdcon_port_link_up 1")) << text;
  EXPECT_TRUE(Has(text, "pmdcon_port_tx_packets_total 42"));
  EXPECT_TRUE(Has(text, "pmdcon_port_tx_errors_total 3"));
  EXPECT_TRUE(Has(text, "# TYPE pmdcon_port_tx_errors_total counter"));
  EXPECT_TRUE(Has(text, "pmdcon_kernel_unsent_records 20"));
  EXPECT_TRUE(Has(text, "pmdcon_kernel_sender{sender=\"appliance\"} 1"));
  EXPECT_TRUE(Has(text, "pmdcon_kernel_sender{sender=\"kernel\"} 0"));
  EXPECT_TRUE(Has(text, "pmdcon_kernel_heartbeat_age_seconds 0.25")) << text;
  // The module took over; its sysfs unreadable: no unsent, no age.
  s.kernel->sender = PMDCON_SENDER_KERNEL;
  s.kernel->unsent.reset();
  s.kernel->heartbeat_age_s.reset();
  s.port = MetricsSnapshot::Port{false, std::nullopt, std::nullopt};
  text = RenderMetrics(s);
  EXPECT_EQ(text.find("pmdcon_kernel_unsent_records"), std::string::npos)
      << text;
  EXPECT_TRUE(Has(text, "pmdcon_kernel_sender{sender=\"kernel\"} 1"));
  EXPECT_EQ(text.find("heartbeat_age"), std::string::npos);
  EXPECT_TRUE(Has(text, "pmdcon_port_link_up 0"));
  EXPECT_EQ(text.find("pmdcon_port_tx_packets_total"), std::string::npos);
}

}  // namespace
}  // namespace pmdcon::app
