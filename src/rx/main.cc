// pmdcon-rx: receives netconsole streams (pmdcon's or the kernel's), checks
// and reassembles them, and prints records as text or JSON lines. With the
// oracle options it is the judge of pmdcon's tests: it exits 1 when records
// went missing, arrived malformed, or an expected seq range is incomplete.
#include <fcntl.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/strings.h"
#include "io/system.h"
#include "rx/file_sink.h"
#include "rx/journal_sink.h"
#ifdef PMDCON_HAVE_NATS
#include "rx/nats_sink.h"
#endif
#include "rx/output.h"
#include "rx/pcap.h"
#include "rx/tcp_sink.h"
#include "rx/udp.h"
#include "tools/cli.h"
#include "wire/decoder.h"
#include "wire/reassembler.h"

ABSL_FLAG(std::vector<std::string>, listen, {":6666"},
          "where to listen: ADDR:PORT, [IPV6]:PORT or :PORT (any), "
          "comma-separated");
ABSL_FLAG(std::string, format, "text",
          "text (dmesg-like), json (one object per line) or syslog (RFC "
          "5424 lines)");
ABSL_FLAG(std::string, output, "",
          "file for the records in --format (- = stdout; the default unless "
          "--sink is given)");
ABSL_FLAG(std::vector<std::string>, sink, {},
          "more outputs, several allowed: relp://HOST:PORT (rsyslog's "
          "imrelp, acknowledged), syslog+tcp://HOST:PORT (RFC 6587 octet "
          "counting), nats://HOST:PORT[+HOST:PORT...][/PREFIX] (JetStream, "
          "acknowledged), journal (systemd's native protocol), json:FILE, "
          "text:FILE, syslog:FILE");
ABSL_FLAG(uint32_t, sink_queue_mb, 64,
          "records an output may hold while its peer is away, in MiB; past "
          "it records for that output are counted as dropped");
ABSL_FLAG(double, drain, 10,
          "at exit, seconds to wait for outputs to deliver what they hold");
ABSL_FLAG(bool, quiet, false, "print no records, only the summary");
ABSL_FLAG(uint64_t, count, 0, "stop after this many records (0: no limit)");
ABSL_FLAG(double, duration, 0, "stop after this many seconds (0: no limit)");
ABSL_FLAG(double, idle, 0,
          "stop after this many seconds without a datagram, once one arrived");
ABSL_FLAG(std::vector<std::string>, expect, {},
          "seq ranges FIRST-LAST every source must deliver completely");
ABSL_FLAG(bool, fail_on_gap, false, "exit 1 if any seq went missing silently");
ABSL_FLAG(bool, fail_on_loss, false,
          "exit 1 on gaps, on losses the sender announced and on records "
          "an output did not deliver");
ABSL_FLAG(bool, fail_on_malformed, false,
          "exit 1 on malformed payloads or failed reassembly");
ABSL_FLAG(bool, dedupe, true, "drop records whose seq was already delivered");
ABSL_FLAG(bool, by_address, false,
          "one stream per sender address, whatever its port (pmdcon's "
          "appliance and its module's netpoll fallback, seen through NAT)");
ABSL_FLAG(uint32_t, frag_timeout_ms, 2000, "drop incomplete records after");
ABSL_FLAG(int32_t, rcvbuf, 32 << 20, "socket receive buffer, bytes");
ABSL_FLAG(std::string, pcap, "",
          "read UDP datagrams from this pcap file (checksums verified) "
          "instead of listening; --listen filters them");
ABSL_FLAG(bool, ack, false,
          "the receiver's half of netconsole's acknowledgement protocol "
          "(netconsd's ncrx): acks and retransmission requests to each "
          "sender, from the listening socket");
ABSL_FLAG(uint32_t, ack_interval_ms, 1000, "--ack: ack after this long");
ABSL_FLAG(uint32_t, retx_interval_ms, 1000,
          "--ack: ask for a missing record again after this long");
ABSL_FLAG(uint32_t, retx_stride, 256,
          "--ack: ask for a missing record again when this many newer ones "
          "arrived");
ABSL_FLAG(uint32_t, give_up_ms, 30000,
          "--ack: skip a missing record after this long");
