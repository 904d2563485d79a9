// Records telling of a crash (wire/panic.h), and how the reassembler counts
// them and the sources it evicts.
#include "wire/panic.h"

#include <gtest/gtest.h>

#include <string>

#include "wire/reassembler.h"

namespace pmdcon {
namespace {

using wire::ClassifyPanic;
using wire::Panic;

TEST(Panic, ClassifiesByTheBodysStart) {
  EXPECT_EQ(ClassifyPanic("Kernel panic - not syncing: Fatal exception"),
            Panic::kPanic);
  EXPECT_EQ(ClassifyPanic("Kernel panic - not syncing"), Panic::kPanic);
  EXPECT_EQ(ClassifyPanic("Oops: 0000 [#1] PREEMPT SMP NOPTI"), Panic::kOops);
  EXPECT_EQ(ClassifyPanic("Oops: general protection fault, probably for "
                          "non-canonical address"),
            Panic::kOops);
  EXPECT_EQ(ClassifyPanic("BUG: unable to handle page fault for address"),
            Panic::kBug);
  EXPECT_EQ(ClassifyPanic("BUG: soft lockup - CPU#1 stuck for 22s!"),
            Panic::kBug);
  EXPECT_EQ(ClassifyPanic("kernel BUG at mm/slub.c:4000!"), Panic::kBug);
  EXPECT_EQ(ClassifyPanic("watchdog: BUG: soft lockup - CPU#3 stuck for 23s! "
                          "[kworker/3:1:123]"),
            Panic::kBug);
  EXPECT_EQ(ClassifyPanic("Internal error: Oops: 96000005 [#1] PREEMPT SMP"),
            Panic::kOops);
}

// Basic mode (CONFIG_PRINTK_TIME): the console's line with its time.
TEST(Panic, BasicChunksMaySkipAPrintkTime) {
  using wire::ClassifyBasicPanic;
  EXPECT_EQ(ClassifyBasicPanic("[   12.345678] Kernel panic - not syncing: x"),
            Panic::kPanic);
  EXPECT_EQ(ClassifyBasicPanic("[12345.000001] Oops: 0002 [#1] SMP"),
            Panic::kOops);
  EXPECT_EQ(ClassifyBasicPanic("[    0.5] BUG: kernel NULL pointer"),
            Panic::kBug);
  EXPECT_EQ(ClassifyBasicPanic("Oops: no time"), Panic::kOops);
  for (const char* chunk :
       {"[", "[ ", "[ 1", "[ 1.", "[ 1.5", "[ 1.5]", "[ 1.5]Oops: x",
        "[ .5] Oops: x", "[ 1.] Oops: x", "[ x.5] Oops: x", "[drm] Oops: x",
        "[ 1.5] a line with Oops: in the middle", "[ 1.5]  Oops: two spaces",
        "[ 1.5] [ 2.5] Oops: twice"}) {
    EXPECT_EQ(ClassifyBasicPanic(chunk), Panic::kNone) << chunk;
  }
  // Extended records carry the time apart: their text is taken as it is.
  EXPECT_EQ(ClassifyPanic("[   1.0] Oops: x"), Panic::kNone);
}

TEST(Panic, OthersAreNot) {
  for (const char* body :
       {"", "K", "Kernel panic", "Kernel panic - not",
        "kernel panic - not "
        "syncing",
        "Oops", "oops: 1", "BUG", "bug: x", "kernel BUG",
        " Kernel panic - not syncing", "a BUG: in the middle", "Ooops: x",
        "watchdog: bug:", "Internal error", "internal error: Oops: x"}) {
    EXPECT_EQ(ClassifyPanic(body), Panic::kNone) << body;
  }
  EXPECT_EQ(wire::PanicName(Panic::kPanic), "panic");
  EXPECT_EQ(wire::PanicName(Panic::kOops), "oops");
  EXPECT_EQ(wire::PanicName(Panic::kBug), "bug");
}

struct Nothing : wire::MessageSink {
  void OnMessage(const wire::Message&) override { ++records; }
  int records = 0;
};

wire::SourceKey Key(uint8_t last, uint16_t port = 6666) {
  wire::SourceKey k;
  k.family = 4;
  k.port = port;
  k.addr[0] = 127;
  k.addr[3] = last;
  return k;
}

TEST(Panic, ReassemblerCountsThemAndTheLastRecordsTime) {
  wire::Reassembler r({});
  Nothing sink;
  const auto k = Key(1);
  r.Feed(k, "6,0,1,-;Linux version 6.1", 1000, sink);
  r.Feed(k, "0,1,2,-;Kernel panic - not syncing: Fatal exception", 2000, sink);
  r.Feed(k, "4,2,3,-;Oops: 0002 [#1] SMP", 3000, sink);
  r.Feed(k, "4,3,4,-;kernel BUG at fs/inode.c:1!", 4000, sink);
  r.Feed(k, "4,4,5,-;BUG: scheduling while atomic", 5000, sink);
  r.Feed(k, "6,5,6,-;after", 6000, sink);
  r.Feed(k, "6,5,6,-;after", 7000, sink);  // a duplicate: not a record
  // Basic mode: the printk time before it is skipped; text mid-way is not
  // a record's start.
  r.Feed(k, "[   1.0] Oops: basic mode", 8000, sink);
  r.Feed(k, "[   2.0] mid-way Oops: not a start", 9000, sink);
  ASSERT_EQ(sink.records, 8);
  const wire::SourceStats* st = r.Stats(k);
  ASSERT_NE(st, nullptr);
  EXPECT_EQ(st->panics[0], 1u);
  EXPECT_EQ(st->panics[1], 2u);
  EXPECT_EQ(st->panics[2], 2u);
  EXPECT_EQ(st->last_panic_us, 8000u);
  EXPECT_EQ(st->last_record_us, 9000u);
}

TEST(Panic, EvictedSourcesAreSummed) {
  wire::Reassembler::Options o;
  o.memory_budget = 1;  // room for the source just fed only
  wire::Reassembler r(o);
  Nothing sink;
  r.Feed(Key(1), "0,1,2,-;Kernel panic - not syncing: a", 100, sink);
  r.Feed(Key(1), "6,3,2,-;after a gap", 150, sink);
  r.Feed(Key(2), "6,1,2,-;b", 200, sink);
  r.Feed(Key(3), "a basic chunk", 300, sink);
  EXPECT_EQ(r.sources(), 1u);
  EXPECT_EQ(r.budget_stats().sources_evicted, 2u);
  const wire::SourceCounters& ev = r.evicted_stats();
  EXPECT_EQ(ev.records, 3u);
  EXPECT_EQ(ev.gaps_opened, 1u);
  EXPECT_EQ(ev.panics[0], 1u);
  EXPECT_EQ(ev.last_panic_us, 100u);
  EXPECT_EQ(ev.last_record_us, 200u);
  EXPECT_EQ(ev.missing, 0u);  // a gauge of the living
  EXPECT_EQ(r.Stats(Key(3))->basic_chunks, 1u);
}

}  // namespace
}  // namespace pmdcon
