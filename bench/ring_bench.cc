// Ring benchmarks: producer cost per record against a plain memcpy of the same
// bytes (same run), per-record latency percentiles, and producer-to-consumer
// throughput across two threads.
#include <benchmark/benchmark.h>
#include <x86intrin.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <memory>
#include <thread>
#include <vector>

#include "ring/ring.h"

namespace pmdcon {
namespace {

constexpr size_t kRegion = 16u << 20;  // the module's default region

struct Region {
  std::unique_ptr<uint64_t[]> mem{new uint64_t[kRegion / 8]()};
  pmdcon_ring ring{};
  Region() {
    BootId boot{};
    if (!ring::OpenProducer({reinterpret_cast<std::byte*>(mem.get()), kRegion},
                            boot, 0x9e37, &ring)
             .ok())
      std::abort();
  }
};

pmdcon_rec Meta() {
  pmdcon_rec m{};
  m.prio = 6;
  m.flags = PMDCON_REC_CPU | PMDCON_REC_CALLER | PMDCON_REC_COMM;
  std::strcpy(m.comm, "bench");
  return m;
}

// Steady state of a full ring: every write also pushes the tail (overwrite).
void BM_RingWrite(benchmark::State& state) {
  const uint32_t len = static_cast<uint32_t>(state.range(0));
  Region r;
  pmdcon_rec meta = Meta();
  std::string text(len, 'x');
  for (int i = 0; i < 200000; ++i)
    pmdcon_ring_write(&r.ring, &meta, text.data(), len, "", 0);
  for (auto _ : state) {
    ++meta.seq;
    benchmark::DoNotOptimize(
        pmdcon_ring_write(&r.ring, &meta, text.data(), len, "", 0));
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * len);
}
BENCHMARK(BM_RingWrite)->Arg(64)->Arg(128)->Arg(512);

// The reference: copy the same text into a buffer as large as the data area,
// advancing like the ring does.
void BM_Memcpy(benchmark::State& state) {
  const size_t len = static_cast<size_t>(state.range(0));
  const size_t data = pmdcon_ring_data_size_for(kRegion);
  std::unique_ptr<char[]> buf(new char[data + 1024]());
  std::string text(len, 'x');
  size_t off = 0;
  const size_t step = pmdcon_align8(static_cast<uint32_t>(len));
  for (auto _ : state) {
    std::memcpy(buf.get() + off, text.data(), len);
    benchmark::ClobberMemory();
    off = off + step >= data ? 0 : off + step;
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * len);
}
BENCHMARK(BM_Memcpy)->Arg(64)->Arg(128)->Arg(512);

double TscPerNs() {
  const auto t0 = std::chrono::steady_clock::now();
  const uint64_t c0 = __rdtsc();
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const uint64_t c1 = __rdtsc();
  const auto t1 = std::chrono::steady_clock::now();
  return static_cast<double>(c1 - c0) /
         std::chrono::duration<double, std::nano>(t1 - t0).count();
}

// Each write timed alone with the TSC; the cost of an empty timing pair is
// measured in the same run and subtracted. Reports percentiles in ns.
void BM_RingWriteLatency(benchmark::State& state) {
  const uint32_t len = static_cast<uint32_t>(state.range(0));
  Region r;
  pmdcon_rec meta = Meta();
  std::string text(len, 'x');
  for (int i = 0; i < 200000; ++i)
    pmdcon_ring_write(&r.ring, &meta, text.data(), len, "", 0);
  std::vector<uint32_t> samples, empty;
  samples.reserve(1 << 20);
  empty.reserve(1 << 16);
  for (auto _ : state) {
    for (int i = 0; i < 1024; ++i) {
      _mm_lfence();
      const uint64_t t0 = __rdtsc();
      _mm_lfence();
      ++meta.seq;
      pmdcon_ring_write(&r.ring, &meta, text.data(), len, "", 0);
      _mm_lfence();
      const uint64_t t1 = __rdtsc();
      if (samples.size() < samples.capacity())
        samples.push_back(static_cast<uint32_t>(t1 - t0));
    }
    for (int i = 0; i < 64; ++i) {
      _mm_lfence();
      const uint64_t t0 = __rdtsc();
      _mm_lfence();
      _mm_lfence();
      const uint64_t t1 = __rdtsc();
      if (empty.size() < empty.capacity())
        empty.push_back(static_cast<uint32_t>(t1 - t0));
    }
  }
  const double per_ns = TscPerNs();
  auto pct = [](std::vector<uint32_t>& v, double p) {
    const size_t k = std::min(v.size() - 1, static_cast<size_t>(p * v.size()));
    std::nth_element(v.begin(), v.begin() + k, v.end());
    return static_cast<double>(v[k]);
  };
  const double base = pct(empty, 0.5);
  state.counters["p50_ns"] = (pct(samples, 0.50) - base) / per_ns;
  state.counters["p99_ns"] = (pct(samples, 0.99) - base) / per_ns;
  state.counters["p999_ns"] = (pct(samples, 0.999) - base) / per_ns;
  state.counters["timer_ns"] = base / per_ns;
  state.SetItemsProcessed(state.iterations() * 1024);
}
BENCHMARK(BM_RingWriteLatency)->Arg(128)->Iterations(1000);

// Producer in this thread, consumer in another. Counts what the consumer
// delivered per second and what it lost to overwrite.
void BM_RingThroughput(benchmark::State& state) {
  const uint32_t len = static_cast<uint32_t>(state.range(0));
  Region r;
  BootId boot{};
  auto consumer = ring::Consumer::Attach(
      {reinterpret_cast<std::byte*>(r.mem.get()), kRegion}, boot,
      ring::StartAt::kOldest);
  struct Sink {
    uint64_t n = 0, lost = 0;
    void OnRecord(const ring::Record&) { ++n; }
    void OnLoss(const ring::Loss& l) { lost += l.records; }
  } sink;
  std::atomic<bool> stop{false};
  std::thread reader([&] {
    while (!stop.load(std::memory_order_relaxed)) (*consumer)->Poll(sink, 64);
    while ((*consumer)->Poll(sink, 1024) > 0) {
    }
  });
  pmdcon_rec meta = Meta();
  std::string text(len, 'x');
  uint64_t produced = 0;
  const auto t0 = std::chrono::steady_clock::now();
  for (auto _ : state) {
    for (int i = 0; i < 1024; ++i) {
      ++meta.seq;
      pmdcon_ring_write(&r.ring, &meta, text.data(), len, "", 0);
    }
    produced += 1024;
  }
  stop = true;
  reader.join();
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
          .count();
  state.counters["delivered_per_s"] = sink.n / secs;
  state.counters["produced_per_s"] = produced / secs;
  state.counters["lost_pct"] =
      100.0 * sink.lost / std::max<uint64_t>(produced, 1);
  if (sink.n + sink.lost != produced)
    state.SkipWithError("records unaccounted for");
}
BENCHMARK(BM_RingThroughput)->Arg(128)->UseRealTime()->MinTime(1.0);

}  // namespace
}  // namespace pmdcon

BENCHMARK_MAIN();
