// The TX engine on net_null: records per second one lcore sends, for
// 100-byte texts in the extended format. bench/engine_vs_testpmd.sh puts the
// result next to dpdk-testpmd's txonly rate on the same vdev, same run.
#include <benchmark/benchmark.h>
#include <rte_eal.h>
#include <rte_launch.h>

#include <cstdio>
#include <cstring>
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
    while ((*e)->stats(0).records.load(std::memory_order_relaxed) < kRecords) {
    }
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
BENCHMARK(BM_EngineNetNull)->Arg(100)->UseRealTime()->MinTime(1.0);

}  // namespace
}  // namespace pmdcon

int main(int argc, char** argv) {
  using namespace pmdcon;
  std::vector<std::string> args = {
      argv[0],          "-l",     "0,1",       "--main-lcore", "0",
      "--no-huge",      "-m",     "1024",      "--no-pci",     "--no-shconf",
      "--no-telemetry", "--vdev", "net_null0", "--log-level",  "lib.eal:error"};
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