ABSL_FLAG(uint32_t, memory_budget_mb, 256,
          "resident memory pmdcon-rx may use, in MiB: past it, the longest "
          "idle sources and their incomplete records are evicted (counted in "
          "the summary)");
ABSL_FLAG(std::string, ignore_text, "",
          "testing: drop, unseen and unacknowledged, every datagram holding "
          "this text from the sender (address and port) that sent the first "
          "of them; the same records from another port are taken (a "
          "collector that never got them from the appliance, and gets them "
          "from its kernel's fallback)");
ABSL_FLAG(std::string, ready_file, "",
          "create this file once the sockets are bound (for scripts)");

namespace {

constexpr std::string_view kTool = "pmdcon-rx";
volatile std::sig_atomic_t g_stop = 0;
volatile std::sig_atomic_t g_summary = 0;

struct Range {
  uint64_t first, last;
};

absl::StatusOr<std::vector<Range>> ParseRanges(
    const std::vector<std::string>& specs) {
  std::vector<Range> out;
  for (const std::string& s : specs) {
    std::vector<std::string> parts = absl::StrSplit(s, '-');
    Range r{};
    if (parts.size() != 2 || !pmdcon::wire::ParseDecimal(parts[0], &r.first) ||
        !pmdcon::wire::ParseDecimal(parts[1], &r.last) || r.first > r.last) {
      return absl::InvalidArgumentError(
          absl::StrCat("--expect: \"", s, "\" is not FIRST-LAST"));
    }
    out.push_back(r);
  }
  return out;
}

// Hands each delivered record to every output, and acknowledgement
// responses to the socket.
class Printer : public pmdcon::wire::MessageSink {
 public:
  Printer(std::vector<std::unique_ptr<pmdcon::rx::Sink>>* sinks,
          pmdcon::rx::UdpReceiver* responses)
      : sinks_(sinks), responses_(responses) {}
  void OnResponse(const pmdcon::wire::SourceKey& to,
                  std::string_view datagram) override {
    if (responses_ && !responses_->SendTo(to, datagram)) ++unsent_;
  }
  uint64_t unsent_responses() const { return unsent_; }
  void OnMessage(const pmdcon::wire::Message& m) override {
    ++delivered_;
    for (auto& s : *sinks_) s->Write(m, unix_now_);
  }
  uint64_t delivered() const { return delivered_; }
  void set_unix_now(uint64_t us) { unix_now_ = us; }

