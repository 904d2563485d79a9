// pmdcon-rx: receives netconsole streams (pmdcon's or the kernel's), checks
// and reassembles them, and prints records as text or JSON lines. With the
// oracle options it is the judge of pmdcon's tests: it exits 1 when records
// went missing, arrived malformed, or an expected seq range is incomplete.
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/status.h"
#include "common/strings.h"
#include "io/system.h"
#include "rx/file_sink.h"
#include "rx/journal_sink.h"
#ifdef PMDCON_HAVE_NATS
#include "rx/nats_sink.h"
#endif
#include "cli/flags.h"
#include "rx/oracle.h"
#include "rx/output.h"
#include "rx/pcap.h"
#include "rx/tcp_sink.h"
#include "rx/udp.h"
#include "rx/worker.h"
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
ABSL_FLAG(std::string, sink_spill, "",
          "a directory where relp:// and syslog+tcp:// outputs keep, in "
          "order, what their --sink_queue_mb queue cannot hold (files with "
          "no name, gone at exit); without it such records are dropped");
ABSL_FLAG(uint32_t, sink_spill_mb, 1024,
          "--sink_spill: the most disk each output's spill may take, in MiB");
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
ABSL_FLAG(uint32_t, ack_every, 1024,
          "--ack: ack as well once this many records arrived in order since "
          "the last ack (0: by time alone, as ncrx)");
ABSL_FLAG(uint32_t, retx_interval_ms, 1000,
          "--ack: ask for a missing record again after this long");
ABSL_FLAG(uint32_t, retx_stride, 256,
          "--ack: ask for a missing record again when this many newer ones "
          "arrived");
ABSL_FLAG(uint32_t, give_up_ms, 30000,
          "--ack: skip a missing record after this long");
ABSL_FLAG(uint32_t, ack_holes, 65536,
          "--ack: missing seqs tracked per source, 24 bytes each; beyond it "
          "the oldest are given up");
ABSL_FLAG(std::string, auth_keys, "",
          "authenticated records: a key file of \"<sender address> <key id> "
          "<32 hex digits>\" lines (mode 600); a sender listed there must "
          "seal every record, and is answered with sealed acks. SIGHUP "
          "reads it again (key rotation)");
ABSL_FLAG(uint32_t, memory_budget_mb, 256,
          "resident memory pmdcon-rx may use, in MiB: past it, the longest "
          "idle sources and their incomplete records are evicted (counted in "
          "the summary)");
#ifdef PMDCON_TEST_HOOKS
ABSL_FLAG(std::string, ignore_text, "",
          "testing: drop, unseen and unacknowledged, every datagram holding "
          "this text from the sender (address and port) that sent the first "
          "of them; the same records from another port are taken (a "
          "collector that never got them from the appliance, and gets them "
          "from its kernel's fallback)");
#endif
ABSL_FLAG(uint32_t, workers, 0,
          "receive threads, each with its own sockets on the --listen "
          "addresses (SO_REUSEPORT) and the sources the kernel steers to "
          "it (0: one per online CPU, at most 16; --pcap: one)");
ABSL_FLAG(std::string, ready_file, "",
          "create this file once the sockets are bound (for scripts)");

