// pmdcon-ringdump: prints a ring's header and records, /dev/kmsg style.
// Observes only: it never writes the consumer page the appliance owns.
#include <time.h>

#include <csignal>
#include <cstdio>
#include <string>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "cli/flags.h"
#include "io/mapped_file.h"
#include "io/system.h"
#include "ring/ring.h"

ABSL_FLAG(std::string, ring, "/dev/shm/pmdcon.ring", "ring file or device");
ABSL_FLAG(std::string, from, "oldest", "oldest, transmitted or newest");
ABSL_FLAG(bool, follow, false, "keep printing new records until SIGINT");
ABSL_FLAG(uint64_t, limit, 0, "stop after this many records (0: no limit)");
ABSL_FLAG(bool, header, false, "print the ring header and consumer page");
ABSL_FLAG(bool, quiet, false, "print only the summary line");

namespace {

constexpr std::string_view kTool = "pmdcon-ringdump";
volatile std::sig_atomic_t g_stop = 0;
void OnSignal(int) { g_stop = 1; }

unsigned long long U(uint64_t v) { return static_cast<unsigned long long>(v); }

constexpr uint64_t kStuckUsec = 1'000'000;  // as the appliance waits

// Bytes outside printable ASCII, and backslash, as \xNN (as /dev/kmsg does).
void PutEscaped(std::string_view s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c >= 0x7f || c == '\\') {
      std::printf("\\x%02x", c);
    } else {
      std::putchar(c);
    }
  }
}

struct Printer {
  bool quiet;
  uint64_t records = 0;
  uint64_t lost = 0;

  void OnRecord(const pmdcon::ring::Record& r) {
    ++records;
    if (quiet) return;
    std::printf("%u,%llu,%llu,%c", r.facility * 8u + r.level, U(r.seq),
                U(r.ts_usec), (r.flags & PMDCON_REC_CONT) ? 'c' : '-');
    if (r.flags & PMDCON_REC_CALLER) {
      std::printf(",caller=%c%u", (r.caller_id & 0x80000000u) ? 'C' : 'T',
                  r.caller_id & 0x7fffffffu);
    }
    std::putchar(';');
    PutEscaped(r.text);
    std::printf("%s\n", r.previous_boot ? "  [previous boot]" : "");
    std::string_view dict = r.dict;
    while (!dict.empty()) {
      const size_t end = std::min(dict.find('\0'), dict.size());
      std::putchar(' ');
      PutEscaped(dict.substr(0, end));
      std::putchar('\n');
      dict.remove_prefix(std::min(end + 1, dict.size()));
    }
  }

  void OnLoss(const pmdcon::ring::Loss& l) {
    lost += l.records;
    if (quiet) return;
    std::printf("-- lost %llu records (%s)", U(l.records),
                std::string(pmdcon::ring::LossCauseName(l.cause)).c_str());
    if (l.has_prev) std::printf(" after seq %llu", U(l.prev_seq));
    if (l.has_next) std::printf(" before seq %llu", U(l.next_seq));
    std::printf(" --\n");
  }
};

void PrintHeader(const pmdcon_ring& r) {
  const pmdcon_ring_hdr& h = *r.hdr;
  pmdcon::BootId boot, prev;
  std::copy_n(h.boot_id, boot.size(), boot.begin());
  std::copy_n(h.prev_boot_id, prev.size(), prev.begin());
  std::printf(
      "abi %u, region %llu bytes, data %llu bytes, max span %u\n"
      "boot %s (generation %u), previous boot %s\n"
      "head 0x%016llx tail 0x%016llx (%u records, %u bytes in ring)\n"
      "dropped %llu (last seq %llu)\n"
      "consumer: read 0x%016llx transmitted 0x%016llx heartbeat %llu pid %u\n",
      h.abi_version, U(h.region_size), U(h.data_size), h.max_span,
      pmdcon::FormatBootId(boot).c_str(), h.boot_gen,
      pmdcon::FormatBootId(prev).c_str(), U(h.head), U(h.tail),
      pmdcon_id_rid(h.head) - pmdcon_id_rid(h.tail),
      (pmdcon_id_pos(h.head) - pmdcon_id_pos(h.tail)) * 8, U(h.dropped),
      U(h.dropped_seq), U(r.cons->read_id), U(r.cons->tx_id),
      U(r.cons->heartbeat), r.cons->consumer_pid);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace pmdcon;
  cli::ParseFlags(
      argc, argv, kTool,
      "Prints a pmdcon ring's records.\n"
      "  pmdcon-ringdump --ring=/dev/shm/pmdcon.ring [--header] [--follow]");
  const std::string from = absl::GetFlag(FLAGS_from);
  ring::StartAt start;
  if (from == "oldest") {
    start = ring::StartAt::kOldest;
  } else if (from == "transmitted") {
    start = ring::StartAt::kTransmitted;
  } else if (from == "newest") {
    start = ring::StartAt::kNewest;
  } else {
    cli::Die(
        kTool,
        absl::InvalidArgumentError(absl::StrCat(
            "--from: \"", from, "\" is not oldest, transmitted or newest")),
        2);
  }
  auto file = io::MappedFile::Open(absl::GetFlag(FLAGS_ring),
                                   io::MappedFile::Access::kRead);
  if (!file.ok()) cli::Die(kTool, file.status());
  auto boot = io::ReadBootId();
  if (!boot.ok()) cli::Die(kTool, boot.status());
  auto consumer = ring::Consumer::Attach(file->bytes(), *boot, start,
                                         ring::Role::kObserver);
  if (!consumer.ok()) {
    cli::Die(kTool, absl::Status(consumer.status().code(),
                                 absl::StrCat(file->path(), ": ",
                                              consumer.status().message())));
  }
  auto& c = **consumer;
  if (absl::GetFlag(FLAGS_header)) {
    std::printf("%s: %s ring\n", file->path().c_str(),
                std::string(ring::OriginName(c.origin())).c_str());
    PrintHeader(c.raw());
  }

  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  Printer printer{absl::GetFlag(FLAGS_quiet)};
  const uint64_t limit = absl::GetFlag(FLAGS_limit);
  const bool follow = absl::GetFlag(FLAGS_follow);
  while (!g_stop) {
    const size_t want = limit ? limit - printer.records : 256;
    const size_t n = c.Poll(printer, want < 256 ? want : 256);
    if (c.last_error()[0]) std::fprintf(stderr, "%s\n", c.last_error());
    if (limit && printer.records >= limit) break;
    if (n == 0) {
      // A record reserved and never committed (its writer died, or a crash
      // came first) holds back all after it: as the appliance does, it is
      // skipped and announced once it stayed so for a second.
      if (c.SkipStuck(io::MonotonicUsec(), kStuckUsec)) continue;
      if (!follow && !c.stopped_at_pending()) break;
      std::fflush(stdout);
      const timespec ms{0, 1000000};
      nanosleep(&ms, nullptr);
    }
  }
  c.FlushLoss(printer);
  std::fprintf(stderr, "%s: %llu records, %llu lost\n", kTool.data(),
               U(printer.records), U(printer.lost));
  return 0;
}
