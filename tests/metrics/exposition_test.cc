#include "metrics/exposition.h"

#include <gtest/gtest.h>

#include <limits>

namespace pmdcon::metrics {
namespace {

TEST(Exposition, FamilyThenSamples) {
  Exposition e;
  e.Family("pmdcon_target_records_total", Type::kCounter, "Records sent.");
  e.Sample({{"target", "a"}}, uint64_t{12});
  e.Sample({{"target", "b"}, {"state", "down"}}, uint64_t{0});
  e.Single("pmdcon_port_up", Type::kGauge, "Link up.", uint64_t{1});
  EXPECT_EQ(e.text(),
            "# HELP pmdcon_target_records_total Records sent.\n"
            "# TYPE pmdcon_target_records_total counter\n"
            "pmdcon_target_records_total{target=\"a\"} 12\n"
            "pmdcon_target_records_total{target=\"b\",state=\"down\"} 0\n"
            "# HELP pmdcon_port_up Link up.\n"
            "# TYPE pmdcon_port_up gauge\n"
            "pmdcon_port_up 1\n");
}

TEST(Exposition, EscapesLabelValuesAndHelp) {
  Exposition e;
  e.Family("m", Type::kGauge, "a \\ b\nc \"q\"");
  e.Sample({{"l", "x\"y\\z\nw"}}, uint64_t{1});
  EXPECT_EQ(e.text(),
            "# HELP m a \\\\ b\\nc \"q\"\n"
            "# TYPE m gauge\n"
            "m{l=\"x\\\"y\\\\z\\nw\"} 1\n");
}

TEST(Exposition, DoublesKeepTheirDigits) {
  Exposition e;
  e.Family("t_seconds", Type::kGauge, "h");
  e.Sample({}, 1796623801.123456);
  e.Sample({}, 0.5);
  e.Sample({}, std::numeric_limits<double>::infinity());
  e.Sample({}, -std::numeric_limits<double>::infinity());
  e.Sample({}, std::numeric_limits<double>::quiet_NaN());
  EXPECT_EQ(e.text(),
            "# HELP t_seconds h\n# TYPE t_seconds gauge\n"
            "t_seconds 1796623801.123456\nt_seconds 0.5\nt_seconds +Inf\n"
            "t_seconds -Inf\nt_seconds NaN\n");
}

TEST(Exposition, LargestCounterIsExact) {
  Exposition e;
  e.Single("c_total", Type::kCounter, "h",
           std::numeric_limits<uint64_t>::max());
  EXPECT_NE(e.text().find("c_total 18446744073709551615\n"), std::string::npos);
}

TEST(Exposition, Names) {
  EXPECT_TRUE(Exposition::ValidMetricName("pmdcon_rx:x_total"));
  EXPECT_FALSE(Exposition::ValidMetricName(""));
  EXPECT_FALSE(Exposition::ValidMetricName("9a"));
  EXPECT_FALSE(Exposition::ValidMetricName("a-b"));
  EXPECT_TRUE(Exposition::ValidLabelName("target"));
  EXPECT_FALSE(Exposition::ValidLabelName("a:b"));
  EXPECT_FALSE(Exposition::ValidLabelName("__name__"));
  EXPECT_FALSE(Exposition::ValidLabelName("1x"));
}

}  // namespace
}  // namespace pmdcon::metrics
