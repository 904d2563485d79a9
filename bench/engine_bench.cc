// The TX engine on net_null: records per second one lcore sends, for
// 100-byte texts in the extended format. bench/engine_vs_testpmd.sh puts the
// result next to dpdk-testpmd's txonly rate on the same vdev, same run.
#include <benchmark/benchmark.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_launch.h>
#include <rte_pause.h>
#include <sys/prctl.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <memory>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "io/mapped_file.h"
#include "ring/ring.h"

namespace pmdcon {
namespace {

constexpr uint64_t kRecords = 200000;
std::unique_ptr<port::Port> g_port;
std::unique_ptr<io::MappedFile> g_region;
pmdcon_ring g_ring;
const BootId kBoot{};

int RunTx(void* e) {
  static_cast<engine::Engine*>(e)->Run();
  return 0;
}

// Until the engine has sent n records. Looks every 20 us, not in a spin:
// each look pulls the counters' cache line away from the TX lcore, which
// writes it for every record.
void WaitForRecords(const engine::Engine& e, uint64_t n) {
  while (e.stats(0).records.load(std::memory_order_relaxed) < n) {
    rte_delay_us_sleep(20);
  }
}

// Arg 1: the target is reliable (acknowledgement protocol on; no collector
// answers, so this is the sender's bookkeeping per record: seq index, send
// times, the loop's checks). bench/reliable.sh prints the ratio.
// Arg 2: authenticated (a SipHash-2-4 MAC sealed into every payload, as
// `auth:` does); bench/auth.sh prints the ratio.
void BM_EngineNetNull(benchmark::State& state) {
  const uint32_t len = static_cast<uint32_t>(state.range(0));
  std::string text(len, 'e');
  pmdcon_rec meta{};
  meta.prio = 6;
  meta.flags = PMDCON_REC_CPU | PMDCON_REC_COMM;
  std::strcpy(meta.comm, "bench");
  engine::TargetSpec spec;
  spec.name = "null";
  spec.static_mac = true;
  spec.endpoints.src_ip = *packet::ParseIp("10.99.0.1");
  spec.endpoints.dst_ip = *packet::ParseIp("10.99.0.2");
  spec.reliable = state.range(1) != 0;
  if (state.range(2) != 0) {
    pmdcon_auth_key k{};
    k.id = 1;
    for (uint8_t i = 0; i < PMDCON_AUTH_KEY_LEN; ++i) k.key[i] = i;
    spec.auth.keys = {k};
    spec.format.chunk -= PMDCON_AUTH_FIELD_LEN;  // as the appliance does
  }
  uint64_t sent = 0, packets = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto e = engine::Engine::Create(
        g_region->bytes(), kBoot, ring::StartAt::kNewest, g_port.get(), {spec});
    if (!e.ok()) {
      state.SkipWithError(std::string(e.status().message()).c_str());
      return;
    }
    for (uint64_t i = 0; i < kRecords; ++i) {
      ++meta.seq;
      pmdcon_ring_write(&g_ring, &meta, text.data(), len, "", 0);
    }
    state.ResumeTiming();
    rte_eal_remote_launch(RunTx, e->get(), 1);
    WaitForRecords(**e, kRecords);
    state.PauseTiming();
    (*e)->Stop();
    rte_eal_wait_lcore(1);
    packets += (*e)->stats(0).packets.load();
    sent += kRecords;
    state.ResumeTiming();
  }
  state.SetItemsProcessed(static_cast<int64_t>(sent));
  state.counters["packets_per_record"] =
      static_cast<double>(packets) / static_cast<double>(sent);
}
BENCHMARK(BM_EngineNetNull)
    ->Args({100, 0, 0})
    ->Args({100, 1, 0})
    ->Args({100, 0, 1})
    ->ArgNames({"text", "reliable", "auth"})
    ->UseRealTime()
    ->MinTime(1.0);

#ifdef PMDCON_TEST_HOOKS  // the latency probe: -Dtest_hooks=true
// Latency from the producer's TSC stamp to the return of the tx_burst that
// sent the record, at a steady 1 M records/s (the producer paces itself on
// the main lcore; the engine runs on lcore 1).
void BM_EngineLatency(benchmark::State& state) {
  const uint64_t rate = static_cast<uint64_t>(state.range(0));
  constexpr uint64_t kN = 2000000;
  std::vector<uint64_t> samples(kN);
  std::string text(100, 'l');
  pmdcon_rec meta{};
  meta.prio = 6;
  engine::TargetSpec spec;
  spec.name = "null";
  spec.static_mac = true;
  spec.endpoints.src_ip = *packet::ParseIp("10.99.0.1");
  spec.endpoints.dst_ip = *packet::ParseIp("10.99.0.2");
  const double hz = static_cast<double>(rte_get_tsc_hz());
  for (auto _ : state) {
    auto e = engine::Engine::Create(
        g_region->bytes(), kBoot, ring::StartAt::kNewest, g_port.get(), {spec});
    if (!e.ok()) {
      state.SkipWithError("engine");
      return;
    }
    (*e)->EnableLatencyProbe(samples.data(), samples.size());
    rte_eal_remote_launch(RunTx, e->get(), 1);
    // 50 records every 50 us (1 M/s on average). Between chunks the
    // producer's core sleeps: with two vCPUs both busy, every other task
    // would preempt the engine for a scheduler slice (milliseconds); a sleep
    // costs this VM about 17 us, so finer pacing by sleeping falls behind
    // 1 M/s. Arg 1 = 0 writes each chunk at once (queueing behind the chunk
    // dominates); 1 spreads it 0.6 us apart over the first 30 us.
    constexpr uint64_t kChunk = 50;
    const uint64_t gap =
        state.range(1) ? static_cast<uint64_t>(hz * 0.6e-6) : 0;
    prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);  // wake on time, not 50 us late
    const uint64_t t0 = rte_rdtsc();
    uint64_t due = 0;
    timespec next;
    clock_gettime(CLOCK_MONOTONIC, &next);
    for (uint64_t i = 0; i < kN; ++i) {
      if (i % kChunk == 0) {
        next.tv_nsec += static_cast<long>(kChunk * 1000000000 / rate);
        if (next.tv_nsec >= 1000000000) {
          next.tv_nsec -= 1000000000;
          ++next.tv_sec;
        }
        clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, nullptr);
        due = rte_rdtsc();
      }
      while (rte_rdtsc() < due) rte_pause();
      due += gap;
      meta.seq = i;
      meta.ts_usec = rte_rdtsc();  // the stamp the probe measures from
      pmdcon_ring_write(&g_ring, &meta, text.data(), 100, "", 0);
    }
    const double secs = static_cast<double>(rte_rdtsc() - t0) / hz;
    WaitForRecords(**e, kN);
    (*e)->Stop();
    rte_eal_wait_lcore(1);
    const size_t n = (*e)->samples_taken();
    state.counters["offered_rate"] = static_cast<double>(kN) / secs;
    if (std::getenv("PMDCON_LATENCY_TRACE")) {
      for (size_t k :
           {size_t{0}, size_t{100}, size_t{1000}, size_t{10000}, size_t{100000},
            size_t{500000}, size_t{1000000}, size_t{1500000}, n - 1}) {
        std::fprintf(stderr, "sample %zu: %.0f ns\n", k,
                     static_cast<double>(samples[k]) * 1e9 / hz);
      }
    }
    std::sort(samples.begin(), samples.begin() + static_cast<long>(n));
    auto pct = [&](double p) {
      return static_cast<double>(
                 samples[std::min(n - 1, static_cast<size_t>(p * n))]) *
             1e9 / hz;
    };
    state.counters["p50_ns"] = pct(0.50);
    state.counters["p99_ns"] = pct(0.99);
    state.counters["p999_ns"] = pct(0.999);
    state.counters["max_ns"] = static_cast<double>(samples[n - 1]) * 1e9 / hz;
    state.counters["samples"] = static_cast<double>(n);
  }
}
BENCHMARK(BM_EngineLatency)
    ->Args({1000000, 0})
    ->Args({1000000, 1})
    ->ArgNames({"rate", "spread"})
    ->Iterations(1)
    ->UseRealTime();
