#include "rx/collector.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <map>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/status.h"
#include "common/strings.h"
#include "io/system.h"
#include "rx/metrics.h"

namespace pmdcon::rx {
namespace {

constexpr const char* kTool = "pmdcon-rx";
// Resident memory a worker holds before reassembly: its stack, receive
// batch and output buffers.
constexpr uint64_t kWorkerOverhead = 2 << 20;

}  // namespace

absl::StatusOr<std::shared_ptr<const wire::ReceiverKeys>> Collector::LoadKeys(
    const std::string& path) {
  PMDCON_ASSIGN_OR_RETURN(std::string text, io::ReadSecretFile(path));
  PMDCON_ASSIGN_OR_RETURN(wire::ReceiverKeys keys,
                          wire::ReceiverKeys::Parse(text, path));
  return std::make_shared<const wire::ReceiverKeys>(std::move(keys));
}

Collector::Collector(CollectorOptions o) : o_(std::move(o)) {}

absl::StatusOr<std::unique_ptr<Collector>> Collector::Open(CollectorOptions o) {
  std::unique_ptr<Collector> c(new Collector(std::move(o)));
  CollectorOptions& opt = c->o_;
  const uint32_t workers = opt.workers;
  if (opt.pcap.empty()) PMDCON_RETURN_IF_ERROR(c->Listen());
  // Outputs, for each worker: a worker's queues are its share.
  c->factory_ = std::make_unique<SinkFactory>(SinkFactory::Options{
      .queue_bytes = opt.queue_bytes / workers,
      .spill_dir = opt.spill_dir,
      .spill_bytes = opt.spill_bytes / workers,
  });
  uint64_t queues = 0;  // what the outputs may hold while a peer is away
  PMDCON_RETURN_IF_ERROR(c->OpenOutputs(c->factory_.get(), &queues));
  // The budget covers the whole process: what it holds before the first
  // datagram (code, buffers), each worker's stack and receive buffers, the
  // outputs' queues and the allocator's slack come off the reassemblers'
  // share, which the workers split.
  const uint64_t budget = opt.memory_budget;
  const uint64_t baseline = io::ResidentBytes().value_or(0) + (1 << 20) +
                            uint64_t{workers} * kWorkerOverhead + queues;
  if (budget < baseline + uint64_t{workers} * (4 << 20)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--memory_budget_mb=", budget >> 20, ": too small, ",
        (baseline >> 20) + 1,
        " MiB are resident or kept for the workers and the outputs' queues "
        "before any datagram, and reassembly needs 4 MiB more per worker "
        "(--workers=",
        workers, ")"));
  }
  opt.reassembler.memory_budget = (budget - baseline) / 16 * 15 / workers;
  c->control_.count = opt.count;
#ifdef PMDCON_TEST_HOOKS
  c->control_.ignore_text = opt.ignore_text;
#endif
  c->control_.metrics = !opt.metrics.empty();
  c->control_.metrics_sources = opt.metrics_sources;
  for (uint32_t i = 0; i < workers; ++i) {
    c->pool_.push_back(std::make_unique<Worker>(
        i, c->receivers_.empty() ? std::nullopt : std::move(c->receivers_[i]),
        opt.reassembler, std::move(c->sinks_[i]), &c->control_));
  }
  if (!opt.metrics.empty()) {
    Collector* self = c.get();
    auto server = metrics::Server::Start(
        opt.metrics, [self] { return self->MetricsText(); });
    if (!server.ok()) {
      return absl::Status(server.status().code(),
                          absl::StrCat("--metrics=", opt.metrics, ": ",
                                       server.status().message()));
    }
    c->metrics_ = *std::move(server);
    std::fprintf(stderr, "%s: metrics on http://%s/metrics\n", kTool,
                 c->metrics_->address().c_str());
  }
  return c;
}

std::string Collector::MetricsText() {
  // Running workers answer within a pass of their loop (100 ms at most
  // when idle); one that is busier than that is shown as it was when it
  // answered an earlier scrape that gave up on it, or left out. Scrapes
  // take the workers' snapshots, so they go one at a time.
  constexpr uint64_t kWaitUs = 200'000;
  std::lock_guard l(metrics_mu_);
  const uint64_t gen = control_.metrics_gen.fetch_add(1) + 1;
  const uint64_t until = io::MonotonicUsec() + kWaitUs;
  std::vector<std::shared_ptr<const WorkerSnapshot>> snaps(pool_.size());
  for (;;) {
    bool all = true;
    for (size_t i = 0; i < pool_.size(); ++i) {
      if (snaps[i] && snaps[i]->gen >= gen) continue;
      // Whether finished before the take: its take is then the final one.
      const bool finished = pool_[i]->finished();
      if (auto s = pool_[i]->TakeSnapshot()) snaps[i] = std::move(s);
      all = all && (finished || (snaps[i] && snaps[i]->gen >= gen));
    }
    if (all || io::MonotonicUsec() >= until) break;
    usleep(2000);
  }
  absl::StatusOr<uint64_t> rss = io::ResidentBytes();
  return RenderMetrics(
      snaps, {.version = PMDCON_VERSION,
              .now_unix_us = io::RealtimeUsec(),
              .memory_budget = o_.memory_budget,
              .resident = rss.ok() ? std::optional(*rss) : std::nullopt,
              .max_sources = o_.metrics_sources});
}

