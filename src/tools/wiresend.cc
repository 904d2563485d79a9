// pmdcon-wiresend: encodes synthetic records with pmdcon's netconsole encoder
// and sends them over UDP (sendmmsg), optionally shuffled, with gaps or
// duplicates. The sender side of pmdcon-rx's tests and benchmark.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "cli/flags.h"
#include "common/strings.h"
#include "packet/endpoint.h"
#include "wire/decoder.h"
#include "wire/encoder.h"

ABSL_FLAG(std::string, to, "127.0.0.1:6666", "destination ADDR:PORT");
ABSL_FLAG(std::string, from, "",
          "source address (e.g. 127.0.0.2: a sender host of its own on "
          "loopback); default: the kernel's choice");
ABSL_FLAG(uint64_t, count, 1000, "records to send");
ABSL_FLAG(uint64_t, seq_start, 0, "seq of the first record");
ABSL_FLAG(uint32_t, text_size, 64, "text bytes per record");
ABSL_FLAG(double, rate, 0, "payloads per second (0: as fast as possible)");
ABSL_FLAG(bool, extended, true, "extended format (else basic)");
ABSL_FLAG(std::string, release, "", "prepend this release (extended)");
ABSL_FLAG(std::vector<std::string>, userdata, {}, "KEY=VALUE entries");
ABSL_FLAG(std::vector<std::string>, sysdata, {},
          "sysdata fields: cpu, taskname, release, msgid");
ABSL_FLAG(uint32_t, shuffle_window, 0,
          "shuffle payloads within windows of this many (0: in order)");
ABSL_FLAG(std::vector<std::string>, skip, {},
          "seq ranges FIRST-LAST not to send (to make gaps)");
ABSL_FLAG(uint32_t, duplicate_every, 0, "send every Nth payload twice");

namespace {

constexpr std::string_view kTool = "pmdcon-wiresend";

void Pace(double rate, uint64_t sent, const timespec& start) {
  if (rate <= 0) return;
  const double due = static_cast<double>(sent) / rate;
  timespec t = start;
  t.tv_sec += static_cast<time_t>(due);
  t.tv_nsec += static_cast<long>(
      (due - static_cast<double>(static_cast<time_t>(due))) * 1e9);
  if (t.tv_nsec >= 1000000000) {
    t.tv_sec += 1;
    t.tv_nsec -= 1000000000;
  }
  clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, nullptr);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace pmdcon;
  cli::ParseFlags(argc, argv, kTool,
                  "Sends synthetic netconsole records over UDP.\n"
                  "  pmdcon-wiresend --to=127.0.0.1:6666 --count=100000 "
                  "--text_size=1500 --shuffle_window=8");
  auto dest = packet::SplitHostPort(absl::GetFlag(FLAGS_to));
  absl::StatusOr<packet::IpAddr> to_ip =
      dest.ok() ? packet::ParseIp(dest->host)
                : absl::StatusOr<packet::IpAddr>(dest.status());
  if (!to_ip.ok()) {
    cli::Die(kTool,
             absl::InvalidArgumentError(absl::StrCat(
                 "--to: \"", absl::GetFlag(FLAGS_to), "\" is not ADDR:PORT")),
             2);
  }
  wire::Format format;
  format.extended = absl::GetFlag(FLAGS_extended);
  format.release_str = absl::GetFlag(FLAGS_release);
  format.release = !format.release_str.empty();
  for (const std::string& kv : absl::GetFlag(FLAGS_userdata)) {
    const size_t eq = kv.find('=');
    format.userdata.push_back(
        {kv.substr(0, eq), eq == std::string::npos ? "" : kv.substr(eq + 1)});
  }
  for (const std::string& f : absl::GetFlag(FLAGS_sysdata)) {
    if (f == "cpu")
      format.sysdata |= PMDCON_SYSDATA_CPU;
    else if (f == "taskname")
      format.sysdata |= PMDCON_SYSDATA_TASKNAME;
    else if (f == "release")
      format.sysdata |= PMDCON_SYSDATA_RELEASE;
    else if (f == "msgid")
      format.sysdata |= PMDCON_SYSDATA_MSGID;
    else
      cli::Die(kTool,
               absl::InvalidArgumentError(
                   absl::StrCat("--sysdata: unknown field \"", f, "\"")),
               2);
  }
  auto enc = wire::Encoder::Create(format);
  if (!enc.ok()) cli::Die(kTool, enc.status(), 2);
  std::vector<std::pair<uint64_t, uint64_t>> skip;
  for (const std::string& s : absl::GetFlag(FLAGS_skip)) {
    std::vector<std::string> p = absl::StrSplit(s, '-');
    uint64_t a, b;
    if (p.size() != 2 || !ParseDecimal(p[0], &a) || !ParseDecimal(p[1], &b)) {
      cli::Die(kTool,
               absl::InvalidArgumentError(
                   absl::StrCat("--skip: \"", s, "\" is not FIRST-LAST")),
               2);
    }
    skip.push_back({a, b});
  }

