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
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "cli/flags.h"
#include "common/status.h"
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

using namespace pmdcon;

constexpr std::string_view kTool = "pmdcon-wiresend";

struct Options {
  packet::IpAddr to_ip;
  uint16_t to_port = 0;
  std::optional<packet::IpAddr> from;
  wire::Format format;
  uint64_t first = 0, count = 0;
  uint32_t text_size = 0;
  std::vector<std::pair<uint64_t, uint64_t>> skip;  // seq ranges, inclusive
  uint32_t window = 1;                              // shuffle group
  uint32_t duplicate_every = 0;
  double rate = 0;
};

absl::Status Bad(const std::string& flag, const std::string& value,
                 const std::string& what) {
  return absl::InvalidArgumentError(
      absl::StrCat("--", flag, ": \"", value, "\" ", what));
}

absl::StatusOr<uint32_t> Sysdata(const std::vector<std::string>& fields) {
  uint32_t bits = 0;
  for (const std::string& f : fields) {
    if (f == "cpu")
      bits |= PMDCON_SYSDATA_CPU;
    else if (f == "taskname")
      bits |= PMDCON_SYSDATA_TASKNAME;
    else if (f == "release")
      bits |= PMDCON_SYSDATA_RELEASE;
    else if (f == "msgid")
      bits |= PMDCON_SYSDATA_MSGID;
    else
      return Bad("sysdata", f,
                 "is not a field (cpu, taskname, release, msgid)");
  }
  return bits;
}

absl::StatusOr<Options> OptionsFromFlags() {
  Options o;
  const std::string to = absl::GetFlag(FLAGS_to);
  auto dest = packet::SplitHostPort(to);
  absl::StatusOr<packet::IpAddr> ip =
      dest.ok() ? packet::ParseIp(dest->host)
                : absl::StatusOr<packet::IpAddr>(dest.status());
  if (!ip.ok()) return Bad("to", to, "is not ADDR:PORT");
  o.to_ip = *ip;
  o.to_port = dest->port;
  if (const std::string from = absl::GetFlag(FLAGS_from); !from.empty()) {
    ip = packet::ParseIp(from);
    if (!ip.ok() || ip->family != o.to_ip.family)
      return Bad("from", from, "is not an address of --to's family");
    o.from = *ip;
  }
  o.format.extended = absl::GetFlag(FLAGS_extended);
  o.format.release_str = absl::GetFlag(FLAGS_release);
  o.format.release = !o.format.release_str.empty();
  for (const std::string& kv : absl::GetFlag(FLAGS_userdata)) {
    const size_t eq = kv.find('=');
    o.format.userdata.push_back(
        {kv.substr(0, eq), eq == std::string::npos ? "" : kv.substr(eq + 1)});
  }
  PMDCON_ASSIGN_OR_RETURN(o.format.sysdata,
                          Sysdata(absl::GetFlag(FLAGS_sysdata)));
  for (const std::string& s : absl::GetFlag(FLAGS_skip)) {
    std::vector<std::string> p = absl::StrSplit(s, '-');
    uint64_t a, b;
    if (p.size() != 2 || !ParseDecimal(p[0], &a) || !ParseDecimal(p[1], &b))
      return Bad("skip", s, "is not FIRST-LAST");
    o.skip.push_back({a, b});
  }
  o.first = absl::GetFlag(FLAGS_seq_start);
  o.count = absl::GetFlag(FLAGS_count);
  o.text_size = absl::GetFlag(FLAGS_text_size);
  o.window = std::max(1u, absl::GetFlag(FLAGS_shuffle_window));
  o.duplicate_every = absl::GetFlag(FLAGS_duplicate_every);
  o.rate = absl::GetFlag(FLAGS_rate);
  return o;
}

// A UDP socket connected to the destination (bound to --from if given).
absl::StatusOr<int> Connect(const Options& o) {
  const packet::SockAddr to = packet::ToSockAddr(o.to_ip, o.to_port);
  const int fd = socket(to.family(), SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::ErrnoToStatus(errno, "socket");
  if (o.from) {
    const packet::SockAddr src = packet::ToSockAddr(*o.from, 0);
    if (bind(fd, src.addr(), src.len) != 0) {
      const int err = errno;
      close(fd);
      return absl::ErrnoToStatus(
          err, absl::StrCat("bind ", packet::FormatIp(*o.from)));
    }
  }
  if (connect(fd, to.addr(), to.len) != 0) {
    const int err = errno;
    close(fd);
    return absl::ErrnoToStatus(err, "connect");
  }
  const int sndbuf = 8 << 20;
  setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf, sizeof(sndbuf));
  return fd;
}

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

// Payloads, shuffled in groups of `window` and sent in batches of kBatch
// (one sendmmsg, one pacing step). Strings are reused: their capacity
// stays, so the steady state allocates nothing per payload.
class Sender {
 public:
  Sender(int fd, uint32_t window, double rate)
      : fd_(fd), group_(window), batch_(kBatch), rate_(rate) {
    clock_gettime(CLOCK_MONOTONIC, &start_);
  }

