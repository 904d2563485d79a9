// pmdcon-rx: receives netconsole streams (pmdcon's or the kernel's), checks
// and reassembles them, and prints records as text or JSON lines. With the
// oracle options it is the judge of pmdcon's tests: it exits 1 when records
// went missing, arrived malformed, or an expected seq range is incomplete.
// main() turns the flags into rx::CollectorOptions; rx::Collector does the
// rest.
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "cli/flags.h"
#include "common/status.h"
#include "common/strings.h"
#include "rx/collector.h"
#include "rx/format/output.h"
#include "rx/oracle.h"
#include "rx/recv/udp.h"
#include "rx/sinks/open_sink.h"

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
ABSL_FLAG(std::string, metrics, "",
          "serve Prometheus metrics at http://HOST:PORT/metrics (\"\": off; "
          "port 0: any free one, as logged)");
ABSL_FLAG(uint64_t, metrics_sources, 10000,
          "/metrics: series for at most this many sources, those with the "
          "most records; the rest are summed under source=\"other\" "
          "(bounds what a scrape costs and Prometheus' series)");

namespace {

using pmdcon::rx::Collector;
using pmdcon::rx::CollectorOptions;

constexpr std::string_view kTool = "pmdcon-rx";
constexpr uint32_t kMaxWorkers = 256;
// The default: a worker per CPU, up to this many (each takes its share of
// the memory budget; more must be asked for, with a budget to match).
constexpr uint32_t kDefaultMaxWorkers = 16;

Collector::Signals g_signals;

absl::Status Usage(std::string_view what) {
  return absl::InvalidArgumentError(pmdcon::AsAbsl(what));
}

// The flags, checked, as the collector's options.
absl::StatusOr<CollectorOptions> OptionsFromFlags() {
  using namespace pmdcon;
  CollectorOptions o;
  const std::string fmt = absl::GetFlag(FLAGS_format);
  const std::optional<rx::Format> format = rx::ParseFormat(fmt);
  if (!format) {
    return Usage(
        absl::StrCat("--format: \"", fmt, "\" is not text, json or syslog"));
  }
  o.format = *format;
  PMDCON_ASSIGN_OR_RETURN(o.oracle.expect,
                          rx::ParseRanges(absl::GetFlag(FLAGS_expect)));
  o.oracle.fail_on_gap = absl::GetFlag(FLAGS_fail_on_gap);
  o.oracle.fail_on_loss = absl::GetFlag(FLAGS_fail_on_loss);
  o.oracle.fail_on_malformed = absl::GetFlag(FLAGS_fail_on_malformed);
  for (const std::string& l : absl::GetFlag(FLAGS_listen)) {
    PMDCON_ASSIGN_OR_RETURN(rx::ListenSpec spec, rx::ParseListen(l));
    o.listen.push_back(spec);
  }
  o.pcap = absl::GetFlag(FLAGS_pcap);
  const bool ack = absl::GetFlag(FLAGS_ack);
  if (ack && !o.pcap.empty()) {
    return Usage("--ack answers senders; a --pcap file has none to answer");
  }
  o.workers =
      !o.pcap.empty() ? 1
      : absl::GetFlag(FLAGS_workers)
          ? absl::GetFlag(FLAGS_workers)
          : static_cast<uint32_t>(std::clamp(sysconf(_SC_NPROCESSORS_ONLN), 1L,
                                             long{kDefaultMaxWorkers}));
  if (o.workers > kMaxWorkers) {
    return Usage(
        absl::StrCat("--workers=", o.workers, ": at most ", kMaxWorkers));
  }
  o.rcvbuf = absl::GetFlag(FLAGS_rcvbuf);
  if (o.rcvbuf <= 0 && o.pcap.empty()) {
    return Usage(
        absl::StrCat("--rcvbuf=", o.rcvbuf, ": must be a positive byte count"));
  }
  // --output in --format: stdout unless --sink or --quiet says otherwise.
  o.output = absl::GetFlag(FLAGS_quiet) ? std::string()
             : !absl::GetFlag(FLAGS_output).empty()
                 ? absl::GetFlag(FLAGS_output)
             : absl::GetFlag(FLAGS_sink).empty() ? std::string("-")
                                                 : std::string();
  o.sinks = rx::SinkSpecs(absl::GetFlag(FLAGS_sink));
  o.queue_bytes = uint64_t{absl::GetFlag(FLAGS_sink_queue_mb)} << 20;
  o.spill_dir = absl::GetFlag(FLAGS_sink_spill);
  o.spill_bytes = uint64_t{absl::GetFlag(FLAGS_sink_spill_mb)} << 20;
  o.memory_budget = uint64_t{absl::GetFlag(FLAGS_memory_budget_mb)} << 20;
  // A hole costs 24 bytes: a million, 24 MiB.
  const uint32_t max_holes = absl::GetFlag(FLAGS_ack_holes);
  if (max_holes < 1 || max_holes > (1u << 20)) {
    return Usage(
        absl::StrCat("--ack_holes=", max_holes, ": out of range 1-1048576"));
  }
  o.reassembler = {
      .frag_timeout_us = uint64_t{absl::GetFlag(FLAGS_frag_timeout_ms)} * 1000,
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
  o.auth_keys = absl::GetFlag(FLAGS_auth_keys);
  if (!o.auth_keys.empty()) {
    PMDCON_ASSIGN_OR_RETURN(o.reassembler.auth,
                            Collector::LoadKeys(o.auth_keys));
  }
  o.count = absl::GetFlag(FLAGS_count);
  o.duration = absl::GetFlag(FLAGS_duration);
  o.idle = absl::GetFlag(FLAGS_idle);
  o.drain_us =
      static_cast<uint64_t>(std::max(0.0, absl::GetFlag(FLAGS_drain)) * 1e6);
  o.ready_file = absl::GetFlag(FLAGS_ready_file);
  o.metrics = absl::GetFlag(FLAGS_metrics);
  o.metrics_sources = absl::GetFlag(FLAGS_metrics_sources);
#ifdef PMDCON_TEST_HOOKS
  o.ignore_text = absl::GetFlag(FLAGS_ignore_text);
#endif
  return o;
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
  std::signal(SIGINT, [](int) { g_signals.stop = 1; });
  std::signal(SIGTERM, [](int) { g_signals.stop = 1; });
  std::signal(SIGUSR1, [](int) { g_signals.summary = 1; });
  std::signal(SIGHUP, [](int) { g_signals.hup = 1; });
  absl::StatusOr<CollectorOptions> options = OptionsFromFlags();
  if (!options.ok()) cli::Die(kTool, options.status(), 2);
  absl::StatusOr<std::unique_ptr<Collector>> collector =
      Collector::Open(*std::move(options));
  if (!collector.ok()) {
    cli::Die(kTool, collector.status(),
             absl::IsInvalidArgument(collector.status()) ? 2 : 1);
  }
  if (absl::Status st = (*collector)->Run(&g_signals); !st.ok()) {
    cli::Die(kTool, st);
  }
  return (*collector)->Report();
}