// Worker 0's sockets come first; the others join their addresses, and the
// kernel steers each source to one of them.
absl::Status Collector::Listen() {
  using Sharing = UdpReceiver::Sharing;
  const uint32_t workers = o_.workers;
  receivers_.resize(workers);
  for (uint32_t i = 0; i < workers; ++i) {
    PMDCON_ASSIGN_OR_RETURN(
        UdpReceiver r,
        i == 0 ? UdpReceiver::Open(
                     o_.listen, o_.rcvbuf,
                     workers > 1 ? Sharing::kFirstOfGroup : Sharing::kExclusive)
               : UdpReceiver::Open(receivers_[0]->bound_specs(), o_.rcvbuf,
                                   Sharing::kJoinGroup));
    receivers_[i].emplace(std::move(r));
  }
  PMDCON_RETURN_IF_ERROR(
      receivers_[0]->SteerBySource(workers, o_.reassembler.by_address));
  listening_ = absl::StrCat(
      kTool, ": listening on ", absl::StrJoin(receivers_[0]->bound(), " "),
      " (receive buffer ", receivers_[0]->rcvbuf(), " bytes, ", workers,
      " worker", workers == 1 ? "" : "s", ")\n");
  // The kernel reports twice what it grants; unprivileged, it grants at
  // most net.core.rmem_max.
  if (receivers_[0]->rcvbuf() / 2 < o_.rcvbuf) {
    absl::StrAppend(
        &listening_, kTool, ": the receive buffer is ",
        receivers_[0]->rcvbuf() / 2, " bytes, not --rcvbuf=", o_.rcvbuf,
        ": the kernel caps it at net.core.rmem_max without CAP_NET_ADMIN "
        "(sysctl -w net.core.rmem_max=",
        o_.rcvbuf, ")\n");
  }
  return absl::OkStatus();
}

// --output in --format, then each --sink, for every worker.
absl::Status Collector::OpenOutputs(SinkFactory* factory, uint64_t* queues) {
  sinks_.resize(o_.workers);
  for (auto& worker_sinks : sinks_) {
    if (!o_.output.empty()) {
      PMDCON_ASSIGN_OR_RETURN(auto f, factory->OpenFile(o_.output, o_.format));
      worker_sinks.push_back(std::move(f));
    }
    for (const std::string& spec : o_.sinks) {
      auto sink = factory->Open(spec);
      if (!sink.ok()) {  // a usage error, whatever the cause
        return absl::InvalidArgumentError(
            absl::StrCat("--sink=", spec, ": ", sink.status().message()));
      }
      *queues += (*sink)->queue_limit();
      worker_sinks.push_back(*std::move(sink));
    }
  }
  return absl::OkStatus();
}

absl::Status Collector::RunPcap() {
  PMDCON_RETURN_IF_ERROR(ReadPcap(
      o_.pcap, o_.listen,
      [&](const wire::SourceKey& k, std::string_view payload) {
        pool_[0]->Feed(k, payload, io::MonotonicUsec());
      },
      &pcap_stats_));
  std::fprintf(stderr,
               "%s: %s: %llu frames, %llu UDP, %llu other, bad checksums: "
               "%llu IPv4, %llu UDP\n",
               kTool, o_.pcap.c_str(),
               static_cast<unsigned long long>(pcap_stats_.frames),
               static_cast<unsigned long long>(pcap_stats_.udp),
               static_cast<unsigned long long>(pcap_stats_.other),
               static_cast<unsigned long long>(pcap_stats_.bad_ip_checksum),
               static_cast<unsigned long long>(pcap_stats_.bad_udp_checksum));
  pool_[0]->Finish(o_.drain_us);
  return absl::OkStatus();
}

