// pmdcon-rx's /metrics text from hand-built worker snapshots.
#include "rx/metrics.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace pmdcon::rx {
namespace {

using Snap = std::shared_ptr<const WorkerSnapshot>;

bool Has(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos;
}

WorkerSnapshot::Source Row(std::string name, uint64_t records) {
  WorkerSnapshot::Source r;
  r.name = std::move(name);
  r.st.records = records;
  return r;
}

std::vector<Snap> TwoWorkers() {
  auto a = std::make_shared<WorkerSnapshot>();
  a->worker = 0;
  a->datagrams = 1234;
  auto s = Row("10.0.0.1:6666", 100);
  s.st.basic_chunks = 5;
  s.st.bytes = 9000;
  s.st.missing = 10;
  s.st.gaps_opened = 2;
  s.st.announced_lost = 7;
  s.st.duplicates = 3;
  s.st.reordered = 4;
  s.st.malformed = 1;
  s.st.restarts = 1;
  s.st.panics[0] = 1;
  s.st.panics[2] = 2;
  s.last_record_unix_us = 1'700'000'000'500'000;
  s.last_panic_unix_us = 1'700'000'000'250'000;
  a->sources.push_back(s);
  auto kept = Row("[fe80::1]:6666", 2);
  kept.previous_boot = true;
  a->sources.push_back(kept);
  a->tracked = 2;
  a->evicted = Row("evicted", 40);
  a->evicted.st.panics[1] = 1;
  a->evicted.last_panic_unix_us = 1'600'000'000'100'000;
  a->outputs.push_back({.name = "relp://127.0.0.1:2514",
                        .st = {.written = 110,
                               .delivered = 100,
                               .dropped = 2,
                               .spilled = 3,
                               .resent = 4,
                               .reconnects = 5},
                        .pending = 8,
                        .queued_bytes = 4096});
  a->outputs.push_back({.name = "-",
                        .st = {.delivered = 110},
                        .pending = 0,
                        .queued_bytes = std::nullopt});
  a->memory_budget = 1000;
  a->budget.charged = 300;
  a->budget.sources_evicted = 6;
  a->budget.records_evicted = 1;
  auto b = std::make_shared<WorkerSnapshot>();
  b->worker = 1;
  b->sources.push_back(Row("a\"b\\c\nd", 1));  // no address; still escaped
  b->other = Row("other", 30);  // two more sources, past --metrics_sources
  b->other.st.missing = 4;
  b->other.last_record_unix_us = 1'700'000'001'000'000;
  b->tracked = 3;
  b->evicted = Row("evicted", 2);
  b->evicted.st.gaps_opened = 1;
  b->memory_budget = 1000;
  b->budget.charged = 20;
  b->budget.sources_evicted = 1;
  return {a, nullptr, b};
}

MetricsContext Context() {
  return {.version = "0.1.0",
          .now_unix_us = 1'700'000'002'000'000,
          .memory_budget = 4096,
          .resident = 123456};
}

TEST(RxMetrics, SourcesWithTheirLabels) {
  const std::string t = RenderMetrics(TwoWorkers(), Context());
  EXPECT_TRUE(Has(t, "pmdcon_rx_build_info{version=\"0.1.0\"} 1")) << t;
  EXPECT_TRUE(Has(t, "# TYPE pmdcon_rx_source_records_total counter"));
  // Extended records and basic chunks together.
  EXPECT_TRUE(
      Has(t, "pmdcon_rx_source_records_total{source=\"10.0.0.1:6666\"} 105"));
  EXPECT_TRUE(
      Has(t, "pmdcon_rx_source_bytes_total{source=\"10.0.0.1:6666\"} 9000"));
  EXPECT_TRUE(Has(t, "# TYPE pmdcon_rx_source_missing_records gauge"));
  EXPECT_TRUE(
      Has(t, "pmdcon_rx_source_missing_records{source=\"10.0.0.1:6666\"} 10"));
  EXPECT_TRUE(
      Has(t, "pmdcon_rx_source_gaps_total{source=\"10.0.0.1:6666\"} 2"));
  EXPECT_TRUE(Has(
      t, "pmdcon_rx_source_lost_records_total{source=\"10.0.0.1:6666\"} 7"));
  EXPECT_TRUE(
      Has(t, "pmdcon_rx_source_duplicates_total{source=\"10.0.0.1:6666\"} 3"));
  EXPECT_TRUE(
      Has(t, "pmdcon_rx_source_reordered_total{source=\"10.0.0.1:6666\"} 4"));
  EXPECT_TRUE(
      Has(t, "pmdcon_rx_source_malformed_total{source=\"10.0.0.1:6666\"} 1"));
  EXPECT_TRUE(
      Has(t, "pmdcon_rx_source_restarts_total{source=\"10.0.0.1:6666\"} 1"));
  EXPECT_TRUE(Has(t,
                  "pmdcon_rx_source_last_record_timestamp_seconds{source=\"10."
                  "0.0.1:6666\"} 1700000000.5"));
  EXPECT_TRUE(
      Has(t, "pmdcon_rx_source_idle_seconds{source=\"10.0.0.1:6666\"} 1.5"));
  EXPECT_TRUE(Has(t,
                  "pmdcon_rx_source_panics_total{source=\"10.0.0.1:6666\",kind="
                  "\"panic\"} 1"));
  EXPECT_TRUE(Has(t,
                  "pmdcon_rx_source_panics_total{source=\"10.0.0.1:6666\",kind="
                  "\"oops\"} 0"));
  EXPECT_TRUE(Has(t,
                  "pmdcon_rx_source_panics_total{source=\"10.0.0.1:6666\",kind="
                  "\"bug\"} 2"));
  EXPECT_TRUE(Has(t,
                  "pmdcon_rx_source_last_panic_timestamp_seconds{source=\"10.0."
                  "0.1:6666\"} 1700000000.25"));
  // The stream kept from the previous boot: the same source, boot label.
  // A source without a record or a panic has no times.
  EXPECT_TRUE(Has(t,
                  "pmdcon_rx_source_records_total{source=\"[fe80::1]:6666\","
                  "boot=\"previous\"} 2"));
  EXPECT_TRUE(Has(t,
                  "pmdcon_rx_source_panics_total{source=\"[fe80::1]:6666\","
                  "boot=\"previous\",kind=\"oops\"} 0"));
  EXPECT_EQ(t.find("idle_seconds{source=\"[fe80"), std::string::npos);
  EXPECT_EQ(t.find("last_panic_timestamp_seconds{source=\"[fe80"),
            std::string::npos);
  // Odd characters in a label value are escaped.
  EXPECT_TRUE(
      Has(t, "pmdcon_rx_source_records_total{source=\"a\\\"b\\\\c\\nd\"} 1"))
      << t;
}

TEST(RxMetrics, EvictedSourcesAreOneSource) {
  const std::string t = RenderMetrics(TwoWorkers(), Context());
  EXPECT_TRUE(Has(t, "pmdcon_rx_source_records_total{source=\"evicted\"} 42"));
  EXPECT_TRUE(Has(t, "pmdcon_rx_source_gaps_total{source=\"evicted\"} 1"));
  EXPECT_TRUE(Has(
      t, "pmdcon_rx_source_panics_total{source=\"evicted\",kind=\"oops\"} 1"));
  EXPECT_TRUE(Has(t,
                  "pmdcon_rx_source_last_panic_timestamp_seconds{source="
                  "\"evicted\"} 1600000000.1"));
  // Gauges of the present only.
  EXPECT_EQ(t.find("missing_records{source=\"evicted\"}"), std::string::npos);
  EXPECT_EQ(t.find("idle_seconds{source=\"evicted\"}"), std::string::npos);
  EXPECT_TRUE(Has(t, "pmdcon_rx_sources 5"));
  EXPECT_TRUE(Has(t, "pmdcon_rx_sources_other 2"));
  EXPECT_TRUE(Has(t, "pmdcon_rx_sources_evicted_total 7"));
  EXPECT_TRUE(Has(t, "pmdcon_rx_incomplete_records_evicted_total 1"));
}

TEST(RxMetrics, SourcesPastTheLimitAreOther) {
  MetricsContext c = Context();
  c.max_sources = 2;  // of 10.0.0.1 (105 records), fe80 (2), a"b (1)
  const std::string t = RenderMetrics(TwoWorkers(), c);
  EXPECT_TRUE(
      Has(t, "pmdcon_rx_source_records_total{source=\"10.0.0.1:6666\"} 105"));
  EXPECT_TRUE(Has(t,
                  "pmdcon_rx_source_records_total{source=\"[fe80::1]:6666\","
                  "boot=\"previous\"} 2"));
  EXPECT_EQ(t.find("source=\"a\\\"b"), std::string::npos) << t;
  // The workers' own "other" (30) and the source left out here (1).
  EXPECT_TRUE(Has(t, "pmdcon_rx_source_records_total{source=\"other\"} 31"));
  EXPECT_TRUE(Has(t, "pmdcon_rx_source_missing_records{source=\"other\"} 4"));
  EXPECT_TRUE(Has(t,
                  "pmdcon_rx_source_last_record_timestamp_seconds{source="
                  "\"other\"} 1700000001"));
  // Idle: not a sum's (the latest of many sources says nothing of each).
  EXPECT_EQ(t.find("idle_seconds{source=\"other\"}"), std::string::npos);
  EXPECT_TRUE(Has(t, "pmdcon_rx_sources 5"));
  EXPECT_TRUE(Has(t, "pmdcon_rx_sources_other 3"));
}

TEST(RxMetrics, WorkersOutputsAndMemory) {
  const std::string t = RenderMetrics(TwoWorkers(), Context());
  EXPECT_TRUE(Has(t, "pmdcon_rx_worker_datagrams_total{worker=\"0\"} 1234"));
  EXPECT_TRUE(Has(t, "pmdcon_rx_worker_datagrams_total{worker=\"1\"} 0"));
  const std::string relp = "{worker=\"0\",output=\"relp://127.0.0.1:2514\"}";
  EXPECT_TRUE(Has(t, "pmdcon_rx_output_queue_records" + relp + " 8"));
  EXPECT_TRUE(Has(t, "pmdcon_rx_output_queue_bytes" + relp + " 4096"));
  EXPECT_TRUE(
      Has(t, "pmdcon_rx_output_delivered_records_total" + relp + " 100"));
  EXPECT_TRUE(Has(t, "pmdcon_rx_output_resent_records_total" + relp + " 4"));
  EXPECT_TRUE(Has(t, "pmdcon_rx_output_dropped_records_total" + relp + " 2"));
  EXPECT_TRUE(Has(t, "pmdcon_rx_output_spilled_records_total" + relp + " 3"));
  EXPECT_TRUE(Has(t, "pmdcon_rx_output_reconnects_total" + relp + " 5"));
  // An output that keeps no byte count has none.
  EXPECT_TRUE(Has(t,
                  "pmdcon_rx_output_delivered_records_total{worker=\"0\","
                  "output=\"-\"} 110"));
  EXPECT_EQ(t.find("queue_bytes{worker=\"0\",output=\"-\"}"),
            std::string::npos);
  EXPECT_TRUE(Has(t, "pmdcon_rx_memory_budget_bytes 4096"));
  EXPECT_TRUE(Has(t, "pmdcon_rx_reassembly_budget_bytes 2000"));
  EXPECT_TRUE(Has(t, "pmdcon_rx_memory_used_bytes 320"));
  EXPECT_TRUE(Has(t, "pmdcon_rx_resident_bytes 123456"));
}

TEST(RxMetrics, NothingYet) {
  MetricsContext c = Context();
  c.resident.reset();
  const std::string t = RenderMetrics({}, c);
  EXPECT_TRUE(Has(t, "pmdcon_rx_sources 0"));
  EXPECT_TRUE(Has(t, "pmdcon_rx_source_records_total{source=\"evicted\"} 0"));
  EXPECT_TRUE(Has(t, "pmdcon_rx_source_records_total{source=\"other\"} 0"));
  EXPECT_EQ(t.find("pmdcon_rx_resident_bytes"), std::string::npos);
}

}  // namespace
}  // namespace pmdcon::rx
