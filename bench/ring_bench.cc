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
  size_t size;
  std::unique_ptr<uint64_t[]> mem;
  pmdcon_ring ring{};
  explicit Region(size_t bytes = kRegion)
      : size(bytes), mem(new uint64_t[bytes / 8]()) {
    BootId boot{};
    if (!ring::OpenProducer({reinterpret_cast<std::byte*>(mem.get()), size},
                            boot, 0x9e37, &ring)
             .ok())
      std::abort();
  }
  // Laps the ring a few times so writes run in the full, overwriting state.
  void Fill(const pmdcon_rec& meta, const std::string& text) {
    for (int i = 0; i < 200000; ++i)
      pmdcon_ring_write(&ring, &meta, text.data(),
                        static_cast<uint32_t>(text.size()), "", 0);
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
  r.Fill(meta, text);
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
  r.Fill(meta, text);
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

// The consumer alone over a pre-filled ring: its own cost per record.
void BM_RingRead(benchmark::State& state) {
  const uint32_t len = static_cast<uint32_t>(state.range(0));
  Region r(1 << 20);
  BootId boot{};
  pmdcon_rec meta = Meta();
  std::string text(len, 'x');
  struct Sink {
    uint64_t n = 0;
    void OnRecord(const ring::Record& rec) { n += rec.text.size(); }
    void OnLoss(const ring::Loss&) {}
  } sink;
  uint64_t records = 0;
  for (auto _ : state) {
    state.PauseTiming();
    for (int i = 0; i < 4096; ++i)
      pmdcon_ring_write(&r.ring, &meta, text.data(), len, "", 0);
    auto c = ring::Consumer::Attach(
        {reinterpret_cast<std::byte*>(r.mem.get()), r.size}, boot,
        ring::StartAt::kOldest);
    state.ResumeTiming();
    while (size_t n = (*c)->Poll(sink, 1024)) records += n;
  }
  state.SetItemsProcessed(records);
}
BENCHMARK(BM_RingRead)->Arg(128);

// Producer in this thread, consumer in another. Counts what the consumer
// delivered per second and what it lost to overwrite. Each thread's hot state
// is a separate padded heap object: anything the consumer touches on the
// producer's stack frame would measure false sharing, not the ring.
struct alignas(64) ConsumerSide {
  std::unique_ptr<ring::Consumer> consumer;
  std::chrono::nanoseconds batch_wait{0};
  uint64_t n = 0, lost = 0, polls = 0;
  void OnRecord(const ring::Record&) { ++n; }
  void OnLoss(const ring::Loss& l) { lost += l.records; }
};
struct alignas(64) StopFlag {
  std::atomic<bool> stop{false};
};

void ConsumeUntilStopped(ConsumerSide* side, const StopFlag* flag) {
  // Poll-mode idling: after an empty poll wait ~0.1 us (latency); after a
  // partial burst a stream is under way: wait batch_wait so the next poll
  // takes a batch instead of fighting the producer for every cache line.
  while (!flag->stop.load(std::memory_order_relaxed)) {
    ++side->polls;
    const size_t n = side->consumer->Poll(*side, 64);
    if (n == 64) continue;
    const auto until =
        std::chrono::steady_clock::now() +
        (n == 0 ? std::chrono::nanoseconds(100) : side->batch_wait);
    while (std::chrono::steady_clock::now() < until) _mm_pause();
  }
  while (side->consumer->Poll(*side, 1024) > 0) {
  }
}

void BM_RingThroughput(benchmark::State& state) {
  const uint32_t len = static_cast<uint32_t>(state.range(0));
  auto r = std::make_unique<Region>(static_cast<size_t>(state.range(1)) << 10);
  auto side = std::make_unique<ConsumerSide>();
  auto flag = std::make_unique<StopFlag>();
  BootId boot{};
  side->consumer = std::move(*ring::Consumer::Attach(
      {reinterpret_cast<std::byte*>(r->mem.get()), r->size}, boot,
      ring::StartAt::kOldest));
  side->batch_wait = std::chrono::nanoseconds(state.range(2));
  std::thread reader(ConsumeUntilStopped, side.get(), flag.get());

  struct alignas(64) ProducerSide {
    pmdcon_rec meta = Meta();
    char text[4096];
    uint64_t produced = 0;
  };
  auto p = std::make_unique<ProducerSide>();
  std::memset(p->text, 'x', sizeof(p->text));
  const auto t0 = std::chrono::steady_clock::now();
  for (auto _ : state) {
    for (int i = 0; i < 1024; ++i) {
      ++p->meta.seq;
      pmdcon_ring_write(&r->ring, &p->meta, p->text, len, "", 0);
    }
    p->produced += 1024;
  }
  flag->stop = true;
  reader.join();
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
          .count();
  state.counters["delivered_per_s"] = side->n / secs;
  state.counters["produced_per_s"] = p->produced / secs;
  state.counters["per_poll"] = static_cast<double>(side->n) / side->polls;
  state.counters["lost_pct"] =
      100.0 * side->lost / std::max<uint64_t>(p->produced, 1);
  if (side->n + side->lost != p->produced)
    state.SkipWithError("records unaccounted for");
}
// Args: text bytes, region KiB (16 MiB is the module's default), the
// consumer's wait after a partial burst in ns.
BENCHMARK(BM_RingThroughput)
    ->Args({128, 16 << 10, 0})
    ->Args({128, 16 << 10, 1000})
    ->Args({128, 16 << 10, 2000})
    ->Args({128, 1 << 10, 1000})
    ->UseRealTime()
    ->MinTime(1.0);

}  // namespace
}  // namespace pmdcon

BENCHMARK_MAIN();