 private:
  std::vector<std::unique_ptr<pmdcon::rx::Sink>>* sinks_;
  pmdcon::rx::UdpReceiver* responses_;
  uint64_t unsent_ = 0;
  uint64_t delivered_ = 0;
  uint64_t unix_now_ = 0;
};

// --sink URL -> an output.
absl::StatusOr<std::unique_ptr<pmdcon::rx::Sink>> OpenSink(
    const std::string& url, uint64_t queue_bytes) {
  absl::string_view u = url;
  const pmdcon::rx::TcpSink::Options tcp{.max_queued_bytes = queue_bytes};
  if (absl::ConsumePrefix(&u, "relp://")) {
    return pmdcon::rx::TcpSink::Create(pmdcon::rx::TcpSink::Protocol::kRelp,
                                       std::string_view(u.data(), u.size()),
                                       tcp);
  }
  if (absl::ConsumePrefix(&u, "syslog+tcp://")) {
    return pmdcon::rx::TcpSink::Create(
        pmdcon::rx::TcpSink::Protocol::kOctetCounted,
        std::string_view(u.data(), u.size()), tcp);
  }
  if (absl::ConsumePrefix(&u, "nats://")) {
#ifdef PMDCON_HAVE_NATS
    return pmdcon::rx::NatsSink::Open(std::string_view(u.data(), u.size()),
                                      queue_bytes);
#else
    return absl::UnimplementedError("this pmdcon-rx was built without libnats");
#endif
  }
  if (u == "journal" || absl::ConsumePrefix(&u, "journal:")) {
    return pmdcon::rx::JournalSink::Open(
        u == "journal" ? "/run/systemd/journal/socket" : std::string(u),
        queue_bytes);
  }
  // FORMAT:FILE
  if (const size_t colon = u.find(':');
      colon != absl::string_view::npos && colon + 1 < u.size()) {
    const absl::string_view name = u.substr(0, colon);
    if (const std::optional<pmdcon::rx::Format> format =
            pmdcon::rx::ParseFormat(
                std::string_view(name.data(), name.size()))) {
      return pmdcon::rx::FileSink::Open(std::string(u.substr(colon + 1)),
                                        *format);
    }
  }
  return absl::InvalidArgumentError(
      "not relp://HOST:PORT, syslog+tcp://HOST:PORT, "
      "nats://HOST:PORT[+HOST:PORT...][/PREFIX], journal[:SOCKET], "
      "json:FILE, text:FILE or syslog:FILE");
}

// Per output: what it took, delivered, dropped, and what holds it up.
void PrintSinkSummary(
    const std::vector<std::unique_ptr<pmdcon::rx::Sink>>& sinks) {
  for (const auto& s : sinks) {
    const auto& st = s->stats();
    std::fprintf(
        stderr,
        "output %s: %llu records, %llu delivered, %llu pending, "
        "%llu dropped (queue full), %llu resent, %llu reconnects%s%s\n",
        s->name().c_str(), static_cast<unsigned long long>(st.written),
        static_cast<unsigned long long>(st.delivered),
        static_cast<unsigned long long>(s->pending()),
        static_cast<unsigned long long>(st.dropped),
        static_cast<unsigned long long>(st.resent),
        static_cast<unsigned long long>(st.reconnects),
        s->trouble().empty() ? "" : "; last trouble: ", s->trouble().c_str());
  }
}

// unsent_responses: ack datagrams the socket did not take.
void PrintSummary(const pmdcon::wire::Reassembler& r,
                  uint64_t unsent_responses) {
  std::string s;
  r.ForEachSource([&](const pmdcon::wire::SourceKey& k,
                      const pmdcon::wire::SourceStats& st) {
    pmdcon::rx::AppendSummary(&s, k, st);
  });
  if (s.empty()) s = "no datagrams received\n";
  const auto& b = r.budget_stats();
  absl::StrAppend(&s, "memory: ", r.sources(), " sources in ", b.charged >> 10,
                  " KiB (peak ", b.peak >> 10, " KiB)");
  if (b.sources_evicted + b.records_evicted) {
    absl::StrAppend(&s, "; evicted for the budget: ", b.sources_evicted,
                    " idle sources, ", b.records_evicted,
                    " incomplete records");
  }
  s.push_back('\n');
  if (r.options().ack) {
    const auto a = r.ack_totals();
    absl::StrAppend(&s, "acks: ", a.responses, " responses, ", a.requests,
                    " requests for missing records, ", a.recovered,
                    " records recovered, ", a.given_up, " given up");
    if (unsent_responses) {
      absl::StrAppend(&s, ", ", unsent_responses, " responses not sent");
    }
    s.push_back('\n');
  }
  std::fprintf(stderr, "%s", s.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  using namespace pmdcon;
  tools::ParseFlags(
      argc, argv, kTool,
      "Receives and checks netconsole streams.\n"
      "  pmdcon-rx --listen=:6666 --format=json --output=records.jsonl\n"
      "  pmdcon-rx --listen=127.0.0.1:6666 --count=1000 --expect=0-999 "
      "--fail_on_gap --quiet");
  const std::string fmt = absl::GetFlag(FLAGS_format);
  const std::optional<rx::Format> format = rx::ParseFormat(fmt);
  if (!format) {
    tools::Die(kTool,
               absl::InvalidArgumentError(absl::StrCat(
                   "--format: \"", fmt, "\" is not text, json or syslog")),
               2);
  }
  auto ranges = ParseRanges(absl::GetFlag(FLAGS_expect));
  if (!ranges.ok()) tools::Die(kTool, ranges.status(), 2);
  std::vector<rx::ListenSpec> specs;
  for (const std::string& l : absl::GetFlag(FLAGS_listen)) {
    auto spec = rx::ParseListen(l);
    if (!spec.ok()) tools::Die(kTool, spec.status(), 2);
    specs.push_back(*spec);
  }
  const std::string pcap = absl::GetFlag(FLAGS_pcap);
  const bool ack = absl::GetFlag(FLAGS_ack);
  if (ack && !pcap.empty()) {
    tools::Die(kTool,
               absl::InvalidArgumentError(
                   "--ack answers senders; a --pcap file has none to answer"),
               2);
  }
  absl::StatusOr<rx::UdpReceiver> receiver =
      pcap.empty() ? rx::UdpReceiver::Open(specs, absl::GetFlag(FLAGS_rcvbuf))
                   : absl::StatusOr<rx::UdpReceiver>(
                         absl::UnimplementedError("reading a pcap file"));
  if (pcap.empty() && !receiver.ok()) tools::Die(kTool, receiver.status());

  // Outputs: --output in --format (stdout unless --sink or --quiet says
  // otherwise), then each --sink.
  std::vector<std::unique_ptr<rx::Sink>> sinks;
  std::string output = absl::GetFlag(FLAGS_output);
  if (output.empty() && absl::GetFlag(FLAGS_sink).empty()) output = "-";
  if (!output.empty() && !absl::GetFlag(FLAGS_quiet)) {
    auto f = rx::FileSink::Open(output, *format);
    if (!f.ok()) tools::Die(kTool, f.status());
    sinks.push_back(*std::move(f));
  }
  const uint64_t queue_bytes = uint64_t{absl::GetFlag(FLAGS_sink_queue_mb)}
                               << 20;
  for (const std::string& url : absl::GetFlag(FLAGS_sink)) {
    auto s = OpenSink(url, queue_bytes);
    if (!s.ok()) {
      tools::Die(
          kTool,
          absl::Status(s.status().code(), absl::StrCat("--sink=", url, ": ",
                                                       s.status().message())),
          2);
    }
    sinks.push_back(*std::move(s));
  }

  if (pcap.empty()) {
    std::fprintf(stderr, "%s: listening on %s (receive buffer %d bytes)\n",
                 kTool.data(), absl::StrJoin(receiver->bound(), " ").c_str(),
                 receiver->rcvbuf());
  }
  const std::string ready = absl::GetFlag(FLAGS_ready_file);
  if (!ready.empty()) {
    const int fd = open(ready.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
    if (fd < 0) {
      tools::Die(kTool,
                 absl::NotFoundError(absl::StrCat("cannot create ", ready)));
    }
    close(fd);
  }

  std::signal(SIGINT, [](int) { g_stop = 1; });
  std::signal(SIGTERM, [](int) { g_stop = 1; });
  std::signal(SIGUSR1, [](int) { g_summary = 1; });

  // The budget covers the whole process: what it holds before the first
  // datagram (code, buffers), the output buffer and the allocator's slack
  // come off the reassembler's share.
  const uint64_t budget = uint64_t{absl::GetFlag(FLAGS_memory_budget_mb)} << 20;
  uint64_t queues = 0;  // what the outputs may hold while a peer is away
  for (const auto& s : sinks) queues += s->queue_limit();
  const uint64_t baseline =
      io::ResidentBytes().value_or(0) + (1 << 20) + queues;
  if (budget < baseline + (4 << 20)) {
    tools::Die(kTool,
               absl::InvalidArgumentError(absl::StrCat(
                   "--memory_budget_mb=", budget >> 20, ": too small, ",
                   (baseline >> 20) + 1,
                   " MiB are resident or kept for the "
                   "outputs' queues before any datagram, and reassembly "
                   "needs 4 MiB more")),
               2);
  }
  wire::Reassembler reasm({
      .frag_timeout_us = uint64_t{absl::GetFlag(FLAGS_frag_timeout_ms)} * 1000,
      .memory_budget = (budget - baseline) / 16 * 15,  // allocator slack
      .dedupe = absl::GetFlag(FLAGS_dedupe),
      .by_address = absl::GetFlag(FLAGS_by_address),
      .ack = ack,
      .ack_options =
          {
              .ack_interval_us =
                  uint64_t{absl::GetFlag(FLAGS_ack_interval_ms)} * 1000,
              .retx_interval_us =
                  uint64_t{absl::GetFlag(FLAGS_retx_interval_ms)} * 1000,
              .retx_stride = std::max(1u, absl::GetFlag(FLAGS_retx_stride)),
              .give_up_us = uint64_t{absl::GetFlag(FLAGS_give_up_ms)} * 1000,
          },
  });
  Printer printer(&sinks, ack ? &*receiver : nullptr);
  const uint64_t count = absl::GetFlag(FLAGS_count);
  const uint64_t start = io::MonotonicUsec();
  const double duration = absl::GetFlag(FLAGS_duration);
  const double idle = absl::GetFlag(FLAGS_idle);
  const uint64_t end =
      duration > 0 ? start + static_cast<uint64_t>(duration * 1e6) : UINT64_MAX;
  uint64_t last_datagram = 0;
  uint64_t now = start;
  const std::string ignore_text = absl::GetFlag(FLAGS_ignore_text);
  std::optional<wire::SourceKey> ignore_from;
  uint64_t ignored = 0;
  auto feed = [&](const wire::SourceKey& k, std::string_view payload) {
    if (!ignore_text.empty() &&
        payload.find(ignore_text) != std::string_view::npos) [[unlikely]] {
      if (!ignore_from) ignore_from = k;
      if (k == *ignore_from) {
        ++ignored;
        return;
      }
    }
    reasm.Feed(k, payload, now, printer);
  };
  rx::PcapStats pcap_stats;
  if (!pcap.empty()) {
    if (absl::Status st = rx::ReadPcap(pcap, specs, feed, &pcap_stats);
        !st.ok()) {
      tools::Die(kTool, st);
    }
    std::fprintf(stderr,
                 "%s: %s: %llu frames, %llu UDP, %llu other, bad checksums: "
                 "%llu IPv4, %llu UDP\n",
                 kTool.data(), pcap.c_str(),
                 static_cast<unsigned long long>(pcap_stats.frames),
                 static_cast<unsigned long long>(pcap_stats.udp),
                 static_cast<unsigned long long>(pcap_stats.other),
                 static_cast<unsigned long long>(pcap_stats.bad_ip_checksum),
                 static_cast<unsigned long long>(pcap_stats.bad_udp_checksum));
    g_stop = 1;  // all input read
  }
  // Moves every output's data; returns the earliest time one wants again.
  auto poll_sinks = [&](uint64_t t) {
    uint64_t w = UINT64_MAX;
    for (auto& s : sinks) w = std::min(w, s->Poll(t));
    return w;
  };
  uint64_t sinks_wake = UINT64_MAX;
  while (!g_stop) {
    uint64_t wake = std::min({end, reasm.NextDeadline(), sinks_wake});
    if (idle > 0 && last_datagram) {
      wake = std::min(wake, last_datagram + static_cast<uint64_t>(idle * 1e6));
    }
    const int timeout =
        wake == UINT64_MAX
            ? 200
            : static_cast<int>(std::min<uint64_t>(
                  200, wake > now ? (wake - now + 999) / 1000 : 0));
    printer.set_unix_now(io::RealtimeUsec());
    const int n = receiver->Poll(timeout, feed);
    now = io::MonotonicUsec();
    if (n < 0) {
      tools::Die(kTool, absl::ErrnoToStatus(errno, "receive"));
    }
    if (n > 0) last_datagram = now;
    reasm.Expire(now, printer);
    sinks_wake = poll_sinks(now);
    if (g_summary) {
      g_summary = 0;
      PrintSummary(reasm, printer.unsent_responses());
      PrintSinkSummary(sinks);
    }
    if (count && printer.delivered() >= count) break;
    if (now >= end) break;
    if (idle > 0 && last_datagram && now - last_datagram >= idle * 1e6) break;
  }
  // Stopped by a signal: what the kernel already queued for us was sent, so
  // read it (for at most a second, should the senders never pause).
  if (g_stop && pcap.empty()) {
    const uint64_t drain_end = io::MonotonicUsec() + 1'000'000;
    while (receiver->Poll(0, feed) > 0 &&
           (now = io::MonotonicUsec()) < drain_end) {
    }
  }
  // Outputs deliver what they hold, for up to --drain seconds.
  const uint64_t drain_until =
      io::MonotonicUsec() +
      static_cast<uint64_t>(std::max(0.0, absl::GetFlag(FLAGS_drain)) * 1e6);
  for (;;) {
    now = io::MonotonicUsec();
    const uint64_t w = poll_sinks(now);
    uint64_t held = 0;
    for (const auto& s : sinks) held += s->pending();
    if (held == 0 || now >= drain_until) break;
    usleep(static_cast<useconds_t>(
        std::clamp<uint64_t>(w > now ? w - now : 0, 1000, 50'000)));
  }
  PrintSummary(reasm, printer.unsent_responses());
  PrintSinkSummary(sinks);
  if (!ignore_text.empty()) {
    std::fprintf(stderr, "%s: --ignore_text: %llu datagrams dropped from %s\n",
                 kTool.data(), static_cast<unsigned long long>(ignored),
                 ignore_from ? rx::SourceName(*ignore_from).c_str() : "none");
  }
  rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  const double cpu =
      static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
      static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
  uint64_t datagrams = 0;
  reasm.ForEachSource([&](const wire::SourceKey&, const wire::SourceStats& st) {
    datagrams += st.payloads;
  });
  std::fprintf(stderr, "%s: cpu %.3f s for %llu datagrams (%.2f us each)\n",
               kTool.data(), cpu, static_cast<unsigned long long>(datagrams),
               datagrams ? cpu * 1e6 / static_cast<double>(datagrams) : 0.0);

  // The oracle.
  int failures = 0;
  bool any = false;
  reasm.ForEachSource([&](const wire::SourceKey& k,
                          const wire::SourceStats& st) {
    any = any || st.records > 0;
    const std::string name = rx::SourceName(k);
    const bool silent_gap = st.missing > 0 || st.gaps_dropped > 0;
    if ((absl::GetFlag(FLAGS_fail_on_gap) ||
         absl::GetFlag(FLAGS_fail_on_loss)) &&
        silent_gap) {
      std::fprintf(stderr, "%s: FAIL: %s: %llu records missing\n", kTool.data(),
                   name.c_str(), static_cast<unsigned long long>(st.missing));
      ++failures;
    }
    if (absl::GetFlag(FLAGS_fail_on_loss) && st.announced_lost > 0) {
      std::fprintf(stderr, "%s: FAIL: %s: %llu records announced lost\n",
                   kTool.data(), name.c_str(),
                   static_cast<unsigned long long>(st.announced_lost));
      ++failures;
    }
    if (absl::GetFlag(FLAGS_fail_on_malformed) &&
        (st.malformed > 0 || st.reassembly_failures > 0)) {
      std::fprintf(stderr,
                   "%s: FAIL: %s: %llu malformed, %llu reassembly failures\n",
                   kTool.data(), name.c_str(),
                   static_cast<unsigned long long>(st.malformed),
                   static_cast<unsigned long long>(st.reassembly_failures));
      ++failures;
    }
    for (const Range& r : *ranges) {
      if (!wire::Complete(st, r.first, r.last)) {
        std::fprintf(stderr, "%s: FAIL: %s: seq %llu-%llu incomplete\n",
                     kTool.data(), name.c_str(),
                     static_cast<unsigned long long>(r.first),
                     static_cast<unsigned long long>(r.last));
        ++failures;
      }
    }
  });
  if (absl::GetFlag(FLAGS_fail_on_malformed) &&
      pcap_stats.bad_ip_checksum + pcap_stats.bad_udp_checksum > 0) {
    std::fprintf(stderr, "%s: FAIL: bad checksums in %s\n", kTool.data(),
                 pcap.c_str());
    ++failures;
  }
  // Records an output could not deliver (its queue was full, or it still
  // held them when --drain ran out) are lost to that output.
  for (const auto& s : sinks) {
    const uint64_t lost = s->stats().dropped + s->pending();
    if (lost == 0) continue;
    std::fprintf(stderr, "%s: %s%s: %llu records not delivered\n", kTool.data(),
                 absl::GetFlag(FLAGS_fail_on_loss) ? "FAIL: " : "",
                 s->name().c_str(), static_cast<unsigned long long>(lost));
    failures += absl::GetFlag(FLAGS_fail_on_loss);
  }
  if (!ranges->empty() && !any) {
    std::fprintf(stderr, "%s: FAIL: no records received, %zu ranges expected\n",
                 kTool.data(), ranges->size());
    ++failures;
  }
  return failures ? 1 : 0;
}
