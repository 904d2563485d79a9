// pmdcon-ringgen: writes printk-like records into a file-backed ring at a
// given rate and size, as the kernel module would. For tests, benchmarks and
// the demo.
#include <sys/stat.h>
#include <time.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <random>
#include <string>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "cli/flags.h"
#include "common/status.h"
#include "io/mapped_file.h"
#include "io/system.h"
#include "ring/ring.h"

ABSL_FLAG(std::string, ring, "", "ring file (required)");
ABSL_FLAG(bool, reformat, false,
          "format an existing file that holds no pmdcon ring (its contents "
          "are lost)");
ABSL_FLAG(std::string, size, "16M",
          "region size when the file is created (K, M, G suffixes)");
ABSL_FLAG(uint64_t, count, 1000, "records to write (0: until SIGINT/SIGTERM)");
ABSL_FLAG(double, rate, 0, "records per second (0: as fast as possible)");
ABSL_FLAG(uint32_t, text_size, 64, "text bytes per record");
ABSL_FLAG(uint32_t, text_size_max, 0,
          "if above --text_size, sizes are uniform in [text_size, this]");
ABSL_FLAG(uint64_t, seq_start, 0, "sequence number of the first record");
ABSL_FLAG(uint32_t, level, 6, "log level 0-7");
ABSL_FLAG(uint32_t, facility, 0, "syslog facility 0-23");
ABSL_FLAG(
    std::string, dict, "",
    "dictionary, entries separated by ',' (e.g. SUBSYSTEM=net,DEVICE=n2)");
ABSL_FLAG(uint64_t, random_seed, 1, "seed for --text_size_max sizes");
ABSL_FLAG(std::string, text, "",
          "every record's text, instead of \"ringgen seq=N x...\" of "
          "--text_size bytes (e.g. a panic's first line)");
ABSL_FLAG(int64_t, abandon_at, -1,
          "reserve the record of this index but never commit it, as a writer "
          "that died mid-record leaves it (fault tests; -1: none)");

namespace {

using namespace pmdcon;

constexpr std::string_view kTool = "pmdcon-ringgen";
volatile std::sig_atomic_t g_stop = 0;

void OnSignal(int) { g_stop = 1; }

struct Options {
  std::string path;
  bool reformat = false;
  uint64_t size = 0;  // when the file is created
  uint64_t count = 0, seq_start = 0;
  double rate = 0;
  uint32_t text_min = 0, text_max = 0, level = 6, facility = 0;
  std::string dict;  // entries NUL-separated
  std::string text;  // fixed text; empty: "ringgen seq=N x..."
  uint64_t seed = 1;
  int64_t abandon_at = -1;
};

absl::StatusOr<Options> OptionsFromFlags() {
  Options o;
  o.path = absl::GetFlag(FLAGS_ring);
  if (o.path.empty())
    return absl::InvalidArgumentError("--ring=FILE is required");
  o.reformat = absl::GetFlag(FLAGS_reformat);
  PMDCON_ASSIGN_OR_RETURN(o.size, cli::ParseSize(absl::GetFlag(FLAGS_size)));
  o.count = absl::GetFlag(FLAGS_count);
  o.seq_start = absl::GetFlag(FLAGS_seq_start);
  o.rate = absl::GetFlag(FLAGS_rate);
  o.level = absl::GetFlag(FLAGS_level);
  o.facility = absl::GetFlag(FLAGS_facility);
  o.text_min = absl::GetFlag(FLAGS_text_size);
  o.text_max = std::max(o.text_min, absl::GetFlag(FLAGS_text_size_max));
  if (o.level > 7 || o.facility > 23)
    return absl::InvalidArgumentError(
        "--level must be 0-7 and --facility 0-23");
  if (o.text_max > PMDCON_TEXT_MAX || o.rate < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--text_size(_max) must be <= ", PMDCON_TEXT_MAX, " and --rate >= 0"));
  }
  PMDCON_ASSIGN_OR_RETURN(o.size, cli::ParseSize(absl::GetFlag(FLAGS_size)));
  o.path = absl::GetFlag(FLAGS_ring);
  if (o.path.empty())
    return absl::InvalidArgumentError("--ring=FILE is required");
  o.reformat = absl::GetFlag(FLAGS_reformat);
  o.dict = absl::GetFlag(FLAGS_dict);
  std::replace(o.dict.begin(), o.dict.end(), ',', '\0');
  o.seed = absl::GetFlag(FLAGS_random_seed);
  o.abandon_at = absl::GetFlag(FLAGS_abandon_at);
  o.text = absl::GetFlag(FLAGS_text);
  if (o.text.size() > PMDCON_TEXT_MAX) {
    return absl::InvalidArgumentError(
        absl::StrCat("--text must be <= ", PMDCON_TEXT_MAX, " bytes"));
  }
  if (!o.text.empty()) {
    o.text_min = o.text_max = static_cast<uint32_t>(o.text.size());
  }
  return o;
}

// An existing file is written only if it holds a ring, or on --reformat: a
// mistyped path must not destroy some other file.
absl::Status MayWrite(const Options& o) {
  struct stat st;
  if (o.reformat || stat(o.path.c_str(), &st) != 0) return absl::OkStatus();
  uint64_t magic = 0;
  std::ifstream in(o.path, std::ios::binary);
  in.read(reinterpret_cast<char*>(&magic), sizeof(magic));
  if (S_ISREG(st.st_mode) && magic == PMDCON_RING_MAGIC)
    return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      o.path, " exists and holds no pmdcon ring; --reformat overwrites it"));
}