  absl::Status Add(const char* p, uint32_t n) {
    group_[group_n_++].assign(p, n);
    return group_n_ == group_.size() ? FlushGroup() : absl::OkStatus();
  }
  absl::Status Finish() {
    PMDCON_RETURN_IF_ERROR(FlushGroup());
    return SendBatch();
  }
  uint64_t payloads() const { return payloads_; }

 private:
  static constexpr size_t kBatch = 64;

  absl::Status FlushGroup() {
    std::shuffle(group_.begin(), group_.begin() + group_n_, rng_);
    for (size_t i = 0; i < group_n_; ++i) {
      std::swap(batch_[batch_n_++], group_[i]);
      if (batch_n_ == kBatch) PMDCON_RETURN_IF_ERROR(SendBatch());
    }
    group_n_ = 0;
    return absl::OkStatus();
  }

  absl::Status SendBatch() {
    for (size_t i = 0; i < batch_n_; ++i) {
      iov_[i] = {batch_[i].data(), batch_[i].size()};
      msgs_[i] = {};
      msgs_[i].msg_hdr.msg_iov = &iov_[i];
      msgs_[i].msg_hdr.msg_iovlen = 1;
    }
    Pace(rate_, payloads_, start_);
    for (size_t done = 0; done < batch_n_;) {
      const int n = sendmmsg(fd_, msgs_ + done,
                             static_cast<unsigned>(batch_n_ - done), 0);
      if (n < 0 && errno != ENOBUFS && errno != EAGAIN)
        return absl::ErrnoToStatus(errno, "sendmmsg");
      if (n > 0) done += static_cast<size_t>(n);
    }
    payloads_ += batch_n_;
    batch_n_ = 0;
    return absl::OkStatus();
  }

  int fd_;
  std::vector<std::string> group_, batch_;
  size_t group_n_ = 0, batch_n_ = 0;
  double rate_;
  std::mt19937_64 rng_{1};
  timespec start_{};
  mmsghdr msgs_[kBatch];
  iovec iov_[kBatch];
  uint64_t payloads_ = 0;
};

// Encodes o.count records from o.first and hands their payloads to `out`,
// leaving out the skipped seqs and doubling every o.duplicate_every-th.
absl::Status Generate(const Options& o, wire::Encoder& enc, Sender& out) {
  std::string text(o.text_size, 'w');
  pmdcon_rec rec{};
  rec.prio = 6;
  rec.flags = PMDCON_REC_CPU | PMDCON_REC_COMM;
  std::strcpy(rec.comm, "wiresend");
  char buf[PMDCON_WIRE_CHUNK];
  uint64_t sent = 0;
  for (uint64_t seq = o.first; seq < o.first + o.count; ++seq) {
    const bool skipped = std::any_of(o.skip.begin(), o.skip.end(), [&](auto r) {
      return seq >= r.first && seq <= r.second;
    });
    rec.seq = seq;
    rec.ts_usec = seq * 10;
    rec.cpu = static_cast<uint16_t>(seq % 4);
    const std::string head = absl::StrCat("wiresend seq=", seq, " ");
    std::copy_n(head.data(), std::min(head.size(), text.size()), text.data());
    rec.text_len = static_cast<uint16_t>(text.size());
    enc.Begin(rec, text.data(), "");
    while (uint32_t n = enc.Next(buf)) {
      if (skipped) continue;
      PMDCON_RETURN_IF_ERROR(out.Add(buf, n));
      ++sent;
      if (o.duplicate_every && sent % o.duplicate_every == 0)
        PMDCON_RETURN_IF_ERROR(out.Add(buf, n));
    }
  }
  return out.Finish();
}

}  // namespace

int main(int argc, char** argv) {
  cli::ParseFlags(argc, argv, kTool,
                  "Sends synthetic netconsole records over UDP.\n"
                  "  pmdcon-wiresend --to=127.0.0.1:6666 --count=100000 "
                  "--text_size=1500 --shuffle_window=8");
  absl::StatusOr<Options> o = OptionsFromFlags();
  if (!o.ok()) cli::Die(kTool, o.status(), 2);
  auto enc = wire::Encoder::Create(o->format);
  if (!enc.ok()) cli::Die(kTool, enc.status(), 2);
  absl::StatusOr<int> fd = Connect(*o);
  if (!fd.ok()) cli::Die(kTool, fd.status());
  Sender sender(*fd, o->window, o->rate);
  if (absl::Status s = Generate(*o, *enc, sender); !s.ok()) cli::Die(kTool, s);
  close(*fd);
  std::printf("payloads=%llu\n",
              static_cast<unsigned long long>(sender.payloads()));
  return 0;
}