absl::Status Collector::Run(Signals* signals) {
  if (!o_.pcap.empty()) return RunPcap();
  std::fputs(listening_.c_str(), stderr);
  if (!o_.ready_file.empty()) {
    const int fd =
        open(o_.ready_file.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
    if (fd < 0) {
      return absl::NotFoundError(absl::StrCat("cannot create ", o_.ready_file));
    }
    close(fd);
  }
  // Signals come to this thread alone: it tells the workers.
  sigset_t mask, old;
  sigemptyset(&mask);
  for (int sig : {SIGINT, SIGTERM, SIGUSR1, SIGHUP}) sigaddset(&mask, sig);
  pthread_sigmask(SIG_BLOCK, &mask, &old);
  std::vector<std::thread> threads;
  const uint64_t drain_us = o_.drain_us;
  for (auto& w : pool_) {
    threads.emplace_back([&w, drain_us] { w->Run(drain_us); });
  }
  pthread_sigmask(SIG_SETMASK, &old, nullptr);

  const uint64_t start = io::MonotonicUsec();
  while (control_.running()) {
    poll(nullptr, 0, 20);  // a signal ends it early
    const uint64_t now = io::MonotonicUsec();
    const uint64_t last = control_.last_datagram_us.load();
    if (signals->stop) control_.Stop(WorkerControl::State::kSignal);
    if (signals->summary) {
      signals->summary = 0;
      control_.summaries.fetch_add(1);
    }
    if (signals->hup) {
      signals->hup = 0;
      Reload();
    }
    if ((o_.duration > 0 && now - start >= o_.duration * 1e6) ||
        (o_.idle > 0 && last && now > last && now - last >= o_.idle * 1e6)) {
      control_.Stop(WorkerControl::State::kDone);
    }
  }
  for (std::thread& t : threads) t.join();
  for (const auto& w : pool_) PMDCON_RETURN_IF_ERROR(w->error());
  return absl::OkStatus();
}

// logrotate: files anew; a bad key file keeps the keys in use.
void Collector::Reload() {
  size_t reopened = 0;
  for (const auto& [path, file] : factory_->files()) {
    if (absl::Status st = file->Reopen(); st.ok()) {
      reopened += path != "-";
    } else {
      std::fprintf(stderr, "%s: SIGHUP: %s; writing on to the old file\n",
                   kTool, std::string(st.message()).c_str());
    }
  }
  if (reopened) {
    std::fprintf(stderr, "%s: SIGHUP: %zu output files reopened\n", kTool,
                 reopened);
  }
  if (o_.auth_keys.empty()) return;
  absl::StatusOr<std::shared_ptr<const wire::ReceiverKeys>> keys =
      LoadKeys(o_.auth_keys);
  if (keys.ok()) {
    control_.PublishAuth(*keys);
    std::fprintf(stderr, "%s: %s: keys for %zu senders\n", kTool,
                 o_.auth_keys.c_str(), (*keys)->sources());
  } else {
    std::fprintf(stderr, "%s: keeping the keys in use: %s\n", kTool,
                 std::string(keys.status().message()).c_str());
  }
}

int Collector::Report() {
  std::vector<const Worker*> all;
  for (const auto& w : pool_) all.push_back(w.get());
  const std::string summary = Summary(all);
  std::fputs(summary.c_str(), stderr);
#ifdef PMDCON_TEST_HOOKS
  if (!control_.ignore_text.empty()) {
    std::fprintf(
        stderr, "%s: --ignore_text: %llu datagrams dropped from %s\n", kTool,
        static_cast<unsigned long long>(control_.ignored.load()),
        control_.ignore_from ? SourceName(*control_.ignore_from).c_str()
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
  for (const Worker* w : all) datagrams += w->datagrams();
  std::fprintf(stderr, "%s: cpu %.3f s for %llu datagrams (%.2f us each)\n",
               kTool, cpu, static_cast<unsigned long long>(datagrams),
               datagrams ? cpu * 1e6 / static_cast<double>(datagrams) : 0.0);

  Oracle oracle(o_.oracle);
  for (const Worker* w : all) {
    w->reassembler().ForEachSource(
        [&](const wire::SourceKey& k, const wire::SourceStats& st) {
          oracle.Source(k, st);
        });
  }
  oracle.BadChecksums(
      o_.pcap, pcap_stats_.bad_ip_checksum + pcap_stats_.bad_udp_checksum);
  std::map<std::string, uint64_t> undelivered;  // by output, every worker's
  for (const Worker* w : all) {
    for (const auto& s : w->sinks()) {
      undelivered[s->name()] += s->stats().dropped + s->pending();
    }
  }
  for (const auto& [name, lost] : undelivered) oracle.Undelivered(name, lost);
  for (absl::string_view line :
       absl::StrSplit(oracle.report(), '\n', absl::SkipEmpty())) {
    std::fprintf(stderr, "%s: %.*s\n", kTool, static_cast<int>(line.size()),
                 line.data());
  }
  return oracle.failures() ? 1 : 0;
}

}  // namespace pmdcon::rx