namespace {

constexpr std::string_view kTool = "pmdcon-rx";
constexpr uint32_t kMaxWorkers = 256;
// The default: a worker per CPU, up to this many (each takes its share of
// the memory budget; more must be asked for, with a budget to match).
constexpr uint32_t kDefaultMaxWorkers = 16;
// Resident memory a worker holds before reassembly: its stack, receive
// batch and output buffers.
constexpr uint64_t kWorkerOverhead = 2 << 20;
volatile std::sig_atomic_t g_stop = 0;
volatile std::sig_atomic_t g_hup = 0;  // reopen files, read keys again

absl::StatusOr<std::shared_ptr<const pmdcon::wire::ReceiverKeys>> LoadKeys(
    const std::string& path) {
  PMDCON_ASSIGN_OR_RETURN(std::string text, pmdcon::io::ReadSecretFile(path));
  PMDCON_ASSIGN_OR_RETURN(pmdcon::wire::ReceiverKeys keys,
                          pmdcon::wire::ReceiverKeys::Parse(text, path));
  return std::make_shared<const pmdcon::wire::ReceiverKeys>(std::move(keys));
}
volatile std::sig_atomic_t g_summary = 0;

// Files several workers write, by path.
using Files = std::map<std::string, std::shared_ptr<pmdcon::rx::LineFile>>;

absl::StatusOr<std::unique_ptr<pmdcon::rx::Sink>> OpenFileSink(
    const std::string& path, pmdcon::rx::Format format, Files* files) {
  std::shared_ptr<pmdcon::rx::LineFile>& f = (*files)[path];
  if (!f) {
    PMDCON_ASSIGN_OR_RETURN(auto opened, pmdcon::rx::LineFile::Open(path));
    f = std::move(opened);
  }
  return std::make_unique<pmdcon::rx::FileSink>(f, format);
}

// --sink URL -> an output (one per worker; files are shared).
absl::StatusOr<std::unique_ptr<pmdcon::rx::Sink>> OpenSink(
    const std::string& url, uint64_t queue_bytes, uint64_t spill_bytes,
    Files* files) {
  absl::string_view u = url;
  const pmdcon::rx::TcpSink::Options tcp{
      .max_queued_bytes = queue_bytes,
      .spill_dir = absl::GetFlag(FLAGS_sink_spill),
      .max_spill_bytes = spill_bytes,
  };
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
  // FORMAT:FILE. "syslog://HOST" looks like a URL and is none: a file
  // named "//HOST" would take the records without a word.
  if (const size_t colon = u.find(':');
      colon != absl::string_view::npos && colon + 1 < u.size()) {
    const absl::string_view name = u.substr(0, colon);
    if (const std::optional<pmdcon::rx::Format> format =
            pmdcon::rx::ParseFormat(
                std::string_view(name.data(), name.size()))) {
      if (absl::StartsWith(u.substr(colon + 1), "//")) {
        return absl::InvalidArgumentError(absl::StrCat(
            name, ":", u.substr(colon + 1, 2), " is a URL no output speaks: ",
            name, ":FILE writes a file (a path, e.g. ", name,
            ":/var/lib/pmdcon-rx/records.log); syslog to a server is "
            "syslog+tcp://HOST:PORT or relp://HOST:PORT"));
      }
      return OpenFileSink(std::string(u.substr(colon + 1)), *format, files);
    }
  }
  return absl::InvalidArgumentError(
      "not relp://HOST:PORT, syslog+tcp://HOST:PORT, "
      "nats://HOST:PORT[+HOST:PORT...][/PREFIX], journal[:SOCKET], "
      "json:FILE, text:FILE or syslog:FILE");
}

// --sink's values as given: absl splits a list flag at every ',', and a
// file name may hold one ("json:/tmp/a,b.json"). A piece that opens no
// output is the rest of the one before.
std::vector<std::string> SinkSpecs(const std::vector<std::string>& pieces) {
  const auto opens_output = [](absl::string_view p) {
    for (absl::string_view scheme : {"relp://", "syslog+tcp://", "nats://",
                                     "journal:", "json:", "text:", "syslog:"}) {
      if (absl::StartsWith(p, scheme)) return true;
    }
    return p == "journal";
  };
  std::vector<std::string> specs;
  for (const std::string& p : pieces) {
    if (specs.empty() || opens_output(p)) {
      specs.push_back(p);
    } else {
      absl::StrAppend(&specs.back(), ",", p);
    }
  }
  return specs;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace pmdcon;
  cli::ParseFlags(
      argc, argv, kTool,
      "Receives and checks netconsole streams.\n"
      "  pmdcon-rx --listen=:6666 --format=json --output=records.jsonl\n"
      "  pmdcon-rx --listen=127.0.0.1:6666 --count=1000 --expect=0-999 "
      "--fail_on_gap --quiet");
  // From the first instant: a signal before the workers run is handled as
  // one after (outputs may take seconds to connect).
  std::signal(SIGINT, [](int) { g_stop = 1; });
  std::signal(SIGTERM, [](int) { g_stop = 1; });
  std::signal(SIGUSR1, [](int) { g_summary = 1; });
  std::signal(SIGHUP, [](int) { g_hup = 1; });
  const std::string fmt = absl::GetFlag(FLAGS_format);
  const std::optional<rx::Format> format = rx::ParseFormat(fmt);
  if (!format) {
    cli::Die(kTool,
             absl::InvalidArgumentError(absl::StrCat(
                 "--format: \"", fmt, "\" is not text, json or syslog")),
             2);
  }
  auto ranges = rx::ParseRanges(absl::GetFlag(FLAGS_expect));
  if (!ranges.ok()) cli::Die(kTool, ranges.status(), 2);
  std::vector<rx::ListenSpec> specs;
  for (const std::string& l : absl::GetFlag(FLAGS_listen)) {
    auto spec = rx::ParseListen(l);
    if (!spec.ok()) cli::Die(kTool, spec.status(), 2);
    specs.push_back(*spec);
  }
  const std::string pcap = absl::GetFlag(FLAGS_pcap);
  const bool ack = absl::GetFlag(FLAGS_ack);
  if (ack && !pcap.empty()) {
    cli::Die(kTool,
             absl::InvalidArgumentError(
                 "--ack answers senders; a --pcap file has none to answer"),
             2);
  }
  const uint32_t workers =
      !pcap.empty() ? 1
      : absl::GetFlag(FLAGS_workers)
          ? absl::GetFlag(FLAGS_workers)
          : static_cast<uint32_t>(std::clamp(sysconf(_SC_NPROCESSORS_ONLN), 1L,
                                             long{kDefaultMaxWorkers}));
  if (workers > kMaxWorkers) {
    cli::Die(kTool,
             absl::InvalidArgumentError(absl::StrCat(
                 "--workers=", workers, ": at most ", kMaxWorkers)),
             2);
  }
  // Worker 0's sockets come first; the others join their addresses, and
  // the kernel steers each source to one of them.
  std::vector<std::optional<rx::UdpReceiver>> receivers(workers);
  std::string listening;  // printed once everything is set up
  if (pcap.empty()) {
    using Sharing = rx::UdpReceiver::Sharing;
    const int rcvbuf = absl::GetFlag(FLAGS_rcvbuf);
    if (rcvbuf <= 0) {
      cli::Die(kTool,
               absl::InvalidArgumentError(absl::StrCat(
                   "--rcvbuf=", rcvbuf, ": must be a positive byte count")),
               2);
    }
    for (uint32_t i = 0; i < workers; ++i) {
      auto r = i == 0
                   ? rx::UdpReceiver::Open(specs, rcvbuf,
                                           workers > 1 ? Sharing::kFirstOfGroup
                                                       : Sharing::kExclusive)
                   : rx::UdpReceiver::Open(receivers[0]->bound_specs(), rcvbuf,
                                           Sharing::kJoinGroup);
      if (!r.ok()) cli::Die(kTool, r.status());
      receivers[i].emplace(*std::move(r));
    }
    if (absl::Status st = receivers[0]->SteerBySource(
            workers, absl::GetFlag(FLAGS_by_address));
        !st.ok()) {
      cli::Die(kTool, st);
    }
    listening =
        absl::StrCat(AsAbsl(kTool), ": listening on ",
                     absl::StrJoin(receivers[0]->bound(), " "),
                     " (receive buffer ", receivers[0]->rcvbuf(), " bytes, ",
                     workers, " worker", workers == 1 ? "" : "s", ")\n");
    // The kernel reports twice what it grants; unprivileged, it grants at
    // most net.core.rmem_max.
    if (receivers[0]->rcvbuf() / 2 < rcvbuf) {
      absl::StrAppend(
          &listening, AsAbsl(kTool), ": the receive buffer is ",
          receivers[0]->rcvbuf() / 2, " bytes, not --rcvbuf=", rcvbuf,
          ": the kernel caps it at net.core.rmem_max without CAP_NET_ADMIN "
          "(sysctl -w net.core.rmem_max=",
          rcvbuf, ")\n");
    }
  }

  // Outputs, for each worker: --output in --format (stdout unless --sink or
  // --quiet says otherwise), then each --sink. A worker's queues are its
  // share of --sink_queue_mb.
  const std::string output =
      absl::GetFlag(FLAGS_quiet)             ? std::string()
      : !absl::GetFlag(FLAGS_output).empty() ? absl::GetFlag(FLAGS_output)
      : absl::GetFlag(FLAGS_sink).empty()    ? std::string("-")
                                             : std::string();
  const uint64_t queue_bytes =
      (uint64_t{absl::GetFlag(FLAGS_sink_queue_mb)} << 20) / workers;
  const uint64_t spill_bytes =
      (uint64_t{absl::GetFlag(FLAGS_sink_spill_mb)} << 20) / workers;
  Files files;
  std::vector<std::vector<std::unique_ptr<rx::Sink>>> sinks(workers);
  uint64_t queues = 0;  // what the outputs may hold while a peer is away
  for (auto& worker_sinks : sinks) {
    if (!output.empty()) {
      auto f = OpenFileSink(output, *format, &files);
      if (!f.ok()) cli::Die(kTool, f.status());
      worker_sinks.push_back(*std::move(f));
    }
    for (const std::string& url : SinkSpecs(absl::GetFlag(FLAGS_sink))) {
      auto sink = OpenSink(url, queue_bytes, spill_bytes, &files);
      if (!sink.ok()) {
        cli::Die(kTool,
                 absl::Status(sink.status().code(),
                              absl::StrCat("--sink=", url, ": ",
                                           sink.status().message())),
                 2);
      }
      queues += (*sink)->queue_limit();
      worker_sinks.push_back(*std::move(sink));
    }
  }

  // The budget covers the whole process: what it holds before the first
  // datagram (code, buffers), each worker's stack and receive buffers, the
  // outputs' queues and the allocator's slack come off the reassemblers'
  // share, which the workers split.
  const uint64_t budget = uint64_t{absl::GetFlag(FLAGS_memory_budget_mb)} << 20;
  const uint64_t baseline = io::ResidentBytes().value_or(0) + (1 << 20) +
                            uint64_t{workers} * kWorkerOverhead + queues;
  if (budget < baseline + uint64_t{workers} * (4 << 20)) {
    cli::Die(kTool,
             absl::InvalidArgumentError(absl::StrCat(
                 "--memory_budget_mb=", budget >> 20, ": too small, ",
                 (baseline >> 20) + 1,
                 " MiB are resident or kept for the workers and the "
                 "outputs' queues before any datagram, and reassembly "
                 "needs 4 MiB more per worker (--workers=",
                 workers, ")")),
             2);
  }
  // A hole costs 24 bytes: a million, 24 MiB.
  const uint32_t max_holes = absl::GetFlag(FLAGS_ack_holes);
  if (max_holes < 1 || max_holes > (1u << 20)) {
    cli::Die(kTool,
             absl::InvalidArgumentError(absl::StrCat(
                 "--ack_holes=", max_holes, ": out of range 1-1048576")),
             2);
  }
  wire::Reassembler::Options options{
      .frag_timeout_us = uint64_t{absl::GetFlag(FLAGS_frag_timeout_ms)} * 1000,
      .memory_budget = (budget - baseline) / 16 * 15 / workers,
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
              .max_holes = max_holes,
              .ack_every = absl::GetFlag(FLAGS_ack_every),
          },
  };
  const std::string auth_keys = absl::GetFlag(FLAGS_auth_keys);
  if (!auth_keys.empty()) {
    absl::StatusOr<std::shared_ptr<const wire::ReceiverKeys>> keys =
        LoadKeys(auth_keys);
    if (!keys.ok()) cli::Die(kTool, keys.status(), 2);
    options.auth = *keys;
  }
  rx::WorkerControl control;
  control.count = absl::GetFlag(FLAGS_count);
#ifdef PMDCON_TEST_HOOKS
  control.ignore_text = absl::GetFlag(FLAGS_ignore_text);
#endif
  std::vector<std::unique_ptr<rx::Worker>> pool;
  for (uint32_t i = 0; i < workers; ++i) {
    pool.push_back(std::make_unique<rx::Worker>(
        i, std::move(receivers[i]), options, std::move(sinks[i]), &control));
  }
  const uint64_t drain_us =
      static_cast<uint64_t>(std::max(0.0, absl::GetFlag(FLAGS_drain)) * 1e6);

