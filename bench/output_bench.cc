// pmdcon-rx's JSON string escaping over an 8 KiB record body: plain text,
// text with a quote every 16 bytes, and a body of quotes, each next to a
// memcpy of the same bytes measured in the same run.
#include <benchmark/benchmark.h>

#include <cstring>
#include <string>

#include "rx/format/output.h"

namespace pmdcon::rx {
namespace {

std::string Body(int64_t kind) {
  std::string s(8192, 'a');
  for (size_t i = 0; i < s.size(); ++i) {
    if (kind == 1 && i % 16 == 15) s[i] = '"';
    if (kind == 2 && i % 2 == 1) s[i] = '"';
  }
  return s;
}

void BM_JsonString(benchmark::State& state) {
  const std::string body = Body(state.range(0));
  std::string out;
  for (auto _ : state) {
    out.clear();
    AppendJsonString(&out, body);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(state.iterations() * body.size());
}
// 0: plain text, 1: a quote every 16 bytes, 2: every other byte a quote.
BENCHMARK(BM_JsonString)->Arg(0)->Arg(1)->Arg(2);

void BM_MemcpyBody(benchmark::State& state) {
  const std::string body = Body(0);
  std::string out(body.size(), '\0');
  for (auto _ : state) {
    std::memcpy(out.data(), body.data(), body.size());
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(state.iterations() * body.size());
}
BENCHMARK(BM_MemcpyBody);

}  // namespace
}  // namespace pmdcon::rx

BENCHMARK_MAIN();
