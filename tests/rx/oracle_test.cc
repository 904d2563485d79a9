// pmdcon-rx's verdict as a test oracle: each option fails on what it names
// and nothing else, and every finding is reported with its source.
#include "rx/oracle.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>

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

// What the oracle says of one source with `st`, an output that did not
// deliver `undelivered` records and a capture with `bad` checksums.
using Verdict = std::pair<int, std::string>;
Verdict Judge(Asks asks, const wire::SourceStats& st, uint64_t undelivered = 0,
              uint64_t bad = 0) {
  Oracle o(Opts(std::move(asks)));
  o.Source(Key(), st);
  o.Undelivered("json:/tmp/x", undelivered);
  o.BadChecksums("c.pcap", bad);
  return {o.failures(), o.report()};
}

TEST(Oracle, WholeStreamPassesEveryCheck) {
  EXPECT_EQ(
      Judge({.gap = true, .loss = true, .malformed = true, .expect = {{0, 99}}},
            Whole()),
      Verdict(0, ""));
}

TEST(Oracle, GapsFailOnlyWhenAsked) {
  wire::SourceStats st = Whole();
  st.missing = 3;
  st.gaps.push_back({10, 12});
  EXPECT_EQ(Judge({}, st), Verdict(0, ""));
  EXPECT_EQ(Judge({.gap = true}, st),
            Verdict(1, "FAIL: 10.99.0.1:6665: 3 records missing\n"));
  // An expected range across the gap is incomplete even without the flag.
  EXPECT_EQ(Judge({.expect = {{0, 99}, {20, 30}}}, st),
            Verdict(1, "FAIL: 10.99.0.1:6665: seq 0-99 incomplete\n"));
}

TEST(Oracle, LossCoversAnnouncementsAndOutputs) {
  wire::SourceStats st = Whole();
  st.announced_lost = 4;
  EXPECT_EQ(Judge({.gap = true}, st, 2),
            Verdict(0, "json:/tmp/x: 2 records not delivered\n"));
  EXPECT_EQ(Judge({.loss = true}, st, 2),
            Verdict(2,
                    "FAIL: 10.99.0.1:6665: 4 records announced lost\n"
                    "FAIL: json:/tmp/x: 2 records not delivered\n"));
}

TEST(Oracle, MalformedInputAndChecksums) {
  wire::SourceStats st = Whole();
  st.malformed = 1;
  EXPECT_EQ(Judge({}, st, 0, 2), Verdict(0, ""));
  EXPECT_EQ(Judge({.malformed = true}, st, 0, 2),
            Verdict(2,
                    "FAIL: 10.99.0.1:6665: 1 malformed, 0 reassembly failures\n"
                    "FAIL: bad checksums in c.pcap\n"));
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
