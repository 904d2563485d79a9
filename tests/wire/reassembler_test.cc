// Decoder and reassembler: round trips through the encoder with fragments in
// any order, sequence accounting (gaps, duplicates, reordering, restarts,
// announced losses), malformed input of every class, timeouts and bounds.
#include "wire/reassembler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <random>

#include "wire_test_util.h"

namespace pmdcon {
namespace {

using testing::Encode;
using testing::MakeRecord;
using testing::TestRecord;
using wire::Message;
using wire::Reassembler;
using wire::SourceKey;

struct Got {
  bool extended;
  uint64_t seq;
  uint32_t fragments;
  std::string release;
  std::string body;
  bool restart, reordered, previous_boot;
};

struct Collect : wire::MessageSink {
  std::vector<Got> got;
  void OnMessage(const Message& m) override {
    got.push_back({m.extended, m.seq, m.fragments, std::string(m.release),
                   std::string(m.body), m.restart, m.reordered,
                   m.previous_boot});
  }
};

SourceKey Src(uint8_t n = 1) {
  SourceKey k;
  k.family = 4;
  k.port = 6665;
  k.addr[0] = 10;
  k.addr[3] = n;
  return k;
}

wire::Encoder MakeEncoder(const wire::Format& f) {
  return *wire::Encoder::Create(f);
}

void FeedAll(Reassembler& r, const std::vector<std::string>& payloads,
             Collect& c, uint64_t now = 0, SourceKey src = Src()) {
  for (const auto& p : payloads) r.Feed(src, p, now, c);
}

TEST(Decoder, ParsesHeaders) {
  wire::Payload p;
  ASSERT_EQ(wire::ParsePayload("6.4.0,6,444,501151268,-;hi\n", 65536, &p),
            wire::Malformed::kNone);
  EXPECT_TRUE(p.extended);
  EXPECT_EQ(p.release, "6.4.0");
  EXPECT_EQ(p.prio, 6u);
  EXPECT_EQ(p.seq, 444u);
  EXPECT_EQ(p.ts_usec, 501151268u);
  EXPECT_EQ(p.body, "hi\n");
  ASSERT_EQ(
      wire::ParsePayload("4,8,9,c,caller=C2,ncfrag=3/10;abcdefg", 65536, &p),
      wire::Malformed::kNone);
  EXPECT_EQ(p.flag, 'c');
  EXPECT_TRUE(p.has_caller);
  EXPECT_EQ(p.caller_id, 0x80000002u);
  EXPECT_TRUE(p.fragment);
  EXPECT_EQ(p.frag_offset, 3u);
  EXPECT_EQ(p.frag_total, 10u);
  EXPECT_EQ(p.header, "4,8,9,c,caller=C2");
  ASSERT_EQ(wire::ParsePayload("[  1.000000] basic line\n", 65536, &p),
            wire::Malformed::kNone);
  EXPECT_FALSE(p.extended);
}

TEST(Decoder, ClassifiesMalformedInput) {
  wire::Payload p;
  const std::pair<std::string, wire::Malformed> cases[] = {
      {"", wire::Malformed::kEmpty},
      {std::string(1001, 'x'), wire::Malformed::kTooLong},
      {"6,12,99x,-;text\n", wire::Malformed::kBadHeader},
      {"999,12,99,-;text\n", wire::Malformed::kBadHeader},
      {"6,99999999999999999999999,1,-;t\n", wire::Malformed::kBadHeader},
      {"6,1,2,-,caller=X1;t\n", wire::Malformed::kNone},  // unknown: ignored
      {"6,1,2,-,caller=T99999999999;t\n", wire::Malformed::kBadHeader},
      {"6,1,2,-,ncfrag=5;t", wire::Malformed::kBadNcfrag},
      {"6,1,2,-,ncfrag=10/10;t", wire::Malformed::kBadNcfrag},
      {"6,1,2,-,ncfrag=0/0;t", wire::Malformed::kBadNcfrag},
      {"6,1,2,-,ncfrag=8/10;toolong", wire::Malformed::kBadNcfrag},
      {"6,1,2,-,ncfrag=0/9999999;t", wire::Malformed::kOversized},
      {"6,1,,-;t\n", wire::Malformed::kBadHeader},
  };
  for (const auto& [payload, want] : cases) {
    EXPECT_EQ(wire::ParsePayload(payload, 65536, &p), want) << payload;
  }
}

TEST(Decoder, SplitsBodyLikeUpstreamComposesIt) {
  wire::Body b;
  wire::SplitBody(
      "a\\x0ab\\x5c\n SUBSYSTEM=acpi\n DEVICE=+acpi:x\\x01\n host=db1\n "
      "cpu=3\n taskname=echo\n release=6.1\n msgid=7\n",
      &b);
  EXPECT_EQ(b.text, "a\nb\\");
  ASSERT_EQ(b.dict.size(), 2u);
  EXPECT_EQ(b.dict[1].second, "+acpi:x\x01");
  ASSERT_EQ(b.userdata.size(), 1u);
  EXPECT_EQ(b.userdata[0].first, "host");
  ASSERT_EQ(b.sysdata.size(), 4u);
  EXPECT_EQ(b.sysdata[3].second, "7");
  // A userdata key named like sysdata, but out of order, stays userdata.
  wire::SplitBody("t\n msgid=1\n cpu=2\n", &b);
  EXPECT_EQ(b.userdata.size(), 1u);
  EXPECT_EQ(b.sysdata.size(), 1u);
}

// Encode random records with random settings, deliver the fragments in a
// random order (with late duplicates), and get every field back. Two million
// records by default: 20,000 random formats, 100 random records each.
TEST(RoundTrip, RandomRecordsAndSettingsWithShuffledFragments) {
  std::mt19937_64 rng(7);
  const int cases = std::getenv("PMDCON_WIRE_CASES")
                        ? std::atoi(std::getenv("PMDCON_WIRE_CASES")) * 50
                        : 2000000;
  Reassembler r({});
  Collect c;
  wire::Body b;
  uint64_t seq = 0, fragmented = 0, late_duplicates = 0;
  std::string text;
  for (int done = 0; done < cases;) {
    wire::Format f;
    f.release = rng() % 2;
    f.release_str = "6.12.38+deb12-amd64";
    f.sysdata = static_cast<uint8_t>(rng() % 16);
    for (int k = 0, n = static_cast<int>(rng() % 4); k < n; ++k)
      f.userdata.push_back(
          {"u" + std::to_string(k), std::string(rng() % 150 + 1, 'v')});
    wire::Encoder e = MakeEncoder(f);
    for (int i = 0; i < 100 && done < cases; ++i, ++done) {
      text.resize(rng() % 4 == 0 ? rng() % 3000 : rng() % 200);
      const bool binary = rng() % 2;
      for (char& ch : text)
        ch = static_cast<char>(binary ? rng() % 256 : 32 + rng() % 95);
      const std::string dict =
          rng() % 4 == 0
              ? std::string("SUBSYSTEM=pci\0DEVICE=+pci:0000:00:1f.2", 38)
              : "";
      ++seq;
      TestRecord rec = MakeRecord(
          seq, seq * 3, static_cast<uint8_t>(rng() % 192), text, dict);
      rec.hdr.cpu = static_cast<uint16_t>(rng() % 64);
      std::strcpy(rec.hdr.comm, "swapper/0");
      auto payloads = Encode(e, rec);
      fragmented += payloads.size() > 1;
      std::shuffle(payloads.begin(), payloads.end(), rng);
      if (payloads.size() > 1 && rng() % 4 == 0) {
        payloads.push_back(payloads[0]);  // a late duplicate fragment
        ++late_duplicates;
      }
      c.got.clear();
      FeedAll(r, payloads, c);
      ASSERT_EQ(c.got.size(), 1u) << "record " << done;
      const Got& g = c.got[0];
      ASSERT_EQ(g.seq, seq);
      ASSERT_EQ(g.release, f.release ? f.release_str : "");
      wire::SplitBody(g.body, &b);
      ASSERT_EQ(b.text, text) << "record " << done;
      ASSERT_EQ(b.dict.size(), dict.empty() ? 0u : 2u);
      ASSERT_EQ(b.userdata.size(), f.userdata.size());
      for (size_t k = 0; k < f.userdata.size(); ++k) {
        ASSERT_EQ(b.userdata[k].first, f.userdata[k].key);
        ASSERT_EQ(b.userdata[k].second, f.userdata[k].value);
      }
      ASSERT_EQ(b.sysdata.size(),
                static_cast<size_t>(__builtin_popcount(f.sysdata)));
    }
  }
  const wire::SourceStats* st = r.Stats(Src());
  ASSERT_NE(st, nullptr);
  EXPECT_EQ(st->records, static_cast<uint64_t>(cases));
  EXPECT_EQ(st->missing, 0u);
  EXPECT_EQ(st->malformed, 0u);
  EXPECT_EQ(st->reassembly_failures, 0u);
  EXPECT_EQ(st->duplicates, late_duplicates);
  EXPECT_GT(late_duplicates, 0u);
  EXPECT_GT(fragmented, static_cast<uint64_t>(cases) / 10);
}

std::string Rec(uint64_t seq, uint64_t ts = 1, const std::string& text = "x") {
  return "6," + std::to_string(seq) + "," + std::to_string(ts) + ",-;" + text +
         "\n";
}

TEST(Sequence, GapsDuplicatesAndReordering) {
  Reassembler r({});
  Collect c;
  FeedAll(r, {Rec(1), Rec(2), Rec(5, 5), Rec(2), Rec(3, 3), Rec(9, 9)}, c);
  const wire::SourceStats& st = *r.Stats(Src());
  EXPECT_EQ(c.got.size(), 5u);  // the duplicate 2 is suppressed
  EXPECT_EQ(st.duplicates, 1u);
  EXPECT_EQ(st.reordered, 1u);
  EXPECT_TRUE(c.got[3].reordered);
  ASSERT_EQ(st.gaps.size(), 2u);
  EXPECT_EQ(st.gaps[0].first, 4u);
  EXPECT_EQ(st.gaps[0].last, 4u);
  EXPECT_EQ(st.gaps[1].first, 6u);
  EXPECT_EQ(st.gaps[1].last, 8u);
  EXPECT_EQ(st.missing, 4u);
}

TEST(Sequence, DedupeCanBeTurnedOff) {
  Reassembler r({.dedupe = false});
  Collect c;
  FeedAll(r, {Rec(1), Rec(1)}, c);
  EXPECT_EQ(c.got.size(), 2u);
  EXPECT_EQ(r.Stats(Src())->duplicates, 1u);
}

TEST(Sequence, RestartAfterRebootIsNotADuplicate) {
  Reassembler r({});
  Collect c;
  FeedAll(r, {Rec(0, 100), Rec(1, 200), Rec(2, 300), Rec(0, 7), Rec(1, 8)}, c);
  EXPECT_EQ(c.got.size(), 5u);
  EXPECT_TRUE(c.got[3].restart);
  EXPECT_EQ(r.Stats(Src())->restarts, 1u);
  EXPECT_EQ(r.Stats(Src())->duplicates, 0u);
  EXPECT_EQ(r.Stats(Src())->missing, 0u);
  // A new release from the same address is a restart too.
  FeedAll(r, {"6.1.0,6,50,9,-;a\n", "6.12.0,6,51,9,-;b\n"}, c);
  EXPECT_TRUE(c.got.back().restart);
}

// With acknowledgements a hole can be filled long after newer records went
// past it: a seq still missing is a late arrival however far back, while a
// seq that far back that is not missing starts a new stream.
TEST(Sequence, LateArrivalFarBehindFillsItsGap) {
  Reassembler r({});
  Collect c;
  FeedAll(r, {Rec(0, 1), Rec(2, 1)}, c);
  for (uint64_t s = 3; s < 20000; ++s) r.Feed(Src(), Rec(s, 1), 0, c);
  FeedAll(r, {Rec(1, 1)}, c);
  EXPECT_TRUE(c.got.back().reordered);
  EXPECT_FALSE(c.got.back().restart);
  const wire::SourceStats& st = *r.Stats(Src());
  EXPECT_EQ(st.restarts, 0u);
  EXPECT_EQ(st.missing, 0u);
  EXPECT_EQ(st.records, 20000u);
  // An emergency resend (",ncemg=1") of a record delivered long ago is a
  // duplicate: a sender walks its unacknowledged records with them.
  const size_t n = c.got.size();
  FeedAll(r, {"6,7,1,-,ncemg=1;x\n"}, c);
  EXPECT_EQ(c.got.size(), n);
  EXPECT_EQ(r.Stats(Src())->restarts, 0u);
  EXPECT_EQ(r.Stats(Src())->duplicates, 1u);
  // A second copy of the resend (asked for twice), far behind: a duplicate.
  FeedAll(r, {Rec(1, 1)}, c);
  EXPECT_EQ(c.got.size(), n);
  EXPECT_EQ(r.Stats(Src())->duplicates, 2u);
  FeedAll(r, {Rec(5, 2)}, c);  // delivered long ago, another stamp: new
  EXPECT_TRUE(c.got.back().restart);
}

TEST(Sequence, AnnouncedLossClosesTheGapAndIsCounted) {
  Reassembler r({});
  Collect c;
  wire::Encoder e = MakeEncoder({});
  std::vector<std::string> notice;
  char buf[1000];
  e.BeginLoss(50, true, 11, 60, 5, "overwritten in the ring");
  while (uint32_t n = e.Next(buf)) notice.emplace_back(buf, n);
  FeedAll(r, {Rec(10)}, c);
  FeedAll(r, notice, c);
  FeedAll(r, {Rec(61)}, c);
  const wire::SourceStats& st = *r.Stats(Src());
  EXPECT_EQ(st.announced_lost, 50u);
  EXPECT_EQ(st.missing, 0u) << "an announced loss is not a silent gap";
  EXPECT_TRUE(st.gaps.empty());
  // An unannounced jump stays a gap.
  FeedAll(r, {Rec(70)}, c);
  EXPECT_EQ(st.missing, 8u);
}

TEST(Sequence, PreviousBootMarkIsReported) {
  Reassembler r({});
  Collect c;
  FeedAll(r, {"6,5,1,-;old\n PMDCON_BOOT=previous\n"}, c);
  ASSERT_EQ(c.got.size(), 1u);
  EXPECT_TRUE(c.got[0].previous_boot);
}

// After a warm reboot pmdcon sends the previous boot's records first, then
// this boot's from seq 0: early records of both boots share seq and
// timestamp, yet none is a duplicate of the other.
TEST(Sequence, PreviousBootRecordsAreAStreamOfTheirOwn) {
  wire::Reassembler r({});
  Collect c;
  std::vector<std::string> p;
  for (int i = 0; i < 5; ++i) {
    p.push_back("6," + std::to_string(i) +
                ",0,-;boot\n PMDCON_BOOT=previous\n");
  }
  for (int i = 0; i < 5; ++i)
    p.push_back("6," + std::to_string(i) + ",0,-;boot\n");
  FeedAll(r, p, c);
  ASSERT_EQ(c.got.size(), 10u);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(c.got[i].previous_boot, i < 5) << i;
  int streams = 0;
  r.ForEachSource([&](const wire::SourceKey& k, const wire::SourceStats& st) {
    ++streams;
    EXPECT_EQ(st.records, 5u) << k.previous_boot;
    EXPECT_EQ(st.duplicates, 0u);
    EXPECT_EQ(st.restarts, 0u);
  });
  EXPECT_EQ(streams, 2);
}

TEST(Fragments, TimeoutCountsFailureAndNeverStallsTheStream) {
  Reassembler r({.frag_timeout_us = 1000});
  Collect c;
  r.Feed(Src(), "6,1,1,-,ncfrag=0/20;0123456789", 0, c);
  EXPECT_EQ(r.NextDeadline(), 1000u);
  r.Feed(Src(), Rec(2), 10, c);  // later records flow meanwhile
  EXPECT_EQ(c.got.size(), 1u);
  r.Expire(999, c);
  EXPECT_EQ(r.Stats(Src())->reassembly_failures, 0u);
  r.Expire(1000, c);
  EXPECT_EQ(r.Stats(Src())->reassembly_failures, 1u);
  EXPECT_EQ(r.NextDeadline(), UINT64_MAX);
  // The late second half starts a new, incomplete record; nothing delivered.
  r.Feed(Src(), "6,1,1,-,ncfrag=10/20;abcdefghij", 2000, c);
  EXPECT_EQ(c.got.size(), 1u);
}

TEST(Fragments, InconsistentTotalsAreMalformed) {
  Reassembler r({});
  Collect c;
  r.Feed(Src(), "6,1,1,-,ncfrag=0/20;0123456789", 0, c);
  r.Feed(Src(), "6,1,1,-,ncfrag=10/30;abcdefghij", 0, c);
  const wire::SourceStats& st = *r.Stats(Src());
  EXPECT_EQ(st.malformed, 1u);
  EXPECT_EQ(st.reassembly_failures, 1u);
  EXPECT_TRUE(c.got.empty());
}

TEST(Fragments, PendingRecordsAreBounded) {
  Reassembler r({.max_pending = 4});
  Collect c;
  for (int i = 0; i < 100; ++i) {
    r.Feed(
        Src(),
        "6," + std::to_string(i) + ",1,-,ncfrag=0/50;" + std::string(10, 'p'),
        0, c);
  }
  EXPECT_EQ(r.Stats(Src())->reassembly_failures, 96u);
  // The four newest can still complete.
  r.Feed(Src(), "6,99,1,-,ncfrag=10/50;" + std::string(40, 'q'), 0, c);
  ASSERT_EQ(c.got.size(), 1u);
  EXPECT_EQ(c.got[0].body, std::string(10, 'p') + std::string(40, 'q'));
  EXPECT_EQ(c.got[0].fragments, 2u);
}

// "6,SEQ,1,-,ncfrag=OFF/TOTAL;BYTES"
std::string Frag(uint64_t seq, uint32_t off, uint32_t total,
                 std::string_view bytes) {
  return "6," + std::to_string(seq) + ",1,-,ncfrag=" + std::to_string(off) +
         "/" + std::to_string(total) + ";" + std::string(bytes);
}

TEST(Fragments, OverlapsThatDisagreeAreNeverSpliced) {
  Reassembler r({});
  Collect c;
  r.Feed(Src(), Frag(1, 0, 20, "0123456789"), 0, c);
  r.Feed(Src(), Frag(1, 5, 20, "56789abcde"), 0, c);    // agrees
  r.Feed(Src(), Frag(1, 8, 20, "XXxxxxxxxxxx"), 0, c);  // bytes 8, 9 differ
  r.Feed(Src(), Frag(1, 15, 20, "fghij"), 0, c);
  EXPECT_TRUE(c.got.empty());
  const wire::SourceStats& st = *r.Stats(Src());
  EXPECT_EQ(st.fragment_conflicts, 1u);
  EXPECT_EQ(st.reassembly_failures, 1u);
  // Counted once, also when it times out.
  r.Expire(10'000'000, c);
  EXPECT_EQ(r.Stats(Src())->reassembly_failures, 1u);
  // Overlaps that agree complete the record.
  r.Feed(Src(), Frag(2, 0, 20, "0123456789"), 0, c);
  r.Feed(Src(), Frag(2, 3, 20, "3456789abcdefghij"), 0, c);
  ASSERT_EQ(c.got.size(), 1u);
  EXPECT_EQ(c.got[0].body, "0123456789abcdefghij");
}

// One-byte fragments in random order, with duplicates, rebuild the largest
// record (the time this takes is bench/wire_bench's BM_OneByteFragments).
TEST(Fragments, OneByteFragmentsInAnyOrder) {
  constexpr uint32_t kTotal = 65536;
  std::string body(kTotal, 'x');
  std::mt19937_64 rng(5);
  for (char& ch : body) ch = static_cast<char>('a' + rng() % 26);
  std::vector<uint32_t> order(kTotal);
  for (uint32_t i = 0; i < kTotal; ++i) order[i] = i;
  std::shuffle(order.begin(), order.end(), rng);
  order.insert(order.begin() + 1000, order.begin(), order.begin() + 500);
  Reassembler r({});
  Collect c;
  for (uint32_t at : order) {
    r.Feed(Src(), Frag(1, at, kTotal, body.substr(at, 1)), 0, c);
  }
  ASSERT_EQ(c.got.size(), 1u);
  EXPECT_EQ(c.got[0].body, body);
  EXPECT_EQ(c.got[0].fragments, order.size());
  EXPECT_EQ(r.Stats(Src())->reassembly_failures, 0u);
}

// Memory follows what arrived, not the total a header declares.
TEST(Budget, IncompleteRecordsCostWhatArrived) {
  Reassembler r({});
  Collect c;
  const size_t before = r.budget_stats().charged;
  for (int i = 0; i < 200; ++i) {
    r.Feed(Src(), Frag(static_cast<uint64_t>(i), 0, 65536, "0123456789"), 0, c);
  }
  EXPECT_EQ(r.Stats(Src())->reassembly_failures, 0u);
  EXPECT_LT(r.budget_stats().charged - before, 200u * 1024);
}

TEST(Budget, OneSourcesIncompleteRecordsAreBounded) {
  Reassembler r({.max_pending_bytes = 1 << 20});
  Collect c;
  // Reverse-order 1-byte fragments: a piece each, the costliest shape.
  for (uint64_t seq = 0; seq < 8; ++seq) {
    for (uint32_t at = 65535; at > 1; --at) {
      r.Feed(Src(), Frag(seq, at, 65536, "z"), 0, c);
      ASSERT_LE(r.budget_stats().charged, (1u << 20) + 64 * 1024);
    }
  }
  EXPECT_GT(r.budget_stats().records_evicted, 0u);
  EXPECT_EQ(r.Stats(Src())->reassembly_failures,
            r.budget_stats().records_evicted);
}

// 100,000 sources through a 4 MiB budget: memory stays within it, the idle
// sources go, and a source that keeps speaking keeps its stream whole.
TEST(Budget, SourceFloodEvictsIdleSourcesNotActiveOnes) {
  constexpr size_t kBudget = 4 << 20;
  Reassembler r({.memory_budget = kBudget});
  Collect c;
  SourceKey legit = Src(1);
  SourceKey quiet = Src(2);  // established, then silent through the flood
  r.Feed(quiet, Rec(1), 0, c);
  r.Feed(quiet, Rec(2), 0, c);
  uint64_t seq = 0;
  for (uint32_t i = 0; i < 100000; ++i) {
    SourceKey k;
    k.family = 6;
    std::memcpy(k.addr.data(), &i, sizeof(i));
    r.Feed(k, Rec(7), i, c);
    if (i % 10 == 0) r.Feed(legit, Rec(seq++), i, c);
    ASSERT_LE(r.budget_stats().charged, kBudget);
  }
  const wire::SourceStats* st = r.Stats(legit);
  ASSERT_NE(st, nullptr);
  EXPECT_EQ(st->records, seq);
  EXPECT_TRUE(wire::Complete(*st, 0, seq - 1));
  EXPECT_GT(r.budget_stats().sources_evicted, 90000u);
  EXPECT_EQ(r.budget_stats().sources_evicted + r.sources(), 100002u);
  // A one-record flood churns only the fresh sources.
  ASSERT_NE(r.Stats(quiet), nullptr);
  EXPECT_EQ(r.Stats(quiet)->records, 2u);
}

TEST(Budget, AnEvictedSourceComesBackAsNew) {
  Reassembler r({.memory_budget = 64 * 1024});
  Collect c;
  for (uint8_t s = 1; s <= 20; ++s) r.Feed(Src(s), Rec(5), 0, c);
  EXPECT_EQ(c.got.size(), 20u);  // every record delivered
  EXPECT_LT(r.sources(), 20u);
  EXPECT_EQ(r.Stats(Src(1)), nullptr);
  r.Feed(Src(1), Rec(6), 0, c);
  ASSERT_NE(r.Stats(Src(1)), nullptr);
  EXPECT_EQ(r.Stats(Src(1))->first_seq, 6u);
}

struct Responses : Collect {
  std::vector<std::pair<SourceKey, std::string>> sent;
  void OnResponse(const SourceKey& to, std::string_view d) override {
    sent.push_back({to, std::string(d)});
  }
};

// With ack on, each source gets ncrx responses at its last port; memory
// for the protocol's state is part of the budget.
TEST(Ack, ResponsesGoToTheSendersLastPort) {
  Reassembler r({.by_address = true, .ack = true});
  Responses c;
  SourceKey a = Src(1);
  r.Feed(a, Rec(10), 0, c);
  a.port = 7000;  // the same address from another port: the same stream
  r.Feed(a, Rec(12), 0, c);
  EXPECT_TRUE(c.sent.empty());
  EXPECT_EQ(r.NextDeadline(), 1'000'000u);
  r.Expire(1'000'000, c);
  ASSERT_EQ(c.sent.size(), 1u);
  EXPECT_EQ(c.sent[0].first, a);
  EXPECT_EQ(c.sent[0].second, "ncrx10 11");
  // An emergency resend is acked at once, in the same Feed.
  r.Feed(a, "6,11,1,-,ncemg=1;x\n", 1'100'000, c);
  ASSERT_EQ(c.sent.size(), 2u);
  EXPECT_EQ(c.sent[1].second, "ncrx12");
  SourceKey by_address = a;
  by_address.port = 0;
  ASSERT_NE(r.AckStatsOf(by_address), nullptr);
  EXPECT_EQ(r.AckStatsOf(by_address)->recovered, 1u);
  EXPECT_EQ(r.ack_totals().responses, 2u);
}

// A reliable stream's first records say where it began (",ncfirst="): a
// receiver whose first arrival is later knows the ones before it are
// missing, and asks for them; a header that claims a start after its own
// seq is malformed, and one too far back is not believed.
TEST(Sequence, TheStreamsFirstSeqsLostAreAGap) {
  Reassembler r({.ack = true});
  Responses c;
  r.Feed(Src(), "6,3,1,-,ncfirst=0;x\n", 0, c);
  r.Feed(Src(), "6,4,1,-,ncfirst=0;x\n", 0, c);
  const wire::SourceStats& st = *r.Stats(Src());
  EXPECT_EQ(st.first_seq, 0u);
  ASSERT_EQ(st.gaps.size(), 1u);
  EXPECT_EQ(st.gaps[0].first, 0u);
  EXPECT_EQ(st.gaps[0].last, 2u);
  EXPECT_FALSE(Complete(st, 0, 4));
  r.Expire(1'000'000, c);
  ASSERT_EQ(c.sent.size(), 1u);
  EXPECT_EQ(c.sent[0].second, "ncrx18446744073709551615 0 1 2");
  for (uint64_t s = 0; s < 3; ++s) r.Feed(Src(), Rec(s), 1'100'000, c);
  EXPECT_TRUE(Complete(st, 0, 4));
  EXPECT_EQ(st.records, 5u);
  EXPECT_EQ(st.restarts, 0u);
  r.Expire(2'100'000, c);
  EXPECT_EQ(c.sent.back().second, "ncrx4");
  // A new boot's stream (seqs went back, another record) whose first
  // record was lost: a restart, and its start is missing.
  r.Feed(Src(), "6,2,9,-,ncfirst=1;y\n", 2'200'000, c);
  EXPECT_EQ(st.restarts, 1u);
  EXPECT_EQ(st.first_seq, 1u);
  EXPECT_FALSE(Complete(st, 1, 2));
  // Hostile or broken headers.
  Reassembler h({});
  Collect d;
  FeedAll(h, {"6,3,1,-,ncfirst=4;x\n", "6,3,1,-,ncfirst=z;x\n"}, d);
  EXPECT_EQ(h.Stats(Src())->malformed, 2u);
  FeedAll(h, {"6,100000,1,-,ncfirst=0;x\n"}, d);
  EXPECT_EQ(h.Stats(Src())->first_seq, 100000u);  // beyond kFirstSpan
  EXPECT_TRUE(h.Stats(Src())->gaps.empty());
}

// Issue 23, item 4: sources with a victim's address send seq 0 and seq
// 8000, and each second every hole would be asked for again in 1000-byte
// responses. Toward an address that proved nothing, responses never carry
// more bytes than came from it; the rest waits for more bytes, no timer
// spins on it, and a real sender (far more bytes in than out) is not held.
TEST(Ack, ResponsesNeverExceedTheBytesReceived) {
  Reassembler r({.ack = true});
  Responses c;
  uint64_t in = 0;
  for (uint32_t i = 0; i < 100; ++i) {
    for (const std::string& p : {Rec(0), Rec(8000)}) {
      r.Feed(Src(i), p, 0, c);
      in += p.size();
    }
  }
  for (uint64_t t = 1; t <= 40; ++t) r.Expire(t * 1'000'000, c);
  uint64_t out = 0;
  for (const auto& [to, d] : c.sent) out += d.size();
  EXPECT_GT(out, 0u);  // as much as was paid for: "ncrx0 1 2 ..."
  EXPECT_LE(out, in);
  EXPECT_EQ(r.NextDeadline(), UINT64_MAX);  // waiting for bytes, not time
  EXPECT_GT(r.ack_totals().withheld, 0u);
  // One more record from a source pays for one more (short) response.
  const size_t before = c.sent.size();
  r.Feed(Src(7), Rec(8001), 41'000'000, c);
  ASSERT_EQ(c.sent.size(), before + 1);
  EXPECT_LE(c.sent.back().second.size(), Rec(8001).size());
}

// Random bytes never crash it, and every payload is accounted for.
TEST(Hostile, RandomPayloadsAreAccounted) {
  std::mt19937_64 rng(3);
  Reassembler r({.max_pending = 16});
  Collect c;
  const std::string seeds[] = {"6,1,2,-,ncfrag=0/40;", "6,1,2,-;", "x,y,z,-;",
                               "6.1,6,3,4,c,caller=T1;"};
  for (int i = 0; i < 200000; ++i) {
    std::string p = rng() % 2 ? seeds[rng() % 4] : "";
    for (size_t n = rng() % 80; n > 0; --n)
      p += static_cast<char>(rng() % 2 ? rng() % 256
                                       : "0123456789,;/=-\n"[rng() % 16]);
    r.Feed(Src(), p, static_cast<uint64_t>(i), c);
    if (i % 1000 == 0) r.Expire(static_cast<uint64_t>(i), c);
  }
  const wire::SourceStats& st = *r.Stats(Src());
  EXPECT_EQ(st.payloads, 200000u);
  EXPECT_EQ(st.records - st.reassembled + st.basic_chunks + st.malformed +
                st.fragments + st.duplicates,
            st.payloads);
  EXPECT_GT(st.malformed, 0u);
  EXPECT_GT(st.fragments, 0u);
}

}  // namespace
}  // namespace pmdcon