// The ring file, mapped; created if missing.
absl::StatusOr<io::MappedFile> MapRingFile(const Options& o) {
  struct stat st;
  if (stat(o.path.c_str(), &st) != 0)
    return io::MappedFile::Create(o.path, o.size);
  return io::MappedFile::Open(o.path, io::MappedFile::Access::kWrite);
}

// Paces records at o.rate: in bursts at high rates, so sleeping stays
// cheap; per record below.
class Pacer {
 public:
  explicit Pacer(double rate)
      : period_ns_(rate > 0 ? static_cast<long>(1e9 / rate) : 0),
        burst_(rate >= 16000 ? 16 : 1) {
    clock_gettime(CLOCK_MONOTONIC, &next_);
  }
  void Wait(uint64_t i) {
    if (period_ns_ == 0 || i % burst_ != 0) return;
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next_, nullptr) !=
               0 &&
           !g_stop) {
    }
    next_.tv_nsec += period_ns_ * static_cast<long>(burst_);
    next_.tv_sec += next_.tv_nsec / 1000000000;
    next_.tv_nsec %= 1000000000;
  }

 private:
  long period_ns_;
  uint64_t burst_;
  timespec next_{};
};

struct Tally {
  uint64_t written = 0, dropped = 0, next_seq = 0;
};

// Writes the records until o.count or a signal. A file truncated, removed
// or replaced under the writer stops it: what it writes would reach no
// reader of that path (after a truncation a fault maps zeros).
absl::StatusOr<Tally> Write(const Options& o, const io::MappedFile& file,
                            pmdcon_ring& ring) {
  std::string text = o.text.empty() ? std::string(o.text_max, 'x') : o.text;
  std::mt19937_64 rng(o.seed);
  std::uniform_int_distribution<uint32_t> text_len(o.text_min, o.text_max);
  pmdcon_rec meta{};
  meta.prio = static_cast<uint8_t>(o.facility << 3 | o.level);
  meta.flags = PMDCON_REC_CPU | PMDCON_REC_COMM | PMDCON_REC_CALLER;
  meta.caller_id = static_cast<uint32_t>(getpid());
  std::snprintf(meta.comm, sizeof(meta.comm), "ringgen");
  Tally t{0, 0, o.seq_start};
  const auto intact = [&]() -> absl::Status {
    const auto st = file.Check();
    if (st == io::MappedFile::FileState::kIntact) return absl::OkStatus();
    return absl::DataLossError(absl::StrCat(
        o.path, ": the ring file was ", file.Describe(st),
        " while records were written; ", t.written, " written before"));
  };
  Pacer pacer(o.rate);
  for (uint64_t i = 0; (o.count == 0 || i < o.count) && !g_stop;
       ++i, ++t.next_seq) {
    if (i % 4096 == 0) PMDCON_RETURN_IF_ERROR(intact());
    pacer.Wait(i);
    const uint32_t len = text_len(rng);
    if (static_cast<int64_t>(i) == o.abandon_at) {
      if (pmdcon_rec* r = pmdcon_ring_reserve(&ring, len, 0, t.next_seq)) {
        std::memset(pmdcon_rec_text(r), '?', len);  // garbage, uncommitted
      }
      continue;
    }
    if (o.text.empty()) {
      const std::string head = absl::StrFormat("ringgen seq=%d ", t.next_seq);
      std::copy_n(head.data(), std::min<size_t>(head.size(), len), text.data());
    }
    meta.seq = t.next_seq;
    meta.ts_usec = io::MonotonicUsec();
    meta.cpu = static_cast<uint16_t>(sched_getcpu());
    const bool ok =
        pmdcon_ring_write(&ring, &meta, text.data(), len, o.dict.data(),
                          static_cast<uint32_t>(o.dict.size()));
    ++(ok ? t.written : t.dropped);
  }
  PMDCON_RETURN_IF_ERROR(intact());
  return t;
}

}  // namespace

int main(int argc, char** argv) {
  cli::ParseFlags(argc, argv, kTool,
                  "Writes printk-like records into a file-backed pmdcon ring.\n"
                  "  pmdcon-ringgen --ring=/tmp/test.ring --count=100000 "
                  "--rate=50000 --text_size=128");
  absl::StatusOr<Options> o = OptionsFromFlags();
  if (!o.ok()) cli::Die(kTool, o.status(), 2);
  if (absl::Status s = MayWrite(*o); !s.ok()) cli::Die(kTool, s, 2);
  absl::StatusOr<io::MappedFile> file = MapRingFile(*o);
  if (!file.ok()) cli::Die(kTool, file.status());
  auto boot = io::ReadBootId();
  if (!boot.ok()) cli::Die(kTool, boot.status());
  auto salt = io::RandomU64();
  if (!salt.ok()) cli::Die(kTool, salt.status());
  pmdcon_ring ring;
  auto opened = ring::OpenProducer(file->bytes(), *boot, *salt, &ring);
  if (!opened.ok()) cli::Die(kTool, opened.status());
  std::fprintf(stderr, "%s: %s: %s ring, %llu data bytes%s%s\n", kTool.data(),
               o->path.c_str(),
               std::string(ring::OriginName(opened->origin)).c_str(),
               static_cast<unsigned long long>(ring.hdr->data_size),
               opened->why.empty() ? "" : " (old contents: ",
               opened->why.empty() ? "" : (opened->why + ")").c_str());
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  absl::StatusOr<Tally> t = Write(*o, *file, ring);
  if (!t.ok()) cli::Die(kTool, t.status());
  std::printf("written=%llu dropped=%llu next_seq=%llu\n",
              static_cast<unsigned long long>(t->written),
              static_cast<unsigned long long>(t->dropped),
              static_cast<unsigned long long>(t->next_seq));
  return 0;
}
