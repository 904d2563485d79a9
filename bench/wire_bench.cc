// Wire codec benchmarks: encoding (extended with sysdata; an 8 KB record that
// fragments), and decoding plus reassembly, each next to a memcpy of the same
// bytes measured in the same run.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "pmdcon/auth.h"
#include "wire/encoder.h"
#include "wire/reassembler.h"

namespace pmdcon {
namespace {

wire::Encoder SysdataEncoder() {
  wire::Format f;
  f.release_str = "6.12.38+deb12-amd64";
  f.sysdata = PMDCON_SYSDATA_CPU | PMDCON_SYSDATA_TASKNAME |
              PMDCON_SYSDATA_RELEASE | PMDCON_SYSDATA_MSGID;
  return *wire::Encoder::Create(f);
}

pmdcon_rec Header(uint32_t text_len) {
  pmdcon_rec h{};
  h.seq = 1000000;
  h.ts_usec = 123456789;
  h.prio = 6;
  h.cpu = 3;
  h.text_len = static_cast<uint16_t>(text_len);
  std::strcpy(h.comm, "kworker/3:1");
  return h;
}

void BM_EncodeExtendedSysdata(benchmark::State& state) {
  const uint32_t len = static_cast<uint32_t>(state.range(0));
  wire::Encoder e = SysdataEncoder();
  pmdcon_rec h = Header(len);
  std::string text(len, 't');
  char buf[PMDCON_WIRE_CHUNK];
  uint64_t bytes = 0;
  for (auto _ : state) {
    ++h.seq;
    e.Begin(h, text.data(), "");
    while (uint32_t n = e.Next(buf)) {
      benchmark::DoNotOptimize(buf);
      bytes += n;
    }
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["payload_bytes"] =
      static_cast<double>(bytes) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_EncodeExtendedSysdata)->Arg(128);

void BM_EncodeFragmented8K(benchmark::State& state) {
  wire::Encoder e = SysdataEncoder();
  pmdcon_rec h = Header(8192);
  std::string text(8192, 'f');
  char buf[PMDCON_WIRE_CHUNK];
  uint64_t payloads = 0;
  for (auto _ : state) {
    ++h.seq;
    e.Begin(h, text.data(), "");
    while (uint32_t n = e.Next(buf)) {
      benchmark::DoNotOptimize(buf);
      benchmark::DoNotOptimize(n);
      ++payloads;
    }
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["payloads_per_record"] =
      static_cast<double>(payloads) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_EncodeFragmented8K);

// Reference: copying the bytes one encoded payload holds.
void BM_MemcpyPayload(benchmark::State& state) {
  const size_t len = static_cast<size_t>(state.range(0));
  std::string src(len, 'm');
  char buf[PMDCON_WIRE_CHUNK];
  for (auto _ : state) {
    std::memcpy(buf, src.data(), len);
    benchmark::DoNotOptimize(buf);
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_MemcpyPayload)
    ->Arg(230)
    ->Arg(128)
    ->Arg(957);  // 128, 957: BM_Seal's

struct NullSink : wire::MessageSink {
  uint64_t n = 0;
  void OnMessage(const wire::Message& m) override { n += m.body.size(); }
};

// Feeds `payloads` from one source to a fresh reassembler per lap (which
// keeps seqs increasing).
void ReassembleLaps(benchmark::State& state,
                    const std::vector<std::string>& payloads) {
  wire::SourceKey src;
  src.family = 4;
  NullSink sink;
  uint64_t fed = 0;
  for (auto _ : state) {
    state.PauseTiming();
    wire::Reassembler r({});
    state.ResumeTiming();
    for (const std::string& p : payloads) r.Feed(src, p, fed, sink);
    fed += payloads.size();
  }
  state.SetItemsProcessed(static_cast<int64_t>(fed));
}

// Decode and reassemble a stream of pre-encoded payloads (one source, seqs
// in order): `state.range(0)` = text bytes (1800: every record 2 fragments).
void BM_DecodeReassemble(benchmark::State& state) {
  const uint32_t len = static_cast<uint32_t>(state.range(0));
  wire::Encoder e = SysdataEncoder();
  std::vector<std::string> payloads;
  pmdcon_rec h = Header(len);
  std::string text(len, 'd');
  char buf[PMDCON_WIRE_CHUNK];
  for (int i = 0; i < 4096; ++i) {
    h.seq = static_cast<uint64_t>(i);
    h.ts_usec = static_cast<uint64_t>(i) * 7;
    e.Begin(h, text.data(), "");
    while (uint32_t n = e.Next(buf)) payloads.emplace_back(buf, n);
  }
  ReassembleLaps(state, payloads);
  state.counters["payload_bytes"] = static_cast<double>(payloads[0].size());
}
BENCHMARK(BM_DecodeReassemble)->Arg(128)->Arg(1800);

// One record of range(0) bytes sent as 1-byte fragments in random order:
// the cost per fragment stays flat as the record grows (no quadratic merge).
void BM_OneByteFragments(benchmark::State& state) {
  const auto total = static_cast<uint32_t>(state.range(0));
  std::vector<std::string> payloads;
  std::mt19937_64 rng(1);
  for (uint32_t at = 0; at < total; ++at) {
    payloads.push_back(absl::StrCat("6,1,1,-,ncfrag=", at, "/", total, ";",
                                    std::string(1, 'a' + at % 26)));
  }
  std::shuffle(payloads.begin(), payloads.end(), rng);
  ReassembleLaps(state, payloads);
}
BENCHMARK(BM_OneByteFragments)->Arg(1024)->Arg(8192)->Arg(65536);

}  // namespace
}  // namespace pmdcon

// Sealing a payload (include/pmdcon/auth.h: SipHash-2-4 over it, the field
// inserted), by payload size; BM_MemcpyPayload copies as many bytes.
void BM_Seal(benchmark::State& state) {
  const uint32_t len = static_cast<uint32_t>(state.range(0));
  pmdcon_auth_key k{};
  k.id = 1;
  std::string p = "6,1000000,123456789,-;" + std::string(len - 22, 'x');
  char buf[PMDCON_WIRE_CHUNK + PMDCON_AUTH_FIELD_LEN];
  for (auto _ : state) {
    std::memcpy(buf, p.data(), len);
    benchmark::DoNotOptimize(pmdcon_auth_seal(&k, 7, buf, len, sizeof(buf)));
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * len);
}
BENCHMARK(BM_Seal)->Arg(128)->Arg(957);

BENCHMARK_MAIN();
