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
ABSL_FLAG(int64_t, abandon_at, -1,
          "reserve the record of this index but never commit it, as a writer "
          "that died mid-record leaves it (fault tests; -1: none)");

namespace {

constexpr std::string_view kTool = "pmdcon-ringgen";
volatile std::sig_atomic_t g_stop = 0;

void OnSignal(int) { g_stop = 1; }

void SleepUntil(const timespec& t) {
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, nullptr) != 0 &&
         !g_stop) {
  }
}

}  // namespace

int main(int argc, char** argv) {
  using namespace pmdcon;
  cli::ParseFlags(argc, argv, kTool,
                  "Writes printk-like records into a file-backed pmdcon ring.\n"
                  "  pmdcon-ringgen --ring=/tmp/test.ring --count=100000 "
                  "--rate=50000 --text_size=128");
  const uint32_t level = absl::GetFlag(FLAGS_level);
  const uint32_t facility = absl::GetFlag(FLAGS_facility);
  const uint32_t text_min = absl::GetFlag(FLAGS_text_size);
  const uint32_t text_max =
      std::max(text_min, absl::GetFlag(FLAGS_text_size_max));
  const double rate = absl::GetFlag(FLAGS_rate);
  if (level > 7 || facility > 23) {
    cli::Die(
        kTool,
        absl::InvalidArgumentError("--level must be 0-7 and --facility 0-23"),
        2);
  }
  if (text_max > PMDCON_TEXT_MAX || rate < 0) {
    cli::Die(kTool,
             absl::InvalidArgumentError(
                 absl::StrCat("--text_size(_max) must be <= ", PMDCON_TEXT_MAX,
                              " and --rate >= 0")),
             2);
  }
  auto size = cli::ParseSize(absl::GetFlag(FLAGS_size));
  if (!size.ok()) cli::Die(kTool, size.status(), 2);

  const std::string path = absl::GetFlag(FLAGS_ring);
  if (path.empty()) {
    cli::Die(kTool, absl::InvalidArgumentError("--ring=FILE is required"), 2);
  }
  struct stat st;
  // An existing file is written only if it holds a ring, or on --reformat:
  // a mistyped path must not destroy some other file.
  if (stat(path.c_str(), &st) == 0 && !absl::GetFlag(FLAGS_reformat)) {
    uint64_t magic = 0;
    std::ifstream in(path, std::ios::binary);
    in.read(reinterpret_cast<char*>(&magic), sizeof(magic));
    if (!S_ISREG(st.st_mode) || magic != PMDCON_RING_MAGIC) {
      cli::Die(kTool,
               absl::FailedPreconditionError(
                   absl::StrCat(path,
                                " exists and holds no pmdcon ring; --reformat "
                                "overwrites it")),
               2);
    }
  }
  auto file = stat(path.c_str(), &st) == 0
                  ? io::MappedFile::Open(path, io::MappedFile::Access::kWrite)
                  : io::MappedFile::Create(path, *size);
  if (!file.ok()) cli::Die(kTool, file.status());
  auto boot = io::ReadBootId();
  if (!boot.ok()) cli::Die(kTool, boot.status());
  auto salt = io::RandomU64();
  if (!salt.ok()) cli::Die(kTool, salt.status());

  pmdcon_ring ring;
  auto opened = ring::OpenProducer(file->bytes(), *boot, *salt, &ring);
  if (!opened.ok()) cli::Die(kTool, opened.status());
  std::fprintf(stderr, "%s: %s: %s ring, %llu data bytes%s%s\n", kTool.data(),
               path.c_str(),
               std::string(ring::OriginName(opened->origin)).c_str(),
               static_cast<unsigned long long>(ring.hdr->data_size),
               opened->why.empty() ? "" : " (old contents: ",
               opened->why.empty() ? "" : (opened->why + ")").c_str());

  std::string dict = absl::GetFlag(FLAGS_dict);
  std::replace(dict.begin(), dict.end(), ',', '\0');
  std::string text(text_max, 'x');
  std::mt19937_64 rng(absl::GetFlag(FLAGS_random_seed));
  std::uniform_int_distribution<uint32_t> text_len(text_min, text_max);

  pmdcon_rec meta{};
  meta.prio = static_cast<uint8_t>(facility << 3 | level);
  meta.flags = PMDCON_REC_CPU | PMDCON_REC_COMM | PMDCON_REC_CALLER;
  meta.caller_id = static_cast<uint32_t>(getpid());
  std::snprintf(meta.comm, sizeof(meta.comm), "ringgen");

  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  const uint64_t count = absl::GetFlag(FLAGS_count);
  timespec next;
  clock_gettime(CLOCK_MONOTONIC, &next);
  const long period_ns = rate > 0 ? static_cast<long>(1e9 / rate) : 0;
  // Pace in bursts at high rates, so sleeping stays cheap; per record below.
  const uint64_t burst = rate >= 16000 ? 16 : 1;
  uint64_t written = 0, dropped = 0;
  uint64_t seq = absl::GetFlag(FLAGS_seq_start);
  // A file truncated, removed or replaced under the writer: what it writes
  // reaches no reader of that path (after a truncation a fault maps zeros,
  // see io::MappedFile), so it stops.
  auto check = [&] {
    if (const auto st = file->Check();
        st != io::MappedFile::FileState::kIntact) {
      cli::Die(kTool, absl::DataLossError(absl::StrCat(
                          path, ": the ring file was ", file->Describe(st),
                          " while records were written; ", written,
                          " written before")));
    }
  };
  for (uint64_t i = 0; (count == 0 || i < count) && !g_stop; ++i, ++seq) {
    if (i % 4096 == 0) check();
    if (period_ns > 0 && i % burst == 0) {
      SleepUntil(next);
      next.tv_nsec += period_ns * static_cast<long>(burst);
      next.tv_sec += next.tv_nsec / 1000000000;
      next.tv_nsec %= 1000000000;
    }
    const uint32_t len = text_len(rng);
    if (static_cast<int64_t>(i) == absl::GetFlag(FLAGS_abandon_at)) {
      if (pmdcon_rec* r = pmdcon_ring_reserve(&ring, len, 0, seq)) {
        std::memset(pmdcon_rec_text(r), '?', len);  // garbage, uncommitted
      }
      continue;
    }
    const std::string head = absl::StrFormat("ringgen seq=%d ", seq);
    std::copy_n(head.data(), std::min<size_t>(head.size(), len), text.data());
    meta.seq = seq;
    meta.ts_usec = io::MonotonicUsec();
    meta.cpu = static_cast<uint16_t>(sched_getcpu());
    if (pmdcon_ring_write(&ring, &meta, text.data(), len, dict.data(),
                          static_cast<uint32_t>(dict.size()))) {
      ++written;
    } else {
      ++dropped;
    }
  }
  check();
  std::printf("written=%llu dropped=%llu next_seq=%llu\n",
              static_cast<unsigned long long>(written),
              static_cast<unsigned long long>(dropped),
              static_cast<unsigned long long>(seq));
  return 0;
}
