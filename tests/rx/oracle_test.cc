// pmdcon-rx's verdict as a test oracle: each option fails on what it names
// and nothing else, and every finding is reported with its source.
#include "rx/oracle.h"

#include <gtest/gtest.h>

namespace pmdcon::rx {
namespace {

wire::SourceKey Key() {
  wire::SourceKey k;
  k.family = 4;
  k.addr = {10, 99, 0, 1};
  k.port = 6665;
  return k;
}

// Seqs 0-99 delivered whole.
wire::SourceStats Whole() {
  wire::SourceStats st;
  st.records = 100;
  st.have_seq = true;
  st.first_seq = 0;
  st.last_seq = 99;
  return st;
}

struct Asks {
  bool gap = false, loss = false, malformed = false;
  std::vector<SeqRange> expect = {};
};
Oracle::Options Opts(Asks a) {
  Oracle::Options o;
  o.fail_on_gap = a.gap;
  o.fail_on_loss = a.loss;
  o.fail_on_malformed = a.malformed;
  o.expect = a.expect;
  return o;
}

TEST(Ranges, ParsedOrNamed) {
  auto r = ParseRanges({"0-99", "5-5"});
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].last, 99u);
  EXPECT_EQ((*r)[1].first, 5u);
  for (const char* bad : {"5", "9-1", "a-b", "1-2-3", "-"}) {
    const auto e = ParseRanges({bad});
    ASSERT_FALSE(e.ok()) << bad;
    EXPECT_EQ(e.status().message(),
              std::string("--expect: \"") + bad + "\" is not FIRST-LAST");
  }
}

TEST(Oracle, WholeStreamPassesEveryCheck) {
  Oracle o(Opts(
      {.gap = true, .loss = true, .malformed = true, .expect = {{0, 99}}}));
  o.Source(Key(), Whole());
  o.Undelivered("relp://10.0.0.9:2514", 0);
  o.BadChecksums("c.pcap", 0);
  EXPECT_EQ(o.failures(), 0);
  EXPECT_EQ(o.report(), "");
}

TEST(Oracle, GapsFailOnlyWhenAsked) {
  wire::SourceStats st = Whole();
  st.missing = 3;
  st.gaps.push_back({10, 12});
  Oracle lenient(Opts({}));
  lenient.Source(Key(), st);
  EXPECT_EQ(lenient.failures(), 0);
  Oracle strict(Opts({.gap = true}));
  strict.Source(Key(), st);
  EXPECT_EQ(strict.failures(), 1);
  EXPECT_EQ(strict.report(), "FAIL: 10.99.0.1:6665: 3 records missing\n");
  // An expected range across the gap is incomplete even without the flag.
  Oracle expect(Opts({.expect = {{0, 99}, {20, 30}}}));
  expect.Source(Key(), st);
  EXPECT_EQ(expect.failures(), 1);
  EXPECT_EQ(expect.report(), "FAIL: 10.99.0.1:6665: seq 0-99 incomplete\n");
}

TEST(Oracle, LossCoversAnnouncementsAndOutputs) {
  wire::SourceStats st = Whole();
  st.announced_lost = 4;
  Oracle gap_only(Opts({.gap = true}));
  gap_only.Source(Key(), st);
  gap_only.Undelivered("json:/tmp/x", 2);
  EXPECT_EQ(gap_only.failures(), 0);
  EXPECT_EQ(gap_only.report(), "json:/tmp/x: 2 records not delivered\n");
  Oracle loss(Opts({.loss = true}));
  loss.Source(Key(), st);
  loss.Undelivered("json:/tmp/x", 2);
  EXPECT_EQ(loss.failures(), 2);
  EXPECT_EQ(loss.report(),
            "FAIL: 10.99.0.1:6665: 4 records announced lost\n"
            "FAIL: json:/tmp/x: 2 records not delivered\n");
}

TEST(Oracle, MalformedInputAndChecksums) {
  wire::SourceStats st = Whole();
  st.malformed = 1;
  Oracle o(Opts({.malformed = true}));
  o.Source(Key(), st);
  o.BadChecksums("c.pcap", 2);
  EXPECT_EQ(o.failures(), 2);
  EXPECT_EQ(o.report(),
            "FAIL: 10.99.0.1:6665: 1 malformed, 0 reassembly failures\n"
            "FAIL: bad checksums in c.pcap\n");
}

TEST(Oracle, NothingReceivedFailsAnExpectation) {
  Oracle o(Opts({.expect = {{0, 9}}}));
  EXPECT_EQ(o.failures(), 1);
  EXPECT_EQ(o.report(), "FAIL: no records received, 1 ranges expected\n");
  Oracle none(Opts({}));
  EXPECT_EQ(none.failures(), 0);
}

}  // namespace
}  // namespace pmdcon::rx