#endif

// The reference for the latency numbers, same run: how often this machine
// takes the TX lcore's CPU away from a thread that only spins (gaps in a
// tight TSC loop on lcore 1). On a dedicated, isolated core: none.
int Spin(void* out) {
  const double hz = static_cast<double>(rte_get_tsc_hz());
  const uint64_t end = rte_rdtsc() + static_cast<uint64_t>(hz);
  uint64_t prev = rte_rdtsc(), worst = 0, over = 0;
  while (prev < end) {
    const uint64_t now = rte_rdtsc();
    if (now - prev > worst) worst = now - prev;
    if (now - prev > static_cast<uint64_t>(hz / 10000)) ++over;  // > 100 us
    prev = now;
  }
  static_cast<uint64_t*>(out)[0] = over;
  static_cast<uint64_t*>(out)[1] = worst;
  return 0;
}

void BM_HostJitterOnTxLcore(benchmark::State& state) {
  uint64_t r[2] = {};
  for (auto _ : state) {
    rte_eal_remote_launch(Spin, r, 1);
    rte_eal_wait_lcore(1);
  }
  state.counters["stalls_over_100us_per_s"] = static_cast<double>(r[0]);
  state.counters["worst_stall_ns"] =
      static_cast<double>(r[1]) * 1e9 / static_cast<double>(rte_get_tsc_hz());
}
BENCHMARK(BM_HostJitterOnTxLcore)->Iterations(1)->UseRealTime();

}  // namespace
}  // namespace pmdcon

int main(int argc, char** argv) {
  using namespace pmdcon;
  std::vector<std::string> args = {
      argv[0],     "-l",          "0,1",          "--main-lcore",   "0",
      "-m",        "1024",        "--no-pci",     "--no-telemetry", "--vdev",
      "net_null0", "--log-level", "lib.eal:error"};
  // PMDCON_BENCH_HUGEPAGES=1: hugepage memory (reserve pages first, e.g.
  // echo 768 > /proc/sys/vm/nr_hugepages); default --no-huge.
  if (std::getenv("PMDCON_BENCH_HUGEPAGES")) {
    args.push_back("--in-memory");
  } else {
    args.insert(args.end(), {"--no-huge", "--no-shconf"});
  }
  std::vector<char*> eal;
  for (auto& a : args) eal.push_back(a.data());
  if (rte_eal_init(static_cast<int>(eal.size()), eal.data()) < 0) {
    std::fprintf(stderr, "engine_bench: EAL init failed\n");
    return 1;
  }
  auto port = port::Port::Open({0, 1024, 1024, 1500, 16383});
  auto region = io::MappedFile::Anonymous((64u << 20) + PMDCON_DATA_OFFSET);
  if (!port.ok() || !region.ok() ||
      pmdcon_ring_format(&g_ring, region->bytes().data(),
                         region->bytes().size(), kBoot.data(), 1) != 0) {
    std::fprintf(stderr, "engine_bench: setup failed\n");
    return 1;
  }
  g_port = std::make_unique<port::Port>(std::move(*port));
  g_region = std::make_unique<io::MappedFile>(std::move(*region));
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  return 0;
}