  const packet::SockAddr to = packet::ToSockAddr(*to_ip, dest->port);
  const int fd = socket(to.family(), SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) cli::Die(kTool, absl::ErrnoToStatus(errno, "socket"));
  if (const std::string from = absl::GetFlag(FLAGS_from); !from.empty()) {
    absl::StatusOr<packet::IpAddr> ip = packet::ParseIp(from);
    if (!ip.ok() || ip->family != to_ip->family) {
      cli::Die(
          kTool,
          absl::InvalidArgumentError(absl::StrCat(
              "--from: \"", from, "\" is not an address of --to's family")),
          2);
    }
    const packet::SockAddr src = packet::ToSockAddr(*ip, 0);
    if (bind(fd, src.addr(), src.len) != 0) {
      cli::Die(kTool, absl::ErrnoToStatus(errno, absl::StrCat("bind ", from)));
    }
  }
  if (connect(fd, to.addr(), to.len) != 0) {
    cli::Die(kTool, absl::ErrnoToStatus(errno, "connect"));
  }
  const int sndbuf = 8 << 20;
  setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf, sizeof(sndbuf));

  const uint32_t window = std::max(1u, absl::GetFlag(FLAGS_shuffle_window));
  const uint32_t dup = absl::GetFlag(FLAGS_duplicate_every);
  const double rate = absl::GetFlag(FLAGS_rate);
  std::mt19937_64 rng(1);
  std::string text(absl::GetFlag(FLAGS_text_size), 'w');
  pmdcon_rec rec{};
  rec.prio = 6;
  rec.flags = PMDCON_REC_CPU | PMDCON_REC_COMM;
  std::strcpy(rec.comm, "wiresend");
  // Payloads are shuffled in groups of `window`, and sent in batches of
  // kBatch (one sendmmsg, one pacing step).
  constexpr size_t kBatch = 64;
  std::vector<std::string> group, batch;
  uint64_t sent = 0, payloads_total = 0;
  timespec start;
  clock_gettime(CLOCK_MONOTONIC, &start);
  mmsghdr msgs[kBatch];
  iovec iov[kBatch];
  auto send_batch = [&](size_t& count) {
    for (size_t i = 0; i < count; ++i) {
      iov[i] = {batch[i].data(), batch[i].size()};
      msgs[i] = {};
      msgs[i].msg_hdr.msg_iov = &iov[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
    }
    Pace(rate, payloads_total, start);
    size_t done = 0;
    while (done < count) {
      const int n =
          sendmmsg(fd, msgs + done, static_cast<unsigned>(count - done), 0);
      if (n < 0) {
        if (errno == ENOBUFS || errno == EAGAIN) continue;
        cli::Die(kTool, absl::ErrnoToStatus(errno, "sendmmsg"));
      }
      done += static_cast<size_t>(n);
    }
    payloads_total += count;
    count = 0;
  };
  // Strings are reused: their capacity stays, so steady state allocates
  // nothing per payload.
  size_t group_n = 0, batch_n = 0;
  group.resize(window);
  batch.resize(kBatch);
  auto flush_group = [&] {
    std::shuffle(group.begin(), group.begin() + group_n, rng);
    for (size_t i = 0; i < group_n; ++i) {
      std::swap(batch[batch_n++], group[i]);
      if (batch_n == kBatch) send_batch(batch_n);
    }
    group_n = 0;
  };
  auto add = [&](const char* p, uint32_t n) {
    group[group_n++].assign(p, n);
    if (group_n == window) flush_group();
  };
  char buf[PMDCON_WIRE_CHUNK];
  const uint64_t first = absl::GetFlag(FLAGS_seq_start);
  for (uint64_t seq = first; seq < first + absl::GetFlag(FLAGS_count); ++seq) {
    const bool skipped = std::any_of(skip.begin(), skip.end(), [&](auto r) {
      return seq >= r.first && seq <= r.second;
    });
    rec.seq = seq;
    rec.ts_usec = seq * 10;
    rec.cpu = static_cast<uint16_t>(seq % 4);
    const std::string head = absl::StrCat("wiresend seq=", seq, " ");
    std::copy_n(head.data(), std::min(head.size(), text.size()), text.data());
    rec.text_len = static_cast<uint16_t>(text.size());
    enc->Begin(rec, text.data(), "");
    while (uint32_t n = enc->Next(buf)) {
      if (skipped) continue;
      add(buf, n);
      ++sent;
      if (dup && sent % dup == 0) add(buf, n);
    }
  }
  flush_group();
  send_batch(batch_n);
  close(fd);
  std::printf("payloads=%llu\n",
              static_cast<unsigned long long>(payloads_total));
  return 0;
}