  rx::PcapStats pcap_stats;
  if (!pcap.empty()) {
    if (absl::Status st = rx::ReadPcap(
            pcap, specs,
            [&](const wire::SourceKey& k, std::string_view payload) {
              pool[0]->Feed(k, payload, io::MonotonicUsec());
            },
            &pcap_stats);
        !st.ok()) {
      cli::Die(kTool, st);
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
    pool[0]->Finish(drain_us);
  } else {
    std::fputs(listening.c_str(), stderr);
    const std::string ready = absl::GetFlag(FLAGS_ready_file);
    if (!ready.empty()) {
      const int fd = open(ready.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
      if (fd < 0) {
        cli::Die(kTool,
                 absl::NotFoundError(absl::StrCat("cannot create ", ready)));
      }
      close(fd);
    }
    // Signals come to this thread alone: it tells the workers.
    sigset_t mask, old;
    sigemptyset(&mask);
    for (int sig : {SIGINT, SIGTERM, SIGUSR1, SIGHUP}) sigaddset(&mask, sig);
    pthread_sigmask(SIG_BLOCK, &mask, &old);
    std::vector<std::thread> threads;
    for (auto& w : pool) {
      threads.emplace_back([&w, drain_us] { w->Run(drain_us); });
    }
    pthread_sigmask(SIG_SETMASK, &old, nullptr);

    const uint64_t start = io::MonotonicUsec();
    const double duration = absl::GetFlag(FLAGS_duration);
    const double idle = absl::GetFlag(FLAGS_idle);
    while (control.running()) {
      poll(nullptr, 0, 20);  // a signal ends it early
      const uint64_t now = io::MonotonicUsec();
      const uint64_t last = control.last_datagram_us.load();
      if (g_stop) control.Stop(rx::WorkerControl::State::kSignal);
      if (g_summary) {
        g_summary = 0;
        control.summaries.fetch_add(1);
      }
      if (g_hup) {  // logrotate: files anew; a bad key file keeps the keys
        g_hup = 0;
        size_t reopened = 0;
        for (const auto& [path, file] : files) {
          if (absl::Status st = file->Reopen(); st.ok()) {
            reopened += path != "-";
          } else {
            std::fprintf(stderr, "%s: SIGHUP: %s; writing on to the old file\n",
                         kTool.data(), std::string(st.message()).c_str());
          }
        }
        if (reopened) {
          std::fprintf(stderr, "%s: SIGHUP: %zu output files reopened\n",
                       kTool.data(), reopened);
        }
        if (!auth_keys.empty()) {
          absl::StatusOr<std::shared_ptr<const wire::ReceiverKeys>> keys =
              LoadKeys(auth_keys);
          if (keys.ok()) {
            control.PublishAuth(*keys);
            std::fprintf(stderr, "%s: %s: keys for %zu senders\n", kTool.data(),
                         auth_keys.c_str(), (*keys)->sources());
          } else {
            std::fprintf(stderr, "%s: keeping the keys in use: %s\n",
                         kTool.data(),
                         std::string(keys.status().message()).c_str());
          }
        }
      }
      if ((duration > 0 && now - start >= duration * 1e6) ||
          (idle > 0 && last && now > last && now - last >= idle * 1e6)) {
        control.Stop(rx::WorkerControl::State::kDone);
      }
    }
    for (std::thread& t : threads) t.join();
    for (const auto& w : pool) {
      if (!w->error().ok()) cli::Die(kTool, w->error());
    }
  }
  std::vector<const rx::Worker*> all;
  for (const auto& w : pool) all.push_back(w.get());
  const std::string summary = rx::Summary(all);
  std::fputs(summary.c_str(), stderr);
#ifdef PMDCON_TEST_HOOKS
  if (!control.ignore_text.empty()) {
    std::fprintf(
        stderr, "%s: --ignore_text: %llu datagrams dropped from %s\n",
        kTool.data(), static_cast<unsigned long long>(control.ignored.load()),
        control.ignore_from ? rx::SourceName(*control.ignore_from).c_str()
                            : "none");
  }
#endif
  rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  const double cpu =
      static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
      static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
  // Every datagram, not only those of the sources still held.
  uint64_t datagrams = 0;
  for (const rx::Worker* w : all) datagrams += w->datagrams();
  std::fprintf(stderr, "%s: cpu %.3f s for %llu datagrams (%.2f us each)\n",
               kTool.data(), cpu, static_cast<unsigned long long>(datagrams),
               datagrams ? cpu * 1e6 / static_cast<double>(datagrams) : 0.0);

  // The oracle.
  rx::Oracle oracle({
      .fail_on_gap = absl::GetFlag(FLAGS_fail_on_gap),
      .fail_on_loss = absl::GetFlag(FLAGS_fail_on_loss),
      .fail_on_malformed = absl::GetFlag(FLAGS_fail_on_malformed),
      .expect = *std::move(ranges),
  });
  for (const rx::Worker* w : all) {
    w->reassembler().ForEachSource(
        [&](const wire::SourceKey& k, const wire::SourceStats& st) {
          oracle.Source(k, st);
        });
  }
  oracle.BadChecksums(pcap,
                      pcap_stats.bad_ip_checksum + pcap_stats.bad_udp_checksum);
  std::map<std::string, uint64_t> undelivered;  // by output, every worker's
  for (const rx::Worker* w : all) {
    for (const auto& s : w->sinks()) {
      undelivered[s->name()] += s->stats().dropped + s->pending();
    }
  }
  for (const auto& [name, lost] : undelivered) oracle.Undelivered(name, lost);
  for (absl::string_view line :
       absl::StrSplit(oracle.report(), '\n', absl::SkipEmpty())) {
    std::fprintf(stderr, "%s: %.*s\n", kTool.data(),
                 static_cast<int>(line.size()), line.data());
  }
  return oracle.failures() ? 1 : 0;
}
